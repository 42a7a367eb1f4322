#pragma once
// A throwaway redis-server for tests: loopback only, a free port, no persistence, its own temp dir;
// stopped by PID in the destructor. If the binary is missing, ok() is false and error() names
// scripts/install_deps.sh.
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "awet_test_support.hpp"
#include "child_process.hpp"

namespace awet::testing {

class RedisServer {
public:
    static constexpr const char* kBinary = "/usr/bin/redis-server";

    RedisServer() { start(); }
    ~RedisServer() { stop(); }
    RedisServer(const RedisServer&) = delete;
    RedisServer& operator=(const RedisServer&) = delete;

    bool ok() const { return ok_; }
    const std::string& error() const { return error_; }
    int port() const { return port_; }
    std::string url(int db = 0) const {
        return "redis://127.0.0.1:" + std::to_string(port_) + "/" + std::to_string(db);
    }
    /// redis-cli against this server (tests that look at keys and TTLs).
    CommandResult cli(const std::string& args) const {
        return run_command("redis-cli -h 127.0.0.1 -p " + std::to_string(port_) + " " + args);
    }

    /// Stops the server by PID (SIGTERM, then SIGKILL; nothing is saved).
    void stop() {
        child_.reset();
        ok_ = false;
    }
    /// Starts it again on the same port (empty: nothing is persisted).
    bool restart() {
        stop();
        launch();
        return ok_;
    }

private:
    void start() {
        if (!std::filesystem::exists(kBinary)) {
            error_ = std::string(kBinary) +
                     " not found; run scripts/install_deps.sh (package redis-server)";
            return;
        }
        for (int attempt = 0; attempt < 5 && !ok_; ++attempt) {
            port_ = free_tcp_port();
            launch();
        }
    }

    void launch() {
        child_ = std::make_unique<ChildProcess>(std::vector<std::string>{
            kBinary, "--port", std::to_string(port_), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--dir", dir_.path().string(), "--protected-mode", "no",
            "--logfile", dir_.file("redis.log")});
        for (int i = 0; i < 100; ++i) {
            if (!child_->running()) break;
            if (cli("PING").out.find("PONG") != std::string::npos) {
                ok_ = true;
                error_.clear();
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        error_ = "redis-server did not answer on port " + std::to_string(port_);
        child_.reset();
    }

    TempDir dir_;
    std::unique_ptr<ChildProcess> child_;
    std::string error_;
    int port_ = -1;
    bool ok_ = false;
};

}  // namespace awet::testing
