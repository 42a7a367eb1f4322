// Security checks as tests (issue 11), against the awet binary as users run it:
//
//  1. Secrets never leak. Every environment variable AWET reads a secret from holds a unique fake
//     value (ALPACA_API_KEY, ALPACA_API_SECRET, POLYGON_API_KEY, AWET_VENUE_TOKEN, AWET_API_TOKEN,
//     a password in AWET_STORE_POSTGRES_URL and AWET_RISK_REDIS_URL) while the commands that could
//     print one run against loopback servers that answer with the recorded responses of
//     ../shared/data/api and echo the request (URL, query, headers) back in their error bodies.
//     Then no fake value, nor any 8-character piece of one, may appear in the output of any
//     command, in any file the runs wrote (logs, the SQLite file and its -wal, the approval file,
//     models, ...), in a dump of every table, or in the /health and /metrics bodies.
//  2. Every listener binds loopback unless configured: each listening socket of each process
//     (found through /proc/<pid>/fd and /proc/net/tcp{,6}) is on 127.0.0.1 or ::1.
//  3. Every request to a server of the code without its token is refused, and changes nothing.
//
// The checks that found a leak say, in a comment, what it was and how it showed (each fixed:
// every secret goes through awet/core/secrets.hpp before it can reach a message).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bitset>
#include <cctype>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>  // before asio: Boost 1.74's awaitable.hpp needs std::exchange
#include <vector>

#include "awet/store_sqlite/sqlite_store.hpp"
#include "awet_test_support.hpp"
#include "child_process.hpp"
#include "loopback_ws_server.hpp"
#include "pg_server.hpp"

namespace awet {
namespace {

namespace fs = std::filesystem;
using awet::testing::CommandResult;
using awet::testing::run_command;
using nlohmann::json;

// ------------------------------------------------------------------------------- fake secrets

struct FakeSecret {
    const char* env;
    const char* value;
};
// Unique values; the venue token looks like the base64 that scripts/awet_start.sh makes.
constexpr FakeSecret kSecrets[] = {
    {"ALPACA_API_KEY", "PKFAKEALPACAKEYID7QW3"},
    {"ALPACA_API_SECRET", "fakeAlpacaSecretKey-Zq8Lm2Xv9Rt4"},
    {"POLYGON_API_KEY", "fakePolygonApiKey_Hn5Jd8Ws"},
    {"AWET_VENUE_TOKEN", "fakeVenueToken+b64/Yk7Pq3Lz9Mw="},
    {"AWET_API_TOKEN", "fakeAwetApiToken-Ux4Rb8Nc"},
};
constexpr const char* kPgPassword = "fakePgPassword-Ej6Tc2Vy";
constexpr const char* kRedisPassword = "fakeRedisPassword-Gm3Kp7";

std::string secret_of(const char* env) {
    for (const FakeSecret& s : kSecrets) {
        if (std::string_view(s.env) == env) return s.value;
    }
    return {};
}
std::string venue_token() { return secret_of("AWET_VENUE_TOKEN"); }

/// Single quotes for the shell.
std::string sh_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// ----------------------------------------------------------------------------------- the scan

/// Searches texts for the secrets and every 8-character piece of them (a piece made of digits
/// and punctuation only is skipped: it could be anything). Counts what it searched.
class LeakScan {
public:
    static constexpr size_t kWindow = 8;

    void secret(const std::string& name, const std::string& value) {
        for (size_t i = 0; i + kWindow <= value.size(); ++i) {
            const std::string piece = value.substr(i, kWindow);
            if (std::none_of(piece.begin(), piece.end(),
                             [](unsigned char c) { return std::isalpha(c) != 0; }))
                continue;
            uint64_t key = 0;
            std::memcpy(&key, piece.data(), kWindow);
            pieces_.emplace(key, name);
            first_two_.set(key & 0xFFFF);
        }
    }

    /// The output of one command.
    void output(const std::string& where, const std::string& text) {
        ++outputs_;
        search(where, text);
    }
    /// The body of one HTTP answer (/health, /metrics, a refusal).
    void endpoint(const std::string& where, const std::string& body) {
        ++endpoints_;
        search(where, body);
    }
    /// Every file under `dir` (bytes), then a dump of every SQLite database among them.
    void tree(const fs::path& dir) {
        std::vector<fs::path> databases;
        std::error_code ec;
        for (auto it = fs::recursive_directory_iterator(
                 dir, fs::directory_options::skip_permission_denied, ec);
             it != fs::recursive_directory_iterator(); it.increment(ec)) {
            if (ec) break;
            if (!it->is_regular_file(ec)) continue;
            const std::string bytes = awet::testing::read_text(it->path());
            ++files_;
            file_bytes_ += bytes.size();
            search(fs::relative(it->path(), dir).string(), bytes);
            if (bytes.rfind(std::string("SQLite format 3\0", 16), 0) == 0)
                databases.push_back(it->path());
        }
        for (const fs::path& db : databases) {
            auto tables = run_command("sqlite3 -batch " + sh_quote(db.string()) +
                                      " \"SELECT name FROM sqlite_master WHERE type='table'\"");
            tables_ += static_cast<size_t>(std::count(tables.out.begin(), tables.out.end(), '\n'));
            auto dump = run_command("sqlite3 -batch " + sh_quote(db.string()) + " .dump");
            EXPECT_EQ(dump.code, 0) << db << ": " << dump.out.substr(0, 500);
            ++dumps_;
            search(fs::relative(db, dir).string() + " (.dump of every table)", dump.out);
        }
    }

    const std::vector<std::string>& leaks() const { return leaks_; }
    std::string report() const {
        std::string out;
        for (const std::string& l : leaks_) out += "\n  " + l;
        return out;
    }
    std::string summary() const {
        return std::to_string(outputs_) + " command outputs, " + std::to_string(files_) +
               " files (" + std::to_string(file_bytes_) + " bytes), " + std::to_string(tables_) +
               " tables in " + std::to_string(dumps_) + " database dumps, " +
               std::to_string(endpoints_) + " HTTP bodies";
    }

private:
    void search(const std::string& where, std::string_view text) {
        std::set<std::string> named;
        for (size_t i = 0; i + kWindow <= text.size(); ++i) {
            uint64_t key = 0;
            std::memcpy(&key, text.data() + i, kWindow);
            if (!first_two_.test(key & 0xFFFF)) continue;
            auto it = pieces_.find(key);
            if (it == pieces_.end() || !named.insert(it->second).second) continue;
            const size_t from = i < 60 ? 0 : i - 60;
            std::string context(text.substr(from, 140));
            for (char& c : context) c = (c >= 0x20 && c < 0x7f) ? c : '.';
            leaks_.push_back(it->second + " in " + where + ": ..." + context + "...");
        }
    }

    std::unordered_multimap<uint64_t, std::string> pieces_;
    std::bitset<65536> first_two_;
    std::vector<std::string> leaks_;
    size_t outputs_ = 0, files_ = 0, file_bytes_ = 0, tables_ = 0, dumps_ = 0, endpoints_ = 0;
};

// ------------------------------------------------------------------------------ small helpers

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (pred()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return pred();
}

/// One HTTP/1.1 request on a fresh connection ("Connection: close"), any method, raw headers.
struct RawReply {
    int status = 0;  // 0: no answer
    std::string head, body;
};
RawReply raw_http(int port, const std::string& method, const std::string& target,
                  const std::vector<std::string>& headers = {}, const std::string& body = {}) {
    RawReply r;
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return r;
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return r;
    }
    std::string req = method + " " + target +
                      " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                      "\r\nConnection: close\r\n";
    for (const std::string& h : headers) req += h + "\r\n";
    if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
        req += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
               "\r\n";
    }
    req += "\r\n" + body;
    for (size_t sent = 0; sent < req.size();) {
        const ssize_t n = ::send(fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<size_t>(n);
    }
    std::string in;
    char buf[8192];
    for (;;) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        in.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    if (in.rfind("HTTP/1.", 0) == 0 && in.size() > 12) r.status = std::atoi(in.c_str() + 9);
    const size_t split = in.find("\r\n\r\n");
    r.head = in.substr(0, split);
    if (split != std::string::npos) r.body = in.substr(split + 4);
    return r;
}

/// A loopback httplib::Server on its own thread; routes are added before start().
class Loopback {
public:
    httplib::Server server;
    void start() {
        port_ = server.bind_to_any_port("127.0.0.1");
        ASSERT_GT(port_, 0);
        thread_ = std::thread([this] { server.listen_after_bind(); });
        ASSERT_TRUE(eventually([this] { return server.is_running(); }, std::chrono::seconds(5)));
    }
    ~Loopback() {
        server.stop();
        if (thread_.joinable()) thread_.join();
    }
    int port() const { return port_; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

private:
    int port_ = 0;
    std::thread thread_;
};

/// What an echoing server sends back: the request line, the query and every header.
std::string echo_of(const httplib::Request& req) {
    json headers = json::object(), params = json::object();
    for (const auto& [k, v] : req.headers) headers[k] = v;
    for (const auto& [k, v] : req.params) params[k] = v;
    return "you sent " + req.method + " " + req.target + " params " + params.dump() + " headers " +
           headers.dump();
}

/// Every request a fake vendor received, as text (request line and headers).
class RequestLog {
public:
    void add(const httplib::Request& req) {
        std::lock_guard lock(mutex_);
        all_.push_back(echo_of(req));
    }
    std::vector<std::string> all() const {
        std::lock_guard lock(mutex_);
        return all_;
    }

private:
    mutable std::mutex mutex_;
    std::vector<std::string> all_;
};

std::string api_file(const std::string& rel) {
    const std::string text = awet::testing::read_text(awet::testing::shared_data() / "api" / rel);
    EXPECT_FALSE(text.empty()) << rel;
    return text;
}

/// A child `awet` process: `env awet args >log 2>&1` in `cwd`, stopped with the test.
std::unique_ptr<awet::testing::ChildProcess> spawn(const fs::path& cwd, const std::string& env,
                                                   const std::string& args,
                                                   const std::string& log) {
    return std::make_unique<awet::testing::ChildProcess>(
        std::vector<std::string>{"/bin/sh", "-c",
                                 "cd " + sh_quote(cwd.string()) + " && " + env + " exec " +
                                     AWET_CLI + " " + args + " >" + sh_quote(log) + " 2>&1"});
}

/// `awet dev-kafka` (librdkafka's mock cluster) and its bootstrap servers.
struct DevKafka {
    std::unique_ptr<awet::testing::ChildProcess> process;
    std::string brokers;
};
DevKafka start_dev_kafka(const fs::path& dir) {
    DevKafka k;
    const std::string out = (dir / "kafka.brokers").string();
    k.process =
        spawn(dir, "", "dev-kafka --out " + sh_quote(out), (dir / "dev-kafka.log").string());
    eventually([&] { return !awet::testing::read_text(out).empty(); });
    k.brokers = awet::testing::read_text(out);
    while (!k.brokers.empty() && std::isspace(static_cast<unsigned char>(k.brokers.back())))
        k.brokers.pop_back();
    EXPECT_FALSE(k.brokers.empty()) << awet::testing::read_text(dir / "dev-kafka.log");
    return k;
}

/// GET on 127.0.0.1:port (empty body if no answer).
httplib::Result http_get(int port, const std::string& path) {
    httplib::Client c("127.0.0.1", port);
    c.set_connection_timeout(std::chrono::seconds(2));
    c.set_read_timeout(std::chrono::seconds(5));
    return c.Get(path.c_str());
}

TradeRow trade_row(const char* key, const char* symbol, int64_t qty, int64_t filled,
                   OrderStatus status) {
    TradeRow r;
    r.ts = *Timestamp::parse("2026-03-12T14:01:00Z");
    r.symbol = Symbol(symbol);
    r.qty = Quantity::from_units(qty);
    r.filled_qty = Quantity::from_units(filled);
    r.avg_fill_price = filled > 0 ? Price::from_units(250) : Price{};
    r.status = status;
    r.idempotency_key = IdempotencyKey(key);
    r.correlation_id = Uuid{0x5EC, static_cast<uint64_t>(qty)};
    return r;
}

/// A store with one order still open (AAPL) and one filled (MSFT): reconcile asks the broker
/// about the open one and compares the positions.
void make_store_with_open_order(const std::string& db) {
    auto st = SqliteStore::open(db);
    ASSERT_TRUE(st.ok()) << st.error().to_string();
    ASSERT_TRUE((*st)->migrate().ok());
    ASSERT_TRUE(
        (*st)->insert_trade(trade_row("entry-AAPL-sec", "AAPL", 5, 0, OrderStatus::kPending)).ok());
    ASSERT_TRUE(
        (*st)->insert_trade(trade_row("entry-MSFT-sec", "MSFT", 3, 3, OrderStatus::kFilled)).ok());
    ASSERT_TRUE((*st)->flush().ok());
}

// ------------------------------------------------------------------ 1. secrets never leak

class SecretsNeverLeak : public ::testing::Test {
protected:
    void SetUp() override {
        closed_port_ = awet::testing::free_tcp_port();  // nothing listens there
        for (const FakeSecret& s : kSecrets) {
            ::setenv(s.env, s.value, 1);
            scan_.secret(s.env, s.value);
        }
        // A password in the connection strings (a refused port: a failing connection).
        ::setenv("AWET_STORE_POSTGRES_URL", pg_url(kPgPassword).c_str(), 1);
        ::setenv("AWET_RISK_REDIS_URL",
                 ("redis://:" + std::string(kRedisPassword) +
                  "@127.0.0.1:" + std::to_string(closed_port_) + "/0")
                     .c_str(),
                 1);
        scan_.secret("password of AWET_STORE_POSTGRES_URL", kPgPassword);
        scan_.secret("password of AWET_RISK_REDIS_URL", kRedisPassword);
        ::setenv("AWET_LOGGING_LEVEL", "debug", 1);  // the most a log says
    }
    void TearDown() override {
        for (const FakeSecret& s : kSecrets) ::unsetenv(s.env);
        for (const char* v :
             {"AWET_STORE_POSTGRES_URL", "AWET_RISK_REDIS_URL", "AWET_LOGGING_LEVEL"})
            ::unsetenv(v);
    }

    std::string pg_url(const std::string& password, int port = 0) const {
        return "postgresql://awet:" + password +
               "@127.0.0.1:" + std::to_string(port > 0 ? port : closed_port_) + "/awet";
    }
    std::string db() const { return dir_.file("awet.db"); }

    /// `env awet args` in the test's directory; its output is scanned.
    CommandResult awet(const std::string& args, const std::string& env = "") {
        CommandResult r = run_command("cd " + sh_quote(dir_.path().string()) + " && " + env + " " +
                                      AWET_CLI + " " + args);
        scan_.output("`" + args + "`", r.out);
        outputs_ += "\n$ awet " + args + " (exit " + std::to_string(r.code) + ")\n" + r.out;
        return r;
    }
    /// GET /health and /metrics of an agent, scanned.
    void scan_endpoints(const std::string& agent, int port) {
        for (const char* path : {"/health", "/metrics"}) {
            auto r = http_get(port, path);
            EXPECT_TRUE(r) << agent << " " << path << ": no answer";
            if (r) scan_.endpoint(agent + " " + path, r->body);
        }
    }
    /// Every file of the run, then the verdict.
    void expect_no_leak() {
        scan_.tree(dir_.path());
        std::printf("[security] %s: scanned %s\n",
                    ::testing::UnitTest::GetInstance()->current_test_info()->name(),
                    scan_.summary().c_str());
        ::testing::Test::RecordProperty("scanned", scan_.summary());
        EXPECT_TRUE(scan_.leaks().empty()) << "secrets leaked:" << scan_.report()
                                           << "\n--- outputs ---" << outputs_.substr(0, 20000);
    }

    awet::testing::TempDir dir_;
    LeakScan scan_;
    std::string outputs_;
    int closed_port_ = 0;
};

/// Polygon, Yahoo and Alpaca as loopback servers: the recorded responses for AAPL, and for the
/// other symbols an error whose body echoes the whole request (URL with its query, every header).
class EchoingVendors {
public:
    EchoingVendors() {
        // Polygon aggregates: AAPL gets the SDK's recording, with a next_url that carries the
        // key back (as an echoing server would); MSFT 403, GOOG 500 (retried), AMZN non-JSON.
        lb_.server.Get(R"(/v2/aggs/ticker/(\w+)/range/.*)", [this](const httplib::Request& req,
                                                                   httplib::Response& res) {
            polygon_.add(req);
            const std::string symbol = req.matches[1];
            if (symbol == "AAPL") {
                json body = json::parse(
                    api_file("polygon/sdk-test-mocks/"
                             "v2__aggs__ticker__AAPL__range__1__day__2005-04-01__2005-04-04.json"));
                if (!req.has_param("cursor")) {
                    body["next_url"] = "https://api.polygon.io" + req.path +
                                       "?cursor=p2&apiKey=" + req.get_param_value("apiKey");
                }
                return res.set_content(body.dump(), "application/json");
            }
            error(symbol, req, res);
        });
        lb_.server.Get(
            "/v3/reference/splits", [this](const httplib::Request& req, httplib::Response& res) {
                polygon_.add(req);
                res.set_content(api_file("polygon/sdk-test-mocks/v3__reference__splits.json"),
                                "application/json");
            });
        lb_.server.Get(
            "/v3/reference/dividends", [this](const httplib::Request& req, httplib::Response& res) {
                polygon_.add(req);  // refused: the run lists AAPL as "not checked (<error>)"
                res.status = 403;
                res.set_content(json{{"status", "ERROR"}, {"error", echo_of(req)}}.dump(),
                                "application/json");
            });
        // Yahoo chart: AAPL the recorded 2020-01-02 bar (bars and events share the endpoint).
        lb_.server.Get(R"(/v8/finance/chart/(\w+))", [this](const httplib::Request& req,
                                                            httplib::Response& res) {
            yahoo_.add(req);
            const std::string symbol = req.matches[1];
            if (symbol == "AAPL") {
                const json rec = json::parse(
                    api_file("yahoo/recorded-http/chart-AAPL-2020-01-01-to-2020-01-03.json"));
                return res.set_content(rec["response"]["bodyJson"].dump(), "application/json");
            }
            error(symbol, req, res);
        });
        // Alpaca bars: AAPL three recorded pages (next_page_token), the others errors.
        lb_.server.Get(R"(/v2/stocks/(\w+)/bars)", [this](const httplib::Request& req,
                                                          httplib::Response& res) {
            alpaca_.add(req);
            const std::string symbol = req.matches[1];
            if (symbol == "AAPL") {
                const std::string token = req.get_param_value("page_token");
                std::string file =
                    "alpaca/sdk-alpaca-py/test_historical_stock_data__test_get_bars_single_empty_"
                    "response__GET_v2_stocks_bars__1.json";
                if (token.empty()) file = "alpaca/docs-entities/bars-v2.json";
                if (token == "MjAyMS0wMi0wMVQxNDowMjowMFo7MQ==")
                    file =
                        "alpaca/openapi-examples/"
                        "data__v2__stocks__symbol__bars__get__200__bars.json";
                return res.set_content(api_file(file), "application/json");
            }
            error(symbol, req, res);
        });
        lb_.start();
    }
    std::string url() const { return lb_.url(); }
    std::vector<std::string> polygon_requests() const { return polygon_.all(); }
    std::vector<std::string> yahoo_requests() const { return yahoo_.all(); }
    std::vector<std::string> alpaca_requests() const { return alpaca_.all(); }

private:
    static void error(const std::string& symbol, const httplib::Request& req,
                      httplib::Response& res) {
        const std::string echo = echo_of(req);
        if (symbol == "MSFT") {
            res.status = 403;
            res.set_content(json{{"status", "ERROR"}, {"message", echo}, {"error", echo}}.dump(),
                            "application/json");
        } else if (symbol == "GOOG") {
            res.status = 500;
            res.set_content("<html><body>upstream failure; " + echo + "</body></html>",
                            "text/html");
        } else {
            res.status = 200;  // a 200 that is not the vendor's JSON: the parser's error path
            res.set_content("not json; " + echo, "application/json");
        }
    }

    Loopback lb_;
    RequestLog polygon_, yahoo_, alpaca_;
};

TEST_F(SecretsNeverLeak, IngestFromEveryVendorAgainstServersThatEchoTheRequest) {
    EchoingVendors vendors;
    const std::string base = " --base-url " + vendors.url() + " --db " + sh_quote(db());
    struct Run {
        const char* vendor;
        const char* symbol;
        const char* range;
        bool ok;
    };
    const Run runs[] = {
        {"polygon", "AAPL", "--from 2005-04-01 --to 2005-04-04 --interval 1d", true},
        {"polygon", "MSFT", "--from 2005-04-01 --to 2005-04-01 --interval 1d", false},
        {"polygon", "GOOG", "--from 2005-04-01 --to 2005-04-01 --interval 1d", false},
        {"polygon", "AMZN", "--from 2005-04-01 --to 2005-04-01 --interval 1d", false},
        {"yahoo", "AAPL", "--from 2020-01-02 --to 2020-01-02 --interval 1d", true},
        {"yahoo", "MSFT", "--from 2020-01-02 --to 2020-01-02 --interval 1d", false},
        {"yahoo", "AMZN", "--from 2020-01-02 --to 2020-01-02 --interval 1d", false},
        {"alpaca", "AAPL", "--from 2021-02-01 --to 2021-02-01 --interval 1m", true},
        {"alpaca", "MSFT", "--from 2021-02-01 --to 2021-02-01 --interval 1m", false},
        {"alpaca", "AMZN", "--from 2021-02-01 --to 2021-02-01 --interval 1m", false},
    };
    for (const Run& r : runs) {
        SCOPED_TRACE(std::string(r.vendor) + " " + r.symbol);
        auto out = awet(std::string("ingest ") + r.vendor + " --symbols " + r.symbol + " " +
                        r.range + base);
        if (r.ok) {
            EXPECT_EQ(out.code, 0) << out.out;
            EXPECT_NE(out.out.find("stored"), std::string::npos) << out.out;
        } else {
            EXPECT_NE(out.code, 0) << out.out;
        }
    }
    // The answers were read: the error runs name their status, the good ones stored bars.
    auto bars = run_command("sqlite3 -batch " + sh_quote(db()) +
                            " \"SELECT count(*) FROM market_raw_day\"");
    EXPECT_NE(bars.out, "0\n") << bars.out;
    EXPECT_NE(outputs_.find("403"), std::string::npos);
    EXPECT_NE(outputs_.find("gave up after 4 attempts"), std::string::npos) << outputs_;
    EXPECT_NE(outputs_.find("AAPL: not checked"), std::string::npos) << outputs_;
    // The echoes reached the messages, with the keys cut out.
    EXPECT_NE(outputs_.find("you sent GET"), std::string::npos) << outputs_;
    EXPECT_NE(outputs_.find("***"), std::string::npos) << outputs_;

    // Each key went to its own vendor only, and never in a URL where it does not belong.
    const std::string polygon_key = secret_of("POLYGON_API_KEY");
    const auto polygon = vendors.polygon_requests();
    ASSERT_FALSE(polygon.empty());
    for (const std::string& req : polygon) {
        EXPECT_NE(req.find("\"apiKey\":\"" + polygon_key + "\""), std::string::npos) << req;
        for (const FakeSecret& s : kSecrets) {
            if (std::string_view(s.env) == "POLYGON_API_KEY") continue;
            EXPECT_EQ(req.find(s.value), std::string::npos) << s.env << " sent to polygon";
        }
    }
    // The next_url that carried the key back was followed (the key stays out of every message).
    EXPECT_TRUE(std::any_of(polygon.begin(), polygon.end(), [](const std::string& r) {
        return r.find("cursor=p2") != std::string::npos;
    }));
    ASSERT_FALSE(vendors.yahoo_requests().empty());
    for (const std::string& req : vendors.yahoo_requests()) {
        for (const FakeSecret& s : kSecrets)
            EXPECT_EQ(req.find(s.value), std::string::npos) << s.env << " sent to yahoo: " << req;
    }
    ASSERT_FALSE(vendors.alpaca_requests().empty());
    for (const std::string& req : vendors.alpaca_requests()) {
        const std::string line = req.substr(0, req.find(" headers "));
        for (const FakeSecret& s : kSecrets) {
            EXPECT_EQ(line.find(s.value), std::string::npos) << s.env << " in an alpaca URL";
            const bool alpaca = std::string_view(s.env).rfind("ALPACA_", 0) == 0;
            EXPECT_EQ(req.find(s.value) != std::string::npos, alpaca) << s.env << ": " << req;
        }
    }
    expect_no_leak();
}

/// A loopback Alpaca trading API whose errors echo the request's headers (the keys).
class EchoingAlpaca {
public:
    /// positions_ok: answer /v2/positions with the recorded position (else 403 with the echo).
    explicit EchoingAlpaca(bool positions_ok) {
        lb_.server.Get("/v2/orders:by_client_order_id", [this](const httplib::Request& req,
                                                               httplib::Response& res) {
            ++requests_;
            res.status = 403;
            res.set_content(json{{"code", 40310000}, {"message", echo_of(req)}}.dump(),
                            "application/json");
        });
        lb_.server.Get("/v2/positions", [this, positions_ok](const httplib::Request& req,
                                                             httplib::Response& res) {
            ++requests_;
            const int n = ++positions_;
            if (positions_ok && n != 1) {
                return res.set_content("[" + api_file("alpaca/docs-entities/position.json") + "]",
                                       "application/json");
            }
            res.status = n == 1 ? 500 : 403;
            res.set_content(json{{"code", 40010001}, {"message", echo_of(req)}}.dump(),
                            "application/json");
        });
        lb_.server.Get(".*", [this](const httplib::Request& req, httplib::Response& res) {
            ++requests_;  // the trade_updates stream's handshake, and anything else
            res.status = 404;
            res.set_content(json{{"message", echo_of(req)}}.dump(), "application/json");
        });
        lb_.server.Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
            ++requests_;
            res.status = 403;
            res.set_content(json{{"message", echo_of(req)}}.dump(), "application/json");
        });
        lb_.start();
    }
    std::string url() const { return lb_.url(); }
    int requests() const { return requests_; }

private:
    Loopback lb_;
    std::atomic<int> requests_{0}, positions_{0};
};

TEST_F(SecretsNeverLeak, ReconcileAgainstAnAlpacaThatEchoesTheKeys) {
    make_store_with_open_order(db());
    for (bool positions_ok : {true, false}) {
        EchoingAlpaca alpaca(positions_ok);
        auto r =
            awet("reconcile --db " + sh_quote(db()),
                 "AWET_EXECUTION_BROKER=alpaca AWET_EXECUTION_ALPACA_BASE_URL=" + alpaca.url());
        EXPECT_NE(r.code, 0) << r.out;
        EXPECT_GT(alpaca.requests(), 0);
        EXPECT_NE(r.out.find(positions_ok ? "lookup failed" : "positions"), std::string::npos)
            << r.out;
        EXPECT_NE(r.out.find("you sent GET"), std::string::npos) << r.out;  // echoed, keys cut
    }
    // The venue that is not there, and one that refuses the token as the real one does.
    auto gone = awet("reconcile --db " + sh_quote(db()) +
                     " --venue http://127.0.0.1:" + std::to_string(closed_port_));
    EXPECT_EQ(gone.code, 2) << gone.out;
    Loopback venue;
    venue.server.Get(".*", [](const httplib::Request&, httplib::Response& res) {
        res.status = 401;
        res.set_content(R"({"code":0,"error":"unauthorized: wrong bearer token"})",
                        "application/json");
    });
    venue.start();
    auto refused = awet("reconcile --db " + sh_quote(db()) + " --venue " + venue.url());
    EXPECT_NE(refused.code, 0) << refused.out;
    EXPECT_NE(refused.out.find("AWET_VENUE_TOKEN"), std::string::npos) << refused.out;
    expect_no_leak();
}

/// A simulated venue (or whatever answers at --venue: a proxy's error page) whose errors echo the
/// request's headers, Authorization included. `positions_ok_on`: /v1/positions answers [] on
/// that call (1-based) only, else it fails (500 the first time, then 403).
class EchoingVenue {
public:
    explicit EchoingVenue(int positions_ok_on = 0) {
        lb_.server.Get("/v1/positions", [this, positions_ok_on](const httplib::Request& req,
                                                                httplib::Response& res) {
            if (++positions_ == positions_ok_on) return res.set_content("[]", "application/json");
            refuse(req, res, positions_ == 1 ? 500 : 403);
        });
        lb_.server.Get(".*", [](const httplib::Request& req, httplib::Response& res) {
            refuse(req, res, 403);
        });
        lb_.server.Post(".*", [](const httplib::Request& req, httplib::Response& res) {
            refuse(req, res, 403);
        });
        lb_.server.Delete(".*", [](const httplib::Request& req, httplib::Response& res) {
            refuse(req, res, 403);
        });
        lb_.start();
    }
    std::string url() const { return lb_.url(); }

private:
    static void refuse(const httplib::Request& req, httplib::Response& res, int status) {
        res.status = status;
        res.set_content(json{{"error", echo_of(req)}, {"code", 0}}.dump(), "application/json");
    }
    Loopback lb_;
    std::atomic<int> positions_{0};
};

// Regression (fixed): RemoteBroker (src/venue/remote_broker.cpp, Impl::call) puts the venue's
// error text (its "error" field, or the first 200 bytes of a non-JSON body) into the error
// message without removing the bearer token it sent. A venue, or a proxy in front of it, that
// echoes the request's headers makes `awet reconcile --venue URL` print AWET_VENUE_TOKEN:
//   AWET_VENUE_TOKEN=s3cr3t-token-123456 awet reconcile --venue http://127.0.0.1:PORT
//   -> awet: positions: venue GET http://127.0.0.1:PORT/v1/positions: HTTP 403: ...
//      Authorization: Bearer s3cr3t-token-123456 ...
// (PORT: any server answering 403 with the request headers in {"error": ...}).
TEST_F(SecretsNeverLeak, ReconcileAgainstAVenueThatEchoesTheToken) {
    make_store_with_open_order(db());
    EchoingVenue venue;
    auto r = awet("reconcile --db " + sh_quote(db()) + " --venue " + venue.url());
    EXPECT_NE(r.code, 0) << r.out;
    expect_no_leak();
}

TEST_F(SecretsNeverLeak, DemoReplayAndTheStoreCommands) {
    // The demo's sandbox opens the gates and writes the approval file (var/demo/, relative to
    // its home: AWET_HOME, the test's working directory, and never the source tree).
    const std::string sandbox = sh_quote(std::string(AWET_SOURCE_DIR) + "/config/sandbox.yaml");
    const std::string with = " --db demo.db --config " + sandbox;
    const std::string home = "AWET_HOME=.";
    auto demo = awet("demo --days 1 --train-days 1" + with, home);
    ASSERT_EQ(demo.code, 0) << demo.out;
    ASSERT_TRUE(fs::exists(dir_.path() / "var/demo/APPROVE_EXECUTION"));
    auto replay = awet("replay --fresh --days 1" + with, home);
    ASSERT_EQ(replay.code, 0) << replay.out;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(replay.out, m, std::regex("awet trace (\\S+)"))) << replay.out;
    const std::string correlation = m[1];
    for (const std::string& args :
         {"trace " + correlation, std::string("positions"), std::string("trades"),
          std::string("pnl week"), std::string("eod"), std::string("models list"),
          std::string("predict --symbol AAPL"), std::string("features --out features.csv"),
          std::string("revoke"), std::string("approve")}) {
        auto r = awet(args + with, home);
        EXPECT_EQ(r.code, 0) << args << ": " << r.out;
    }
    // ingest csv prints where the bars went; health asks agents that are not there.
    auto csv = awet("ingest csv " +
                    sh_quote((awet::testing::shared_data() / "bars/1day/AAPL.csv").string()) +
                    " --db bars.db");
    EXPECT_EQ(csv.code, 0) << csv.out;
    auto health = awet("health --timeout-ms 200 --agent features=" + std::to_string(closed_port_) +
                       " --agent execution=" + std::to_string(closed_port_));
    EXPECT_EQ(health.code, 1) << health.out;
    expect_no_leak();
}

TEST_F(SecretsNeverLeak, PostgresPasswordOfAFailingConnection) {
    // A refused port, in the three ways libpq takes a password (each its own), and a server
    // that is there but has no such database.
    awet::testing::PgServer pg;
    ASSERT_TRUE(pg.ok()) << pg.error();
    const std::vector<std::pair<std::string, std::string>> urls = {
        {"fakePgUserinfo-Wq7Hx3Ka",
         "postgresql://awet:%s@127.0.0.1:" + std::to_string(closed_port_) + "/awet"},
        {"fakePgQueryPw-Rz4Nm8Lb",
         "postgresql://awet@127.0.0.1:" + std::to_string(closed_port_) + "/awet?password=%s"},
        {"fakePgKeywordPw-Tc5Vj2Qe", "host=127.0.0.1 port=" + std::to_string(closed_port_) +
                                         " user=awet dbname=awet password=%s"},
        {"fakePgNoSuchDb-Yd6Bf9Ms",
         "postgresql://postgres:%s@127.0.0.1:" + std::to_string(pg.port()) + "/no_such_db"},
    };
    const std::string csv =
        sh_quote((awet::testing::shared_data() / "bars/1day/AAPL.csv").string());
    for (const auto& [password, pattern] : urls) {
        scan_.secret("store.postgres_url password", password);
        std::string url = pattern;
        url.replace(url.find("%s"), 2, password);
        const std::string env =
            "AWET_STORE_BACKEND=postgres AWET_STORE_POSTGRES_URL=" + sh_quote(url) +
            " AWET_BUS_BACKEND=kafka AWET_BUS_KAFKA_BROKERS=127.0.0.1:" +
            std::to_string(closed_port_);
        for (const std::string& args :
             {std::string("positions"), "ingest csv " + csv, std::string("demo --days 1"),
              std::string("reconcile"), std::string("models list"),
              "agent features --port " + std::to_string(awet::testing::free_tcp_port())}) {
            auto r = awet(args, env);
            EXPECT_NE(r.code, 0) << args << ": " << r.out;
            EXPECT_NE(r.out.find("PostgreSQL"), std::string::npos) << args << ": " << r.out;
        }
    }
    expect_no_leak();
}

// Regression (fixed): store_location() (apps/awet/commands.cpp) only strips "user:password@" from
// store.postgres_url. A password given the other ways libpq takes one — a URI query parameter
// (postgresql://awet@host/db?password=...) or a key/value string (host=... password=...) — is
// printed whole wherever the store is named: `awet ingest csv` ("... -> PostgreSQL <url>"),
// `awet demo` ("store  PostgreSQL <url>"), an agent's start-up log line and its GET /health
// ("store":{"detail":"PostgreSQL <url>"}), which answers anyone who can reach the port:
//   AWET_STORE_BACKEND=postgres
//   AWET_STORE_POSTGRES_URL='postgresql://postgres@127.0.0.1:5432/awet?password=s3cr3t'
//     awet ingest csv ../shared/data/bars/1day/AAPL.csv
//   -> ingested 1 file(s): ... -> PostgreSQL postgresql://127.0.0.1:5432/awet?password=s3cr3t
// (the PostgresStore's own messages use describe_url(), which is safe).
TEST_F(SecretsNeverLeak, PostgresPasswordOutsideTheUserinfoOfAWorkingConnection) {
    awet::testing::PgServer pg;
    ASSERT_TRUE(pg.ok()) << pg.error();
    const std::string port = std::to_string(pg.port());
    const std::vector<std::pair<std::string, std::string>> urls = {
        {"fakePgQueryPw-Hq2Zr7Vx",
         "postgresql://postgres@127.0.0.1:" + port + "/postgres?password="},
        {"fakePgKeywordPw-Mb8Sd3Jn",
         "host=127.0.0.1 port=" + port + " user=postgres dbname=postgres password="},
    };
    const std::string csv =
        sh_quote((awet::testing::shared_data() / "bars/1day/AAPL.csv").string());
    for (const auto& [password, prefix] : urls) {
        scan_.secret("store.postgres_url password", password);
        const std::string env =
            "AWET_STORE_BACKEND=postgres AWET_STORE_POSTGRES_URL=" + sh_quote(prefix + password);
        auto r = awet("ingest csv " + csv, env);
        EXPECT_EQ(r.code, 0) << r.out;
        // An agent names its store in its log and in /health.
        const int http = awet::testing::free_tcp_port();
        auto agent = spawn(dir_.path(),
                           env + " AWET_BUS_BACKEND=kafka AWET_BUS_KAFKA_BROKERS=127.0.0.1:" +
                               std::to_string(closed_port_),
                           "agent features --port " + std::to_string(http),
                           dir_.file("features-" + std::to_string(http) + ".log"));
        ASSERT_TRUE(eventually([&] { return static_cast<bool>(http_get(http, "/health")); }));
        scan_endpoints("features", http);
        agent->terminate();
    }
    expect_no_leak();
}

// Regression (fixed): a store.postgres_url that libpq cannot parse is quoted whole by libpq's
// error message, and AWET prints that message twice (describe_url()'s "<bad url: ...>" and the
// connection's exception, src/store/postgres_store.cpp), password included:
//   AWET_STORE_BACKEND=postgres AWET_STORE_POSTGRES_URL='postgresql://awet:s3cr3t@[::1/awet'
//     awet positions
//   -> awet: open: cannot connect to PostgreSQL at <bad url: end of string reached when looking
//      for matching "]" in IPv6 host address in URI: "postgresql://awet:s3cr3t@[::1/awet">: ...
// (a stray '%' in a password, "invalid percent-encoded token: \"s3cr3t%zz\"", does the same).
TEST_F(SecretsNeverLeak, PostgresPasswordInAnUnparsableUrl) {
    for (const std::string password : {"fakePgBadUriPw-Kc3Xe8Fw", "fakePgPercentPw-Lr9Gy2Hd%zz"}) {
        scan_.secret("store.postgres_url password", password);
        const std::string url = password.find('%') != std::string::npos
                                    ? "postgresql://awet:" + password + "@127.0.0.1/awet"
                                    : "postgresql://awet:" + password + "@[::1/awet";
        auto r = awet("positions",
                      "AWET_STORE_BACKEND=postgres AWET_STORE_POSTGRES_URL=" + sh_quote(url));
        EXPECT_NE(r.code, 0) << r.out;
    }
    expect_no_leak();
}

/// The whole stack as processes: dev-kafka, the eight agents (the ingestion agent replaying 70
/// real AAPL minutes in lock step and hosting the simulated venue, the execution agent trading
/// with it through the token), then /health and /metrics of every agent, `awet health`,
/// `awet reconcile --venue` against the real venue, and the store commands.
TEST_F(SecretsNeverLeak, AgentStackReplayWithTheVenueTokenAndEveryEndpoint) {
    std::ofstream(dir_.file("cfg.yaml"))
        << "execution:\n  dry_run: false\n  approval_file: " << dir_.file("APPROVE_EXECUTION")
        << "\nprediction:\n  model_dir: " << dir_.file("models") << "\n";
    const std::string with =
        " --db " + sh_quote(db()) + " --config " + sh_quote(dir_.file("cfg.yaml"));
    auto ingest =
        awet("ingest csv " +
             sh_quote((awet::testing::shared_data() / "bars/1min/AAPL.csv").string()) + with);
    ASSERT_EQ(ingest.code, 0) << ingest.out;
    auto train = awet("train --model linear" + with);
    ASSERT_EQ(train.code, 0) << train.out;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(train.out, m, std::regex("registered (\\S+) as candidate")));
    ASSERT_EQ(awet("models promote " + std::string(m[1]) + with).code, 0);
    ASSERT_EQ(awet("approve" + with).code, 0);
    // Keep the last 70 minutes of 2026-03-20 (18:50..19:59Z): a short replay with trades and the
    // flat-at-close exits.
    const int64_t day = Timestamp::parse("2026-03-20T00:00:00Z")->ns();
    const int64_t keep = Timestamp::parse("2026-03-20T18:50:00Z")->ns();
    auto cut =
        run_command("sqlite3 -batch " + sh_quote(db()) +
                    " \"DELETE FROM market_raw_minute WHERE ts_ns >= " + std::to_string(day) +
                    " AND ts_ns < " + std::to_string(keep) + "\"");
    ASSERT_EQ(cut.code, 0) << cut.out;

    DevKafka kafka = start_dev_kafka(dir_.path());
    ASSERT_FALSE(kafka.brokers.empty());
    const std::string env = "AWET_BUS_BACKEND=kafka AWET_BUS_KAFKA_BROKERS=" + kafka.brokers;
    const std::vector<std::string> agents = {"features",   "prediction", "risk",       "execution",
                                             "watchtower", "exit",       "reconciler", "ingestion"};
    std::map<std::string, int> ports;
    for (const std::string& a : agents) ports[a] = awet::testing::free_tcp_port();
    const int venue_port = awet::testing::free_tcp_port();
    const std::string venue_url = "http://127.0.0.1:" + std::to_string(venue_port);
    std::vector<std::unique_ptr<awet::testing::ChildProcess>> procs;
    for (const std::string& a : agents) {
        std::string args = "agent " + a + " --port " + std::to_string(ports[a]) + with;
        if (a == "execution") args += " --venue " + venue_url;
        if (a == "ingestion") {
            args += " --replay --from 2026-03-20 --days 1 --venue-port " +
                    std::to_string(venue_port) + " --quiet-timeout 30";
        }
        procs.push_back(spawn(dir_.path(), env, args, dir_.file(a + ".log")));
    }
    const std::string ingestion_log = dir_.file("ingestion.log");
    ASSERT_TRUE(eventually(
        [&] {
            return awet::testing::read_text(ingestion_log).find("replay done") != std::string::npos;
        },
        std::chrono::seconds(45)))
        << awet::testing::read_text(ingestion_log).substr(0, 4000);
    const std::string done = awet::testing::read_text(ingestion_log);
    ASSERT_TRUE(std::regex_search(done, m, std::regex("replay done: (\\d+) bars, (\\d+) orders")));
    EXPECT_EQ(m[1], "70");
    EXPECT_GT(std::stoi(m[2]), 0) << "no order reached the venue: the token paths were not used";

    for (const std::string& a : agents) scan_endpoints(a, ports[a]);
    std::string targets;
    for (const std::string& a : agents) targets += " --agent " + a + "=" + std::to_string(ports[a]);
    auto health = awet("health" + targets);
    EXPECT_EQ(health.code, 0) << health.out;
    auto reconcile = awet("reconcile --venue " + venue_url + with);
    EXPECT_EQ(reconcile.code, 0) << reconcile.out;
    for (const char* args : {"positions", "trades", "pnl week"}) {
        auto r = awet(std::string(args) + with);
        EXPECT_EQ(r.code, 0) << args << ": " << r.out;
    }
    for (auto it = procs.rbegin(); it != procs.rend(); ++it) (*it)->terminate();
    kafka.process->terminate();
    expect_no_leak();
}

/// The execution agent on Alpaca (a loopback whose every error echoes the keys): it waits for
/// the broker (first answer 500), reconciles the open order (403), checks the positions, and
/// its trade_updates stream is refused (404): logs, /health, /metrics and the store.
TEST_F(SecretsNeverLeak, ExecutionAgentOnAnAlpacaThatEchoesTheKeys) {
    make_store_with_open_order(db());
    EchoingAlpaca alpaca(/*positions_ok=*/true);
    DevKafka kafka = start_dev_kafka(dir_.path());
    ASSERT_FALSE(kafka.brokers.empty());
    const int port = awet::testing::free_tcp_port();
    auto agent =
        spawn(dir_.path(),
              "AWET_BUS_BACKEND=kafka AWET_BUS_KAFKA_BROKERS=" + kafka.brokers +
                  " AWET_EXECUTION_BROKER=alpaca AWET_EXECUTION_ALPACA_BASE_URL=" + alpaca.url(),
              "agent execution --reconcile-every 1 --port " + std::to_string(port) + " --db " +
                  sh_quote(db()),
              dir_.file("execution.log"));
    ASSERT_TRUE(eventually([&] { return alpaca.requests() >= 6; })) << alpaca.requests();
    ASSERT_TRUE(eventually([&] { return static_cast<bool>(http_get(port, "/health")); }));
    std::this_thread::sleep_for(std::chrono::seconds(2));  // a periodic reconcile, stream retries
    scan_endpoints("execution", port);
    agent->terminate();
    kafka.process->terminate();
    const std::string log = awet::testing::read_text(dir_.file("execution.log"));
    EXPECT_NE(log.find("you sent GET"), std::string::npos) << log.substr(0, 4000);
    expect_no_leak();
}

// Regression (fixed): the same unredacted RemoteBroker errors (see
// ReconcileAgainstAVenueThatEchoesTheToken) reach the execution agent's log ("broker
// not answering yet: ...", "trading halted: ...", the poll warnings) and its GET /health, which
// needs no token: {"state":{"detail":"halted: positions could not be checked: venue GET
// http://...: HTTP 403: ... Authorization: Bearer <AWET_VENUE_TOKEN> ..."}}. Reproduction: a
// server on 127.0.0.1:PORT answering 500/403 with the request headers in {"error": ...}, then
//   AWET_VENUE_TOKEN=s3cr3t-token-123456 AWET_BUS_BACKEND=kafka AWET_BUS_KAFKA_BROKERS=127.0.0.1:1
//     awet agent execution --port 18005 --venue http://127.0.0.1:PORT
//   curl http://127.0.0.1:18005/health   # the token, in the clear
TEST_F(SecretsNeverLeak, ExecutionAgentOnAVenueThatEchoesTheToken) {
    EchoingVenue venue(/*positions_ok_on=*/2);  // 500, then [] (trading starts), then 403
    DevKafka kafka = start_dev_kafka(dir_.path());
    ASSERT_FALSE(kafka.brokers.empty());
    const int port = awet::testing::free_tcp_port();
    auto agent =
        spawn(dir_.path(), "AWET_BUS_BACKEND=kafka AWET_BUS_KAFKA_BROKERS=" + kafka.brokers,
              "agent execution --port " + std::to_string(port) + " --venue " + venue.url() +
                  " --db " + sh_quote(db()),
              dir_.file("execution.log"));
    ASSERT_TRUE(eventually([&] {
        auto r = http_get(port, "/health");
        return r && r->body.find("halted") != std::string::npos;
    })) << awet::testing::read_text(dir_.file("execution.log"));
    scan_endpoints("execution", port);
    agent->terminate();
    kafka.process->terminate();
    expect_no_leak();
}

// The stream server's messages, built outside the coroutine (GCC 12 mishandles braced
// initialisers across co_await).
std::string md_refusal(const json& auth) {
    return json::array({json{{"T", "error"},
                             {"code", 500},
                             {"msg", "internal error handling " + auth.dump()}}})
        .dump();
}
std::string md_subscribed(const json& sub) {
    return json::array(
               {json{{"T", "subscription"},
                     {"trades", json::array()},
                     {"quotes", json::array()},
                     {"bars", sub.is_object() ? sub.value("bars", json::array()) : json::array()}}})
        .dump();
}
std::string md_error(const json& auth) {
    return json::array(
               {json{{"T", "error"}, {"code", 400}, {"msg", "invalid syntax: " + auth.dump()}}})
        .dump();
}
std::string md_untyped(const json& auth) {
    return json::array({json{{"msg", "echo"}, {"you_sent", auth}}}).dump();
}
std::string md_bar() {
    return json::array({json{{"T", "b"},
                             {"S", "AAPL"},
                             {"o", 101.0},
                             {"h", 101.5},
                             {"l", 100.75},
                             {"c", 101.25},
                             {"v", 1200},
                             {"t", "2026-03-12T14:31:00Z"}}})
        .dump();
}

/// Alpaca's market-data stream, echoing: connections 0-2 refuse the authentication with an error
/// quoting the auth message (key and secret); connection 3 authenticates, then sends an error
/// quoting it again (and, if asked, a message without a type carrying it), then a bar.
class EchoingMarketData final : public awet::testing::LoopbackWsServer {
public:
    explicit EchoingMarketData(bool untyped_echo) : untyped_echo_(untyped_echo) { start(); }
    ~EchoingMarketData() override { stop(); }
    std::string url() const { return "ws://127.0.0.1:" + std::to_string(port()); }
    bool sent_all() const { return sent_all_.load(); }

private:
    boost::asio::awaitable<void> serve(Ws& ws, int index) override {
        const std::string connected = R"([{"T":"success","msg":"connected"}])";
        co_await write(ws, connected, false);
        const json auth = co_await read_json(ws);
        if (index < 3) {  // three refusals: 0.5 + 1 + 2 s of back-off, seen by /health
            const std::string refused = md_refusal(auth);
            co_await write(ws, refused, false);
            co_await read_until_gone(ws);
            co_return;
        }
        const std::string authenticated = R"([{"T":"success","msg":"authenticated"}])";
        co_await write(ws, authenticated, false);
        const json sub = co_await read_json(ws);
        const std::string subscribed = md_subscribed(sub);
        co_await write(ws, subscribed, false);
        const std::string error = md_error(auth);
        co_await write(ws, error, false);
        if (untyped_echo_) {
            const std::string untyped = md_untyped(auth);
            co_await write(ws, untyped, false);
        }
        const std::string bar = md_bar();
        co_await write(ws, bar, false);
        sent_all_.store(true);
        co_await read_until_gone(ws);
    }

    bool untyped_echo_;
    std::atomic<bool> sent_all_{false};
};

void live_ingestion_run(const fs::path& dir, bool untyped_echo,
                        const std::function<void(const std::string&, const std::string&)>& scan,
                        const std::function<void(const std::string&, int)>& scan_endpoints) {
    EchoingMarketData md(untyped_echo);
    DevKafka kafka = start_dev_kafka(dir);
    ASSERT_FALSE(kafka.brokers.empty());
    const int port = awet::testing::free_tcp_port();
    auto agent = spawn(dir,
                       "AWET_BUS_BACKEND=kafka AWET_BUS_KAFKA_BROKERS=" + kafka.brokers +
                           " AWET_DATA_ALPACA_STREAM_URL=" + md.url(),
                       "agent ingestion --live alpaca --symbols AAPL,MSFT --port " +
                           std::to_string(port) + " --db " + sh_quote((dir / "awet.db").string()),
                       (dir / "ingestion.log").string());
    // While the stream is refused, /health says why (the refusal quotes the keys back).
    std::set<std::string> bodies;
    bool refusal_seen = false;
    ASSERT_TRUE(eventually([&] {
        if (auto r = http_get(port, "/health")) {
            refusal_seen |= r->body.find("internal error handling") != std::string::npos;
            if (bodies.insert(r->body).second) scan("ingestion --live /health", r->body);
        }
        return md.sent_all();
    })) << md.connections()
        << " connections; " << awet::testing::read_text(dir / "ingestion.log").substr(0, 3000);
    EXPECT_TRUE(refusal_seen) << "the refusal never showed in /health";
    ASSERT_TRUE(eventually([&] {
        auto r = http_get(port, "/health");
        return r && r->status == 200;
    }));
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // the messages are handled
    scan_endpoints("ingestion --live", port);
    agent->terminate();
    kafka.process->terminate();
}

TEST_F(SecretsNeverLeak, LiveIngestionOnAStreamThatEchoesTheKeys) {
    live_ingestion_run(
        dir_.path(), /*untyped_echo=*/false,
        [this](const std::string& w, const std::string& body) { scan_.endpoint(w, body); },
        [this](const std::string& a, int p) { scan_endpoints(a, p); });
    expect_no_leak();
}

// Regression (fixed): the live ingestion agent logs what it cannot parse on Alpaca's market-data
// stream through its own warn() (src/runtime/live_ingestion.cpp), which does not scrub the keys
// (the stream client's scrub() only covers its own status and errors): a message without "T"
// is logged whole (parse_stream_bars' note '[0]: no string "T": {...}'; by the code, a malformed
// message's "malformed JSON: <excerpt>" too), so a stream server that echoes the auth message
// puts ALPACA_API_KEY and ALPACA_API_SECRET in the log. Reproduction: after the subscription,
// send [{"msg":"echo","you_sent":{"action":"auth","key":"<key>","secret":"<secret>"}}].
TEST_F(SecretsNeverLeak, LiveIngestionLogsAnUntypedMessageThatEchoesTheKeys) {
    live_ingestion_run(
        dir_.path(), /*untyped_echo=*/true,
        [this](const std::string& w, const std::string& body) { scan_.endpoint(w, body); },
        [this](const std::string& a, int p) { scan_endpoints(a, p); });
    expect_no_leak();
}

// DEFECT (issue 11, low: AWET has no Schema Registry authentication, so credentials in the URL
// are a user's mistake): SchemaRegistryClient (src/model/avro/schema_registry_client.cpp) names
// bus.schema_registry_url whole in every error ("schema registry url '<url>': expected
// http://host:port", "schema registry POST <url>/subjects/...: ..."), so a URL with user:password
// is printed:
//   AWET_BUS_BACKEND=kafka AWET_BUS_CODEC=avro
//   AWET_BUS_SCHEMA_REGISTRY_URL=https://user:s3cr3t@registry:8081 awet agent features
//   -> awet: schema registry url 'https://user:s3cr3t@registry:8081': expected http://host:port
TEST_F(SecretsNeverLeak, SchemaRegistryPasswordInTheUrl) {
    const std::string password = "fakeRegistryPw-Pn4Wz6Cu";
    scan_.secret("bus.schema_registry_url password", password);
    auto r = awet(
        "agent features --port " + std::to_string(awet::testing::free_tcp_port()) + " --db " +
            sh_quote(db()),
        "AWET_BUS_BACKEND=kafka AWET_BUS_KAFKA_BROKERS=127.0.0.1:" + std::to_string(closed_port_) +
            " AWET_BUS_CODEC=avro AWET_BUS_SCHEMA_REGISTRY_URL=https://registry:" + password +
            "@127.0.0.1:" + std::to_string(closed_port_));
    EXPECT_NE(r.code, 0) << r.out;
    expect_no_leak();
}

// ------------------------------------------------------- 2. listeners bind loopback by default

/// A listening TCP socket of a process: its address as text and its port.
struct Listener {
    std::string address;
    int port = 0;
};

/// The socket inodes of a process (its /proc/<pid>/fd links "socket:[N]").
std::set<std::string> socket_inodes(pid_t pid) {
    std::set<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
        const std::string target = fs::read_symlink(e.path(), ec).string();
        if (target.rfind("socket:[", 0) == 0) out.insert(target.substr(8, target.size() - 9));
    }
    return out;
}

/// The kernel prints each 32-bit word of an address in host byte order.
std::string address_of(const std::string& hex) {
    unsigned char bytes[16] = {};
    const size_t words = hex.size() / 8;
    for (size_t w = 0; w < words; ++w) {
        const uint32_t v = static_cast<uint32_t>(std::stoul(hex.substr(w * 8, 8), nullptr, 16));
        std::memcpy(bytes + w * 4, &v, 4);
    }
    char text[INET6_ADDRSTRLEN] = {};
    ::inet_ntop(words == 1 ? AF_INET : AF_INET6, bytes, text, sizeof text);
    return text;
}

/// Every socket of `pid` in state LISTEN (0A), IPv4 and IPv6.
std::vector<Listener> listeners_of(pid_t pid) {
    const std::set<std::string> inodes = socket_inodes(pid);
    std::vector<Listener> out;
    for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
        std::istringstream in(awet::testing::read_text(table));
        std::string line;
        std::getline(in, line);  // the header
        while (std::getline(in, line)) {
            std::istringstream f(line);
            std::string sl, local, remote, state, queues, timer, retr, uid, timeout, inode;
            f >> sl >> local >> remote >> state >> queues >> timer >> retr >> uid >> timeout >>
                inode;
            if (state != "0A" || !inodes.contains(inode)) continue;
            const size_t colon = local.find(':');
            out.push_back({address_of(local.substr(0, colon)),
                           static_cast<int>(std::stoul(local.substr(colon + 1), nullptr, 16))});
        }
    }
    return out;
}

bool is_loopback(const std::string& address) {
    return address.rfind("127.", 0) == 0 || address == "::1" ||
           address.rfind("::ffff:127.", 0) == 0;
}

TEST(Listeners, EveryListenerBindsLoopbackUnlessConfigured) {
    awet::testing::TempDir dir;
    const std::string db = dir.file("awet.db");
    ::setenv("AWET_VENUE_TOKEN", venue_token().c_str(), 1);
    auto csv =
        run_command(std::string(AWET_CLI) + " ingest csv " +
                    sh_quote((awet::testing::shared_data() / "bars/1min/AAPL.csv").string()) +
                    " --db " + sh_quote(db));
    ASSERT_EQ(csv.code, 0) << csv.out;
    DevKafka kafka = start_dev_kafka(dir.path());
    ASSERT_FALSE(kafka.brokers.empty());
    const std::string env = "AWET_BUS_BACKEND=kafka AWET_BUS_KAFKA_BROKERS=" + kafka.brokers;
    struct Proc {
        std::string name;
        size_t listeners;  // expected
        int http_port;
        std::unique_ptr<awet::testing::ChildProcess> process;
    };
    std::vector<Proc> procs;
    const int venue_port = awet::testing::free_tcp_port();
    // Every agent with its default host (no --host); the replaying ingestion agent also hosts
    // the venue. Ports are given (the defaults 8001-8009 may be taken on a shared machine).
    for (const char* a : {"ingestion", "features", "prediction", "risk", "execution", "watchtower",
                          "exit", "reconciler"}) {
        const int port = awet::testing::free_tcp_port();
        std::string args =
            std::string("agent ") + a + " --port " + std::to_string(port) + " --db " + sh_quote(db);
        if (std::string_view(a) == "ingestion") {
            args += " --replay --from 2026-03-27 --days 1 --quiet-timeout 60 --venue-port " +
                    std::to_string(venue_port);
        }
        if (std::string_view(a) == "execution")
            args += " --venue http://127.0.0.1:" + std::to_string(venue_port);
        procs.push_back({a, std::string_view(a) == "ingestion" ? 2u : 1u, port,
                         spawn(dir.path(), env, args, dir.file(std::string(a) + ".log"))});
    }
    // The detector itself: an agent told --host 0.0.0.0 must be seen on 0.0.0.0.
    const int open_port = awet::testing::free_tcp_port();
    auto configured = spawn(dir.path(), env,
                            "agent features --host 0.0.0.0 --port " + std::to_string(open_port) +
                                " --db " + sh_quote(db),
                            dir.file("features-0.0.0.0.log"));

    size_t checked = 0;
    for (Proc& p : procs) {
        SCOPED_TRACE(p.name);
        ASSERT_TRUE(eventually([&] { return static_cast<bool>(http_get(p.http_port, "/health")); }))
            << awet::testing::read_text(dir.file(p.name + ".log")).substr(0, 2000);
        std::vector<Listener> ls;
        eventually(
            [&] {
                ls = listeners_of(p.process->pid());
                return ls.size() >= p.listeners;
            },
            std::chrono::seconds(10));
        EXPECT_EQ(ls.size(), p.listeners);
        for (const Listener& l : ls) {
            EXPECT_TRUE(is_loopback(l.address))
                << p.name << " listens on " << l.address << ":" << l.port;
            ++checked;
        }
    }
    std::vector<Listener> ls = listeners_of(kafka.process->pid());
    EXPECT_EQ(ls.size(), 3u) << "dev-kafka: 3 mock brokers";
    for (const Listener& l : ls) {
        EXPECT_TRUE(is_loopback(l.address))
            << "dev-kafka listens on " << l.address << ":" << l.port;
        ++checked;
    }
    ASSERT_TRUE(eventually([&] { return static_cast<bool>(http_get(open_port, "/health")); }));
    ls = listeners_of(configured->pid());
    ASSERT_EQ(ls.size(), 1u);
    EXPECT_EQ(ls[0].address, "0.0.0.0");
    EXPECT_EQ(ls[0].port, open_port);
    std::printf("[security] %zu listening sockets of %zu processes checked\n", checked,
                procs.size() + 1);
    ::testing::Test::RecordProperty("listeners", static_cast<int>(checked));
    ::unsetenv("AWET_VENUE_TOKEN");
}

// ------------------------------------------ 3. state-changing requests without the token

/// The routes every HTTP server of the code registers, read from the source
/// (`server_->Get("/path", ...)` and the like in src/ and apps/).
std::set<std::string> routes_in_source() {
    std::set<std::string> out;
    const std::regex route(
        R"re(\bserver_?\s*(?:->|\.)\s*(Get|Post|Put|Patch|Delete|Options)\(\s*"([^"]+)")re");
    for (const char* top : {"src", "apps"}) {
        for (const auto& e : fs::recursive_directory_iterator(fs::path(AWET_SOURCE_DIR) / top)) {
            if (!e.is_regular_file() || e.path().extension() != ".cpp") continue;
            if (e.path().string().find("/tests/") != std::string::npos) continue;
            const std::string text = awet::testing::read_text(e.path());
            for (auto it = std::sregex_iterator(text.begin(), text.end(), route);
                 it != std::sregex_iterator(); ++it) {
                out.insert(fs::relative(e.path(), AWET_SOURCE_DIR).string() + " " + (*it)[1].str() +
                           " " + (*it)[2].str());
            }
        }
    }
    return out;
}

const std::set<std::string> kKnownRoutes = {
    "src/service/http_endpoint.cpp Get /health",
    "src/service/http_endpoint.cpp Get /metrics",
    "src/venue/sim_venue_server.cpp Post /v1/orders",
    "src/venue/sim_venue_server.cpp Get /v1/orders/(.+)",
    "src/venue/sim_venue_server.cpp Delete /v1/orders/(.+)",
    "src/venue/sim_venue_server.cpp Get /v1/orders",
    "src/venue/sim_venue_server.cpp Get /v1/positions",
    "src/venue/sim_venue_server.cpp Get /v1/account",
    "src/venue/sim_venue_server.cpp Get /v1/events",
    "src/venue/sim_venue_server.cpp Post /v1/events/ack",
};

TEST(HttpAuth, EveryRouteInTheSourceIsOneTheseTestsCheck) {
    const std::set<std::string> found = routes_in_source();
    for (const std::string& r : found) {
        EXPECT_TRUE(kKnownRoutes.contains(r))
            << "a new route: " << r
            << " — check it for the token in tests/integration/security_test.cpp";
    }
    for (const std::string& r : kKnownRoutes) EXPECT_TRUE(found.contains(r)) << "gone: " << r;
    // Every server is made by make_http_server() with a guard (the token, or GET only), and
    // nothing else makes an httplib::Server.
    int servers = 0;
    for (const char* top : {"src", "apps"}) {
        for (const auto& e : fs::recursive_directory_iterator(fs::path(AWET_SOURCE_DIR) / top)) {
            if (!e.is_regular_file() || e.path().extension() != ".cpp") continue;
            const std::string text = awet::testing::read_text(e.path());
            const std::string name = fs::relative(e.path(), AWET_SOURCE_DIR).string();
            if (name == "src/service/http_server.cpp") continue;
            EXPECT_EQ(text.find("httplib::Server>("), std::string::npos) << name;
            EXPECT_EQ(text.find("httplib::Server server"), std::string::npos) << name;
            if (text.find("make_http_server(") == std::string::npos) continue;
            ++servers;
            EXPECT_NE(text.find("options.guard ="), std::string::npos)
                << name << " makes a server without a guard";
        }
    }
    EXPECT_EQ(servers, 2);  // the agent endpoint and the venue
}

/// Ways of not having the token: none, wrong, a piece of it, more than it, another scheme, no
/// scheme, in the query string, under another header.
std::vector<std::pair<std::string, std::vector<std::string>>> bad_credentials() {
    const std::string t = venue_token();
    return {
        {"no token", {}},
        {"wrong token", {"Authorization: Bearer wrongVenueToken-Aq1Sw2De3Fr4"}},
        {"empty bearer", {"Authorization: Bearer "}},
        {"prefix of the token", {"Authorization: Bearer " + t.substr(0, t.size() - 1)}},
        {"token plus a byte", {"Authorization: Bearer " + t + "x"}},
        {"basic scheme", {"Authorization: Basic " + t}},
        {"no scheme", {"Authorization: " + t}},
        {"other header", {"X-Venue-Token: " + t, "Token: " + t}},
        {"query string", {}},  // ?token=<t>&access_token=<t>
    };
}

TEST(HttpAuth, TheVenueRefusesEveryRequestWithoutItsTokenAndNothingChanges) {
    awet::testing::TempDir dir;
    const std::string db = dir.file("awet.db");
    ::setenv("AWET_VENUE_TOKEN", venue_token().c_str(), 1);
    auto csv =
        run_command(std::string(AWET_CLI) + " ingest csv " +
                    sh_quote((awet::testing::shared_data() / "bars/1min/AAPL.csv").string()) +
                    " --db " + sh_quote(db));
    ASSERT_EQ(csv.code, 0) << csv.out;
    DevKafka kafka = start_dev_kafka(dir.path());
    ASSERT_FALSE(kafka.brokers.empty());
    const int port = awet::testing::free_tcp_port();
    const int venue = awet::testing::free_tcp_port();
    // The replaying ingestion agent alone: it hosts the venue and waits (no consumers) on the
    // first bar for the quiet timeout, which is longer than this test.
    auto ingestion = spawn(
        dir.path(),
        "AWET_BUS_BACKEND=kafka AWET_LOGGING_LEVEL=debug AWET_BUS_KAFKA_BROKERS=" + kafka.brokers,
        "agent ingestion --replay --from 2026-03-27 --days 1 --quiet-timeout 120 "
        "--port " +
            std::to_string(port) + " --venue-port " + std::to_string(venue) + " --db " +
            sh_quote(db),
        dir.file("ingestion.log"));
    const std::vector<std::string> good = {"Authorization: Bearer " + venue_token()};
    ASSERT_TRUE(eventually([&] {
        return raw_http(venue, "GET", "/v1/account", good).status == 200;
    })) << awet::testing::read_text(dir.file("ingestion.log")).substr(0, 3000);

    // An order of our own, with the token. It rests at the venue: the replay has AAPL bars only
    // (and stops at its first, waiting for consumers that never come).
    auto order = [](const std::string& cid) {
        return json{{"client_order_id", cid},
                    {"symbol", "MSFT"},
                    {"side", 0},
                    {"qty", 1000000},
                    {"ts", 1774623600000000000},
                    {"intent", 0},
                    {"exit_reason", 0},
                    {"correlation_id", "0195f0a0-0000-7000-8000-000000000001"}}
            .dump();
    };
    auto placed = raw_http(venue, "POST", "/v1/orders", good, order("sec-probe-1"));
    EXPECT_EQ(placed.status, 200) << placed.body;
    const std::vector<std::string> state_paths = {"/v1/orders", "/v1/orders/sec-probe-1",
                                                  "/v1/positions", "/v1/account",
                                                  "/v1/events?after=0"};
    auto snapshot = [&] {
        std::string s;
        for (const std::string& p : state_paths) {
            auto r = raw_http(venue, "GET", p, good);
            s += p + " " + std::to_string(r.status) + " " + r.body + "\n";
        }
        return s;
    };
    const std::string before = snapshot();

    // Every route (from the source), every method on its path, every way of lacking the token.
    struct Target {
        std::string path;
        std::string body;
    };
    const std::vector<Target> targets = {
        {"/v1/orders", order("sec-attack-1")},
        {"/v1/orders/sec-probe-1", ""},
        {"/v1/positions", ""},
        {"/v1/account", ""},
        {"/v1/events?after=0", ""},
        {"/v1/events/ack", R"({"cursor":0})"},
        {"/v1/unknown", "{}"},
    };
    ASSERT_EQ(std::count_if(
                  kKnownRoutes.begin(), kKnownRoutes.end(),
                  [](const std::string& r) { return r.find("sim_venue") != std::string::npos; }),
              8);  // each venue route has its target above
    int refused = 0, requests = 0;
    LeakScan scan;
    scan.secret("AWET_VENUE_TOKEN", venue_token());
    for (const auto& [why, headers] : bad_credentials()) {
        for (const Target& t : targets) {
            for (const char* method :
                 {"POST", "DELETE", "PUT", "PATCH", "GET", "HEAD", "OPTIONS"}) {
                std::string target = t.path;
                if (why == "query string") {
                    target += (target.find('?') == std::string::npos ? "?" : "&") +
                              std::string("token=") + venue_token() +
                              "&access_token=" + venue_token();
                }
                const bool with_body = std::string_view(method) == "POST" ||
                                       std::string_view(method) == "PUT" ||
                                       std::string_view(method) == "PATCH";
                auto r = raw_http(venue, method, target, headers, with_body ? t.body : "");
                ++requests;
                EXPECT_EQ(r.status, 401)
                    << why << ": " << method << " " << t.path << " -> " << r.head;
                if (r.status == 401) ++refused;
                if (std::string_view(method) != "HEAD") {
                    EXPECT_NE(r.body.find("unauthorized"), std::string::npos) << r.body;
                }
                EXPECT_NE(r.head.find("WWW-Authenticate: Bearer"), std::string::npos) << r.head;
                scan.endpoint(std::string(method) + " " + t.path + " (" + why + ")",
                              r.body + r.head);
            }
        }
    }
    EXPECT_EQ(before, snapshot()) << "an unauthorized request changed the venue";
    EXPECT_EQ(raw_http(venue, "GET", "/v1/orders/sec-attack-1", good).status, 404);
    // Every refusal was counted (awet_http_refused_total) and the refusals never say the token.
    auto metrics = http_get(port, "/metrics");
    ASSERT_TRUE(metrics);
    std::smatch m;
    ASSERT_TRUE(std::regex_search(
        metrics->body, m,
        std::regex(
            R"re(awet_http_refused_total\{[^}]*reason="unauthorized",server="venue"\} (\d+))re")))
        << metrics->body;
    EXPECT_EQ(std::stoi(m[1]), refused);
    scan.tree(dir.path());
    EXPECT_TRUE(scan.leaks().empty()) << scan.report();
    std::printf("[security] venue: %d requests without the token on %zu paths, %d refused (401)\n",
                requests, targets.size(), refused);
    ::testing::Test::RecordProperty("venue_requests", requests);
    ingestion->terminate();
    kafka.process->terminate();
    ::unsetenv("AWET_VENUE_TOKEN");
}

TEST(HttpAuth, AgentEndpointsAnswerGetAndHeadOnly) {
    // The agent endpoint has no token (GET /health and GET /metrics are for probes and
    // Prometheus); anything that is not a GET or HEAD is refused before routing, on any path.
    awet::testing::TempDir dir;
    const int port = awet::testing::free_tcp_port();
    auto agent = spawn(
        dir.path(),
        "AWET_BUS_BACKEND=kafka AWET_BUS_KAFKA_BROKERS=127.0.0.1:" +
            std::to_string(awet::testing::free_tcp_port()),
        "agent features --port " + std::to_string(port) + " --db " + sh_quote(dir.file("a.db")),
        dir.file("features.log"));
    ASSERT_TRUE(eventually([&] { return static_cast<bool>(http_get(port, "/health")); }));
    int refused = 0;
    for (const char* path : {"/health", "/metrics", "/", "/v1/orders", "/admin/shutdown"}) {
        for (const char* method :
             {"POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"}) {
            auto r = raw_http(port, method, path, {"Authorization: Bearer " + venue_token()},
                              std::string_view(method) == "POST" ? "{}" : "");
            EXPECT_EQ(r.status, 405) << method << " " << path << " -> " << r.head;
            EXPECT_NE(r.head.find("Allow: GET, HEAD"), std::string::npos) << r.head;
            if (r.status == 405) ++refused;
        }
    }
    const int head = raw_http(port, "HEAD", "/health").status;
    EXPECT_TRUE(head == 200 || head == 503) << head;
    auto metrics = http_get(port, "/metrics");
    ASSERT_TRUE(metrics);
    std::smatch m;
    ASSERT_TRUE(std::regex_search(
        metrics->body, m,
        std::regex(
            R"re(awet_http_refused_total\{[^}]*reason="method_not_allowed",server="agent"\} (\d+))re")))
        << metrics->body;
    EXPECT_EQ(std::stoi(m[1]), refused);
    std::printf("[security] agent endpoint: %d non-GET requests, all 405\n", refused);
    agent->terminate();
}

}  // namespace
}  // namespace awet
