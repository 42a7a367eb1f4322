#pragma once
// Helpers shared by the tests: where the shared data lives, throwaway directories.
#include <filesystem>
#include <random>
#include <string>

namespace awet::testing {

/// ../shared/data (real bars and API samples; read, never copied).
inline std::filesystem::path shared_data() { return std::filesystem::path(AWET_SHARED_DATA); }

/// A fresh directory under the system temp dir, removed when the object dies.
class TempDir {
public:
    TempDir() {
        std::random_device rd;
        path_ = std::filesystem::temp_directory_path() /
                ("awet-test-" + std::to_string(rd()) + "-" + std::to_string(rd()));
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

}  // namespace awet::testing
