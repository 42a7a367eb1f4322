#pragma once
// Helpers shared by the tests: where the shared data lives, throwaway directories, running a
// command.
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

namespace awet::testing {

/// The whole file as text (empty if it cannot be read).
inline std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

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

/// The config a CLI test runs with: layer 2 open, the approval file and the models in `dir`,
/// quiet text logs. Written to dir/cfg.yaml; returns "--config <that file>".
inline std::string write_cli_config(const TempDir& dir) {
    std::ofstream(dir.file("cfg.yaml"))
        << "execution:\n  dry_run: false\n  approval_file: " << dir.file("APPROVE")
        << "\nprediction:\n  model_dir: " << dir.file("models")
        << "\nlogging:\n  level: error\n  format: text\n";
    return "--config " + dir.file("cfg.yaml");
}

/// What a shell command did: its exit code (-1 if it did not exit normally) and its output.
struct CommandResult {
    int code = -1;
    std::string out;  // stdout and stderr, interleaved
};

/// Runs `command` through the shell, stderr joined to stdout.
inline CommandResult run_command(const std::string& command) {
    CommandResult r;
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (pipe == nullptr) return r;
    std::array<char, 4096> buf{};
    size_t n = 0;
    while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) r.out.append(buf.data(), n);
    const int status = ::pclose(pipe);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

/// A free TCP port on 127.0.0.1 (bind to port 0 and read it back).
inline int free_tcp_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof(addr);
    int port = -1;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
        port = ntohs(addr.sin_port);
    ::close(fd);
    return port;
}

}  // namespace awet::testing
