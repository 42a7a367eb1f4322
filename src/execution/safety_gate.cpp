#include "awet/execution/safety_gate.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace awet {

SafetyGate::SafetyGate(const ExecutionConfig& config)
    : dry_run_(config.dry_run), approval_file_(config.approval_file) {}

bool SafetyGate::approved(const std::string& path) {
    struct stat st {};
    return !path.empty() && ::stat(path.c_str(), &st) == 0;
}

std::optional<std::string> SafetyGate::check(const Broker& broker) const {
    if (!kPaperTradeOnly || !broker.is_paper()) return std::string(kBlockLiveEndpoint);
    if (dry_run_) return std::string(kBlockDryRun);
    if (!approved(approval_file_)) {
        return std::string(kBlockApprovalMissing) + ": " + approval_file_;
    }
    return std::nullopt;
}

Status SafetyGate::approve(const std::string& path, std::string_view who, Timestamp at) {
    if (path.empty()) return make_error(ErrorCode::kInvalidArgument, "approval file path is empty");
    std::error_code ec;
    std::filesystem::path p(path);
    if (p.has_parent_path()) {
        std::filesystem::create_directories(p.parent_path(), ec);
        if (ec) {
            return make_error(ErrorCode::kIo, "cannot create directory " +
                                                  p.parent_path().string() + ": " + ec.message());
        }
    }
    std::ofstream f(path, std::ios::trunc);
    if (!f) return make_error(ErrorCode::kIo, "cannot write " + path + ": " + std::strerror(errno));
    f << "AWET paper-trading execution approved\n"
      << "approved_by: " << who << "\n"
      << "approved_at: " << at.iso() << "\n";
    f.close();
    if (!f) return make_error(ErrorCode::kIo, "cannot write " + path);
    return Status::Ok();
}

Status SafetyGate::revoke(const std::string& path) {
    if (path.empty()) return make_error(ErrorCode::kInvalidArgument, "approval file path is empty");
    std::error_code ec;
    std::filesystem::remove(path, ec);
    if (ec) return make_error(ErrorCode::kIo, "cannot remove " + path + ": " + ec.message());
    return Status::Ok();
}

}  // namespace awet
