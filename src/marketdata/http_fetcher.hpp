#pragma once
// Private: one HTTP GET with bounded, jittered, seeded retries, shared by the vendor clients.
// cpp-httplib stays behind the pimpl.
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "awet/core/result.hpp"
#include "awet/core/secrets.hpp"
#include "awet/marketdata/bars_clients.hpp"

namespace awet::marketdata {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

/// Percent-encodes everything but unreserved characters (RFC 3986).
std::string url_encode(std::string_view s);
/// "/v2/aggs/...?cursor=x" from "https://api.polygon.io/v2/aggs/...?cursor=x" (an absolute URL
/// loses its scheme and host; a path is kept).
std::string path_and_query(std::string_view url);
/// The path of a path-and-query, without the query (what errors show: never a key).
std::string endpoint_of(std::string_view path_and_query);
using awet::redact;  // awet/core/secrets.hpp
using awet::redacted_excerpt;

/// How much of an error body an error message shows.
inline constexpr size_t kErrorBodyExcerpt = 200;

class HttpFetcher {
public:
    /// Error if the base URL is not valid.
    static Result<std::unique_ptr<HttpFetcher>> create(HttpOptions options,
                                                       std::vector<std::string> secrets);
    ~HttpFetcher();

    /// GET path_and_query (relative to the base URL) with retries. The body of a 2xx answer,
    /// else kIo naming the endpoint (path only) and the HTTP status or transport error.
    Result<std::string> get(const std::string& path_and_query, const HeaderList& headers,
                            FetchStats& stats);

    const HttpOptions& options() const { return options_; }
    /// The error with this fetcher's secrets redacted from its message (a parser quotes the body,
    /// which a server may have filled with the key it was sent).
    Error scrub(Error error) const;

private:
    struct Impl;
    HttpFetcher(HttpOptions options, std::vector<std::string> secrets, std::unique_ptr<Impl> impl);
    Duration backoff(int attempt);

    HttpOptions options_;
    std::vector<std::string> secrets_;
    std::unique_ptr<Impl> impl_;
    std::mt19937_64 rng_;
};

}  // namespace awet::marketdata
