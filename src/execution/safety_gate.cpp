#include "awet/execution/safety_gate.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace awet {
namespace {

constexpr size_t kMaxApprovalBytes = 4096;  // what `awet approve` writes is ~100 bytes

int64_t ns_of(const struct timespec& t) {
    return static_cast<int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

/// What is wrong with the content of an approval file, or nullopt.
std::optional<std::string> content_problem(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) return "cannot be read: " + std::string(std::strerror(errno));
    std::string body(kMaxApprovalBytes + 1, '\0');
    f.read(body.data(), static_cast<std::streamsize>(body.size()));
    body.resize(static_cast<size_t>(f.gcount()));
    if (body.size() > kMaxApprovalBytes) return std::string("larger than an approval file");
    std::istringstream lines(body);
    std::string line;
    if (!std::getline(lines, line) || line != kApprovalFileHeader) {
        return "not an AWET approval file (its first line is not '" +
               std::string(kApprovalFileHeader) + "')";
    }
    bool by = false, at = false;
    while (std::getline(lines, line)) {
        if (line.starts_with("approved_by: ") && line.size() > 13) by = true;
        if (line.starts_with("approved_at: ") && Timestamp::parse(line.substr(13))) at = true;
    }
    if (!by) return std::string("no approved_by line");
    if (!at) return std::string("no approved_at line with an ISO-8601 time");
    return std::nullopt;
}

}  // namespace

SafetyGate::SafetyGate(const ExecutionConfig& config)
    : dry_run_(config.dry_run), approval_file_(config.approval_file) {}

std::optional<std::string> SafetyGate::approval_problem(const std::string& path) {
    if (path.empty()) return std::string("missing");
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR) return std::string("missing");
        return "cannot be checked: " + std::string(std::strerror(errno));
    }
    if (S_ISDIR(st.st_mode)) return std::string("a directory, not an approval file");
    if (!S_ISREG(st.st_mode)) return std::string("not a regular file");
    return content_problem(path);
}

bool SafetyGate::approved(const std::string& path) { return !approval_problem(path).has_value(); }

std::optional<std::string> SafetyGate::cached_problem() const {
    struct stat st {};
    if (approval_file_.empty() || ::stat(approval_file_.c_str(), &st) != 0 ||
        !S_ISREG(st.st_mode)) {
        return approval_problem(approval_file_);
    }
    std::lock_guard lock(mutex_);
    const bool same = verified_.valid && verified_.dev == st.st_dev && verified_.ino == st.st_ino &&
                      verified_.size == st.st_size && verified_.mtime_ns == ns_of(st.st_mtim) &&
                      verified_.ctime_ns == ns_of(st.st_ctim);
    if (same) return std::nullopt;
    std::optional<std::string> problem = content_problem(approval_file_);
    verified_ = Verified{};
    if (!problem) {
        verified_ = Verified{true,
                             static_cast<uint64_t>(st.st_dev),
                             static_cast<uint64_t>(st.st_ino),
                             static_cast<int64_t>(st.st_size),
                             ns_of(st.st_mtim),
                             ns_of(st.st_ctim)};
    }
    return problem;
}

std::optional<Block> SafetyGate::check(const Broker& broker) const {
    if (!kPaperTradeOnly || !broker.is_paper()) return Block{BlockReason::kLiveEndpointRefused};
    if (dry_run_) return Block{BlockReason::kDryRun};
    if (std::optional<std::string> problem = cached_problem()) {
        if (*problem == "missing") return Block{BlockReason::kApprovalFileMissing, approval_file_};
        return Block{BlockReason::kApprovalFileInvalid, approval_file_ + ": " + *problem};
    }
    return std::nullopt;
}

Status SafetyGate::approve(const std::string& path, std::string_view who, Timestamp at) {
    if (path.empty()) return make_error(ErrorCode::kInvalidArgument, "approval file path is empty");
    if (std::optional<std::string> problem = approval_problem(path);
        problem && *problem != "missing") {
        return make_error(ErrorCode::kAlreadyExists,
                          "something is already at " + path + " (" + *problem +
                              "): not replaced; move it away if it is not needed");
    }
    std::error_code ec;
    std::filesystem::path p(path);
    if (p.has_parent_path()) {
        std::filesystem::create_directories(p.parent_path(), ec);
        if (ec) {
            return make_error(ErrorCode::kIo, "cannot create directory " +
                                                  p.parent_path().string() + ": " + ec.message());
        }
    }
    // Written next to its final place and renamed: a reader never sees half a file, and a file
    // that appeared at the path since the check above is still not overwritten by a truncate.
    const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
    {
        std::ofstream f(tmp, std::ios::trunc);
        if (!f) {
            return make_error(ErrorCode::kIo, "cannot write " + tmp + ": " + std::strerror(errno));
        }
        f << kApprovalFileHeader << "\n"
          << "approved_by: " << who << "\n"
          << "approved_at: " << at.iso() << "\n";
        f.close();
        if (!f) {
            std::filesystem::remove(tmp, ec);
            return make_error(ErrorCode::kIo, "cannot write " + tmp);
        }
    }
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::error_code ignored;
        std::filesystem::remove(tmp, ignored);
        return make_error(ErrorCode::kIo, "cannot write " + path + ": " + ec.message());
    }
    return Status::Ok();
}

Status SafetyGate::revoke(const std::string& path) {
    if (path.empty()) return make_error(ErrorCode::kInvalidArgument, "approval file path is empty");
    std::optional<std::string> problem = approval_problem(path);
    if (problem && *problem == "missing") return Status::Ok();
    if (problem) {
        return make_error(ErrorCode::kInvalidArgument,
                          path + " is not an approval file (" + *problem +
                              "); not removed. Every order stays blocked while it is there");
    }
    std::error_code ec;
    std::filesystem::remove(path, ec);
    if (ec) return make_error(ErrorCode::kIo, "cannot remove " + path + ": " + ec.message());
    return Status::Ok();
}

}  // namespace awet
