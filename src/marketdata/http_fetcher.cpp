#include "http_fetcher.hpp"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <thread>

namespace awet::marketdata {

std::string url_encode(std::string_view s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size());
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(ch);
        } else {
            out.push_back('%');
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 15]);
        }
    }
    return out;
}

std::string path_and_query(std::string_view url) {
    const auto scheme = url.find("://");
    if (scheme == std::string_view::npos) return std::string(url);
    const auto slash = url.find('/', scheme + 3);
    if (slash == std::string_view::npos) return "/";
    return std::string(url.substr(slash));
}

std::string endpoint_of(std::string_view pq) { return std::string(pq.substr(0, pq.find('?'))); }

struct HttpFetcher::Impl {
    explicit Impl(const std::string& url) : client(url) {}
    httplib::Client client;
};

namespace {

void set_timeout(Duration d, time_t& sec, time_t& usec) {
    sec = static_cast<time_t>(d.ns() / 1'000'000'000);
    usec = static_cast<time_t>((d.ns() % 1'000'000'000) / 1'000);
}

std::string seconds_text(Duration d) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.3gs", static_cast<double>(d.ns()) / 1e9);
    return buf;
}

}  // namespace

HttpFetcher::HttpFetcher(HttpOptions options, std::vector<std::string> secrets,
                         std::unique_ptr<Impl> impl)
    : options_(std::move(options)),
      secrets_(std::move(secrets)),
      impl_(std::move(impl)),
      rng_(options_.retry.seed) {}

HttpFetcher::~HttpFetcher() = default;

Result<std::unique_ptr<HttpFetcher>> HttpFetcher::create(HttpOptions options,
                                                         std::vector<std::string> secrets) {
    while (!options.base_url.empty() && options.base_url.back() == '/') options.base_url.pop_back();
    const bool http = options.base_url.rfind("http://", 0) == 0;
    const bool https = options.base_url.rfind("https://", 0) == 0;
    if (!http && !https) {
        return make_error(ErrorCode::kInvalidArgument,
                          "base url '" + options.base_url + "': expected http:// or https://");
    }
    auto impl = std::make_unique<Impl>(options.base_url);
    if (!impl->client.is_valid()) {
        return make_error(ErrorCode::kInvalidArgument,
                          "base url '" + options.base_url + "' is not valid");
    }
    time_t sec = 0, usec = 0;
    set_timeout(options.connect_timeout, sec, usec);
    impl->client.set_connection_timeout(sec, usec);
    set_timeout(options.read_timeout, sec, usec);
    impl->client.set_read_timeout(sec, usec);
    impl->client.set_write_timeout(sec, usec);
    impl->client.set_keep_alive(true);
    if (options.retry.max_attempts < 1) options.retry.max_attempts = 1;
    if (!options.sleep) {
        options.sleep = [](Duration d) {
            std::this_thread::sleep_for(std::chrono::nanoseconds(d.ns()));
        };
    }
    return std::unique_ptr<HttpFetcher>(
        new HttpFetcher(std::move(options), std::move(secrets), std::move(impl)));
}

Error HttpFetcher::scrub(Error error) const {
    error.message = redact(std::move(error.message), secrets_);
    return error;
}

Duration HttpFetcher::backoff(int attempt) {
    const RetryPolicy& p = options_.retry;
    double ns = static_cast<double>(p.initial_backoff.ns()) * std::pow(p.multiplier, attempt - 1);
    ns = std::min(ns, static_cast<double>(p.max_backoff.ns()));
    // u in (0, 1] from the top 53 bits: the same on every platform for one seed.
    const double u = (static_cast<double>(rng_() >> 11) + 1.0) / 9007199254740992.0;
    const double jitter = std::clamp(p.jitter, 0.0, 1.0);
    return Duration::nanos(static_cast<int64_t>(ns * (1.0 - jitter + jitter * u)));
}

Result<std::string> HttpFetcher::get(const std::string& pq, const HeaderList& headers,
                                     FetchStats& stats) {
    const std::string endpoint = redact(endpoint_of(pq), secrets_);
    httplib::Headers hdrs;
    for (const auto& [k, v] : headers) hdrs.emplace(k, v);
    const int max_attempts = options_.retry.max_attempts;
    std::string last;
    for (int attempt = 1; attempt <= max_attempts; ++attempt) {
        ++stats.requests;
        auto res = impl_->client.Get(pq.c_str(), hdrs);
        Duration retry_after{};
        if (!res) {
            last = "transport error: " + httplib::to_string(res.error());
            if (res.error() == httplib::Error::Read)
                last += " (no complete answer within the read timeout of " +
                        seconds_text(options_.read_timeout) + ")";
        } else if (res->status >= 200 && res->status < 300) {
            return std::move(res->body);
        } else {
            last = "HTTP " + std::to_string(res->status);
            if (!res->body.empty())
                last += " (" + redacted_excerpt(res->body, secrets_, kErrorBodyExcerpt) + ")";
            if (res->status != 429 && res->status < 500) {
                return make_error(ErrorCode::kIo,
                                  redact("GET " + endpoint + ": " + last, secrets_));
            }
            if (res->status == 429 && res->has_header("Retry-After")) {
                const std::string v = res->get_header_value("Retry-After");
                int64_t secs = 0;
                const auto r = std::from_chars(v.data(), v.data() + v.size(), secs);
                if (r.ec == std::errc() && secs > 0)
                    retry_after = std::min(Duration::seconds(secs), options_.retry.max_retry_after);
            }
        }
        if (attempt == max_attempts) break;
        Duration wait = backoff(attempt);
        if (retry_after > wait) wait = retry_after;
        stats.waits.push_back(wait);
        ++stats.retries;
        options_.sleep(wait);
    }
    return make_error(ErrorCode::kIo,
                      redact("GET " + endpoint + ": gave up after " + std::to_string(max_attempts) +
                                 " attempts; last: " + last,
                             secrets_));
}

}  // namespace awet::marketdata
