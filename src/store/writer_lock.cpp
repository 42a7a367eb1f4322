#include "awet/store/detail/writer_lock.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace awet::store_internal {
namespace {

class NoLease final : public WriterLease {};

class FileLease final : public WriterLease {
public:
    explicit FileLease(int fd) : fd_(fd) {}
    ~FileLease() override { ::close(fd_); }  // releases every lock of this lease
    FileLease(const FileLease&) = delete;
    FileLease& operator=(const FileLease&) = delete;

private:
    int fd_;
};

constexpr std::array<std::string_view, 8> kRoles = {
    "execution", "exit", "reconciler", "watchtower", "risk", "prediction", "features", "ingestion"};

/// Tries one lock; on conflict returns the PID of a holder (0 when it cannot be told).
Result<bool> try_lock(int fd, short type, int64_t slot, long& holder_pid) {
    struct flock fl {};
    fl.l_type = type;
    fl.l_whence = SEEK_SET;
    fl.l_start = static_cast<off_t>(slot);
    fl.l_len = 1;
    if (::fcntl(fd, F_SETLK, &fl) == 0) return true;
    if (errno != EACCES && errno != EAGAIN) {
        return make_error(ErrorCode::kIo, std::string("lock: ") + std::strerror(errno));
    }
    struct flock probe {};
    probe.l_type = type;
    probe.l_whence = SEEK_SET;
    probe.l_start = static_cast<off_t>(slot);
    probe.l_len = 1;
    holder_pid = 0;
    if (::fcntl(fd, F_GETLK, &probe) == 0 && probe.l_type != F_UNLCK) holder_pid = probe.l_pid;
    return false;
}

std::string who(long pid) {
    if (pid <= 0) return "another process";
    const std::string what = describe_process(pid);
    return "PID " + std::to_string(pid) + (what.empty() ? "" : " (" + what + ")");
}

}  // namespace

int64_t role_slot(std::string_view role) {
    for (size_t i = 0; i < kRoles.size(); ++i) {
        if (kRoles[i] == role) return static_cast<int64_t>(i) + 1;
    }
    uint64_t h = 1469598103934665603ULL;  // FNV-1a
    for (char c : role) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    return 64 + static_cast<int64_t>(h % 1'000'000);
}

std::string describe_process(long pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
    if (!f) return "";
    std::stringstream ss;
    ss << f.rdbuf();
    std::string raw = ss.str();
    std::string out;
    size_t start = 0;
    int args = 0;
    while (start < raw.size() && args < 4) {
        size_t end = raw.find('\0', start);
        if (end == std::string::npos) end = raw.size();
        std::string arg = raw.substr(start, end - start);
        if (args == 0) {
            const auto slash = arg.rfind('/');
            if (slash != std::string::npos) arg = arg.substr(slash + 1);
        }
        if (!arg.empty()) {
            out += (out.empty() ? "" : " ") + arg;
            ++args;
        }
        start = end + 1;
    }
    return out;
}

Result<std::unique_ptr<WriterLease>> lock_database_file(const std::string& db_path, WriterMode mode,
                                                        std::string_view role,
                                                        std::string_view holder) {
    if (db_path == ":memory:" || db_path.rfind("file:", 0) == 0) {
        return std::unique_ptr<WriterLease>(std::make_unique<NoLease>());
    }
    const std::string lock_path = db_path + ".lock";
    const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        return make_error(ErrorCode::kIo,
                          "cannot open the lock file " + lock_path + ": " + std::strerror(errno));
    }
    auto lease = std::make_unique<FileLease>(fd);
    long pid = 0;
    const bool exclusive = mode == WriterMode::kExclusive;
    auto got = try_lock(fd, exclusive ? F_WRLCK : F_RDLCK, 0, pid);
    if (!got.ok()) return got.error();
    if (!*got) {
        return make_error(
            ErrorCode::kAlreadyExists,
            "store " + db_path + " is in use by " + who(pid) +
                (exclusive ? "; " + std::string(holder) +
                                 " needs it alone (one writer at a time): wait for it to finish "
                                 "or stop it"
                           : ", which needs it alone: wait for it to finish"));
    }
    if (!role.empty()) {
        got = try_lock(fd, F_WRLCK, role_slot(role), pid);
        if (!got.ok()) return got.error();
        if (!*got) {
            return make_error(ErrorCode::kAlreadyExists,
                              "store " + db_path + ": a " + std::string(role) +
                                  " agent already writes to it (" + who(pid) + "); one per store");
        }
    }
    return std::unique_ptr<WriterLease>(std::move(lease));
}

}  // namespace awet::store_internal
