#pragma once
// A throwaway PostgreSQL 15 server for tests: initdb + pg_ctl as user postgres (they refuse root),
// loopback only, a free port, a temp dir; stopped (pg_ctl stop, then kill by PID) in the
// destructor. If the server binaries are missing, ok() is false and error() names
// scripts/install_deps.sh.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "awet_test_support.hpp"

namespace awet::testing {

class PgServer {
public:
    PgServer() { start(); }
    ~PgServer() { stop(); }
    PgServer(const PgServer&) = delete;
    PgServer& operator=(const PgServer&) = delete;

    bool ok() const { return ok_; }
    const std::string& error() const { return error_; }
    int port() const { return port_; }
    /// libpq URL of database `db` (user postgres, trust auth, no password).
    std::string url(const std::string& db = "postgres") const {
        return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + db;
    }

    void stop() {
        if (!started_) return;
        started_ = false;
        run_command(as_ + bin_ + "/pg_ctl -D " + data_ + " -m fast -w stop");
        // Belt and braces: kill the postmaster by PID if it is still there.
        std::ifstream pidfile(data_ + "/postmaster.pid");
        long pid = 0;
        if (pidfile >> pid && pid > 0) ::kill(static_cast<pid_t>(pid), SIGKILL);
    }

private:
    void start() {
        const auto cfg = run_command("pg_config --bindir");
        std::string bin = cfg.out.substr(0, cfg.out.find('\n'));
        if (cfg.code != 0 || !std::filesystem::exists(bin + "/initdb"))
            bin = "/usr/lib/postgresql/15/bin";
        if (!std::filesystem::exists(bin + "/initdb") ||
            !std::filesystem::exists(bin + "/pg_ctl")) {
            error_ =
                "PostgreSQL 15 server binaries (initdb, pg_ctl) not found; run "
                "scripts/install_deps.sh (package postgresql-15)";
            return;
        }
        bin_ = bin;
        // initdb and pg_ctl refuse to run as root: run them as user postgres then.
        as_ = ::geteuid() == 0 ? "runuser -u postgres -- " : "";
        data_ = (dir_.path() / "data").string();
        if (!as_.empty()) run_command("chown postgres:postgres " + dir_.path().string());
        auto r = run_command(as_ + bin_ + "/initdb -D " + data_ +
                             " -U postgres -A trust -E UTF8 --no-locale");
        if (r.code != 0) {
            error_ = "initdb failed in " + data_ + ": " + r.out;
            return;
        }
        for (int attempt = 0; attempt < 5 && !ok_; ++attempt) {
            port_ = free_tcp_port();
            r = run_command(as_ + bin_ + "/pg_ctl -D " + data_ + " -l " + dir_.path().string() +
                            "/log -o \"-p " + std::to_string(port_) + " -k " +
                            dir_.path().string() +
                            " -c listen_addresses=127.0.0.1 -c fsync=off\" -w start");
            if (r.code == 0) {
                ok_ = true;
                started_ = true;
            } else {
                error_ = "pg_ctl start failed on port " + std::to_string(port_) + ": " + r.out;
            }
        }
        if (ok_) error_.clear();
    }

    TempDir dir_;
    std::string bin_, data_, error_, as_;
    int port_ = -1;
    bool ok_ = false, started_ = false;
};

}  // namespace awet::testing
