#include "awet/marketdata/bars_clients.hpp"

#include <algorithm>
#include <cstdlib>

#include "awet/calendar/calendar.hpp"
#include "awet/data/market_data_source.hpp"
#include "awet/marketdata/bar_parsers.hpp"
#include "http_fetcher.hpp"

namespace awet::marketdata {

Result<std::vector<CorporateAction>> HistoricalBarsClient::corporate_actions(std::string_view, Date,
                                                                             Date) {
    return make_error(ErrorCode::kNotFound, std::string(name()) +
                                                ": no corporate-actions client (splits and "
                                                "dividends are read from polygon or yahoo)");
}

namespace {

std::string env_or(const std::string& given, const char* name) {
    if (!given.empty()) return given;
    const char* v = std::getenv(name);
    return v == nullptr ? std::string() : std::string(v);
}

/// Keeps bars in [from, to), sorts by bar_start and drops repeated bar_starts (pages overlap at
/// their edges on some vendors).
std::vector<MarketBar> finish(std::vector<MarketBar> bars, Timestamp from, Timestamp to) {
    std::erase_if(bars,
                  [&](const MarketBar& b) { return b.bar_start < from || b.bar_start >= to; });
    std::stable_sort(bars.begin(), bars.end(), [](const MarketBar& a, const MarketBar& b) {
        return a.bar_start < b.bar_start;
    });
    bars.erase(std::unique(bars.begin(), bars.end(),
                           [](const MarketBar& a, const MarketBar& b) {
                               return a.bar_start == b.bar_start &&
                                      a.header.symbol == b.header.symbol;
                           }),
               bars.end());
    return bars;
}

Status check_request(std::string_view symbol, Timestamp from, Timestamp to) {
    if (symbol.empty() || symbol.size() > Symbol::capacity())
        return make_error(ErrorCode::kInvalidArgument,
                          "symbol '" + std::string(symbol) + "' is empty or too long");
    if (!(from < to))
        return make_error(ErrorCode::kInvalidArgument,
                          "empty window: from " + from.iso() + " is not before to " + to.iso());
    return {};
}

class PolygonBarsClient final : public HistoricalBarsClient {
public:
    PolygonBarsClient(PolygonOptions options, std::unique_ptr<HttpFetcher> http)
        : options_(std::move(options)), http_(std::move(http)) {}

    std::string_view name() const override { return "polygon"; }
    const FetchStats& last_stats() const override { return stats_; }

    Result<std::vector<MarketBar>> fetch(std::string_view symbol, Timestamp from, Timestamp to,
                                         Duration interval) override {
        stats_ = {};
        AWET_TRY(check_request(symbol, from, to));
        const auto range = polygon_range(interval);
        if (!range)
            return make_error(
                ErrorCode::kInvalidArgument,
                "polygon: no range for interval of " + std::to_string(interval.ns()) + " ns");
        // Polygon's window is inclusive at both ends, in Unix milliseconds.
        const int64_t from_ms = from.ns() / 1'000'000;
        const int64_t to_ms = (to.ns() - 1) / 1'000'000;
        std::string pq = "/v2/aggs/ticker/" + url_encode(symbol) + "/range/" +
                         std::to_string(range->first) + "/" + range->second + "/" +
                         std::to_string(from_ms) + "/" + std::to_string(to_ms) +
                         "?adjusted=" + (options_.adjusted ? "true" : "false") +
                         "&sort=asc&limit=" + std::to_string(options_.limit);
        std::vector<MarketBar> out;
        for (int page = 0;; ++page) {
            auto body = page_body(pq, page);
            if (!body.ok()) return body.error();
            auto parsed =
                parse_polygon_aggs(*body, page_source(pq, page), symbol, interval, options_.limits);
            if (!parsed.ok()) return http_->scrub(parsed.error());
            out.insert(out.end(), parsed->bars.begin(), parsed->bars.end());
            if (parsed->next.empty()) break;
            pq = path_and_query(parsed->next);
        }
        return finish(std::move(out), from, to);
    }

    Result<std::vector<CorporateAction>> corporate_actions(std::string_view symbol, Date from,
                                                           Date to) override {
        stats_ = {};
        std::vector<CorporateAction> out;
        const std::string range_of = "&limit=1000&order=asc";
        const std::string t = "?ticker=" + url_encode(symbol);
        AWET_TRY(reference_pages("/v3/reference/splits" + t +
                                     "&execution_date.gte=" + from.to_string() +
                                     "&execution_date.lte=" + to.to_string() + range_of,
                                 &parse_polygon_splits, out));
        AWET_TRY(reference_pages("/v3/reference/dividends" + t +
                                     "&ex_dividend_date.gte=" + from.to_string() +
                                     "&ex_dividend_date.lte=" + to.to_string() + range_of,
                                 &parse_polygon_dividends, out));
        std::stable_sort(out.begin(), out.end(),
                         [](const auto& a, const auto& b) { return a.effective < b.effective; });
        return out;
    }

private:
    /// The key on every request, next_url included (Polygon leaves it out).
    std::string with_key(const std::string& pq) const {
        if (pq.find("apiKey=") != std::string::npos) return pq;
        return pq + (pq.find('?') == std::string::npos ? "?" : "&") +
               "apiKey=" + url_encode(options_.api_key);
    }
    /// Page `page` (0-based) of a paged request, within the page guard.
    Result<std::string> page_body(const std::string& pq, int page) {
        if (page >= http_->options().max_pages)
            return make_error(ErrorCode::kIo, "polygon " + endpoint_of(pq) + ": more than " +
                                                  std::to_string(page) + " pages");
        auto body = http_->get(with_key(pq), {}, stats_);
        if (body.ok()) ++stats_.pages;
        return body;
    }
    static std::string page_source(const std::string& pq, int page) {
        return "GET " + endpoint_of(pq) + " page " + std::to_string(page + 1);
    }
    Status reference_pages(std::string pq,
                           Result<CorporateActionsPage> (*parse)(std::string_view,
                                                                 std::string_view),
                           std::vector<CorporateAction>& out) {
        for (int page = 0;; ++page) {
            auto body = page_body(pq, page);
            if (!body.ok()) return body.error();
            auto parsed = parse(*body, page_source(pq, page));
            if (!parsed.ok()) return http_->scrub(parsed.error());
            out.insert(out.end(), parsed->actions.begin(), parsed->actions.end());
            if (parsed->next.empty()) return Status::Ok();
            pq = path_and_query(parsed->next);
        }
    }

    PolygonOptions options_;
    std::unique_ptr<HttpFetcher> http_;
    FetchStats stats_;
};

class YahooBarsClient final : public HistoricalBarsClient {
public:
    YahooBarsClient(YahooOptions options, std::unique_ptr<HttpFetcher> http)
        : options_(std::move(options)), http_(std::move(http)) {}

    std::string_view name() const override { return "yahoo"; }
    const FetchStats& last_stats() const override { return stats_; }

    Result<std::vector<MarketBar>> fetch(std::string_view symbol, Timestamp from, Timestamp to,
                                         Duration interval) override {
        stats_ = {};
        AWET_TRY(check_request(symbol, from, to));
        const auto name = yahoo_interval_name(interval);
        if (!name)
            return make_error(
                ErrorCode::kInvalidArgument,
                "yahoo: no interval name for " + std::to_string(interval.ns()) + " ns");
        // period2 is exclusive; Yahoo has no paging (one answer per request).
        const std::string pq =
            "/v8/finance/chart/" + url_encode(symbol) +
            "?period1=" + std::to_string(from.ns() / 1'000'000'000) +
            "&period2=" + std::to_string((to.ns() + 999'999'999) / 1'000'000'000) +
            "&interval=" + *name +
            "&includePrePost=" + (options_.include_pre_post ? "true" : "false") +
            "&events=div%7Csplit";
        auto body = http_->get(pq, {{"User-Agent", "Mozilla/5.0 (compatible; awet)"}}, stats_);
        if (!body.ok()) return body.error();
        ++stats_.pages;
        auto parsed =
            parse_yahoo_chart(*body, "GET " + endpoint_of(pq), symbol, interval, options_.limits);
        if (!parsed.ok()) return http_->scrub(parsed.error());
        stats_.skipped_null_rows = parsed->skipped_null_rows;
        return finish(std::move(parsed->bars), from, to);
    }

    Result<std::vector<CorporateAction>> corporate_actions(std::string_view symbol, Date from,
                                                           Date to) override {
        stats_ = {};
        if (symbol.empty() || symbol.size() > Symbol::capacity())
            return make_error(ErrorCode::kInvalidArgument,
                              "symbol '" + std::string(symbol) + "' is empty or too long");
        // Daily bars over the range with their events; the events are dated by session.
        const Timestamp begin = SessionCalendar::from_local(from, 0);
        const Timestamp end =
            SessionCalendar::from_local(civil_from_days(days_from_civil(to) + 1), 0);
        const std::string pq = "/v8/finance/chart/" + url_encode(symbol) +
                               "?period1=" + std::to_string(begin.ns() / 1'000'000'000) +
                               "&period2=" + std::to_string(end.ns() / 1'000'000'000) +
                               "&interval=1d&events=div%7Csplit";
        auto body = http_->get(pq, {{"User-Agent", "Mozilla/5.0 (compatible; awet)"}}, stats_);
        if (!body.ok()) return body.error();
        ++stats_.pages;
        auto events = parse_yahoo_events(*body, "GET " + endpoint_of(pq));
        if (!events.ok()) return http_->scrub(events.error());
        std::erase_if(*events, [&](const CorporateAction& a) {
            return a.effective < from || to < a.effective;
        });
        return events;
    }

private:
    YahooOptions options_;
    std::unique_ptr<HttpFetcher> http_;
    FetchStats stats_;
};

class AlpacaBarsClient final : public HistoricalBarsClient {
public:
    AlpacaBarsClient(AlpacaOptions options, std::unique_ptr<HttpFetcher> http)
        : options_(std::move(options)), http_(std::move(http)) {}

    std::string_view name() const override { return "alpaca"; }
    const FetchStats& last_stats() const override { return stats_; }

    Result<std::vector<MarketBar>> fetch(std::string_view symbol, Timestamp from, Timestamp to,
                                         Duration interval) override {
        stats_ = {};
        AWET_TRY(check_request(symbol, from, to));
        const auto timeframe = alpaca_timeframe(interval);
        if (!timeframe)
            return make_error(ErrorCode::kInvalidArgument,
                              "alpaca: no timeframe for " + std::to_string(interval.ns()) + " ns");
        const std::string base =
            "/v2/stocks/" + url_encode(symbol) + "/bars?timeframe=" + *timeframe +
            "&start=" + url_encode(from.iso()) +
            "&end=" + url_encode((to - Duration::nanos(1)).iso()) +
            "&limit=" + std::to_string(options_.limit) +
            "&adjustment=" + url_encode(options_.adjustment) +
            (options_.feed.empty() ? "" : "&feed=" + url_encode(options_.feed));
        const HeaderList headers = {{"APCA-API-KEY-ID", options_.key_id},
                                    {"APCA-API-SECRET-KEY", options_.secret_key}};
        std::vector<MarketBar> out;
        std::string token;
        for (int page = 0;; ++page) {
            if (page >= http_->options().max_pages)
                return make_error(ErrorCode::kIo, "alpaca " + endpoint_of(base) + ": more than " +
                                                      std::to_string(page) + " pages");
            const std::string pq = token.empty() ? base : base + "&page_token=" + url_encode(token);
            auto body = http_->get(pq, headers, stats_);
            if (!body.ok()) return body.error();
            ++stats_.pages;
            auto parsed = parse_alpaca_bars(
                *body, "GET " + endpoint_of(pq) + " page " + std::to_string(page + 1), symbol,
                interval, options_.limits);
            if (!parsed.ok()) return http_->scrub(parsed.error());
            out.insert(out.end(), parsed->bars.begin(), parsed->bars.end());
            if (parsed->next.empty()) break;
            token = parsed->next;
        }
        return finish(std::move(out), from, to);
    }

private:
    AlpacaOptions options_;
    std::unique_ptr<HttpFetcher> http_;
    FetchStats stats_;
};

}  // namespace

Result<std::unique_ptr<HistoricalBarsClient>> make_polygon_client(PolygonOptions options) {
    options.api_key = env_or(options.api_key, "POLYGON_API_KEY");
    if (options.api_key.empty())
        return make_error(ErrorCode::kInvalidArgument, "polygon: no API key (set POLYGON_API_KEY)");
    auto http = HttpFetcher::create(options.http, {options.api_key, url_encode(options.api_key)});
    if (!http.ok()) return http.error();
    return std::unique_ptr<HistoricalBarsClient>(
        new PolygonBarsClient(std::move(options), std::move(*http)));
}

Result<std::unique_ptr<HistoricalBarsClient>> make_yahoo_client(YahooOptions options) {
    auto http = HttpFetcher::create(options.http, {});
    if (!http.ok()) return http.error();
    return std::unique_ptr<HistoricalBarsClient>(
        new YahooBarsClient(std::move(options), std::move(*http)));
}

Result<std::unique_ptr<HistoricalBarsClient>> make_alpaca_client(AlpacaOptions options) {
    options.key_id = env_or(options.key_id, "ALPACA_API_KEY");
    options.secret_key = env_or(options.secret_key, "ALPACA_API_SECRET");
    if (options.key_id.empty() || options.secret_key.empty())
        return make_error(ErrorCode::kInvalidArgument,
                          "alpaca: no API key (set ALPACA_API_KEY and ALPACA_API_SECRET)");
    auto http = HttpFetcher::create(options.http, {options.key_id, options.secret_key});
    if (!http.ok()) return http.error();
    return std::unique_ptr<HistoricalBarsClient>(
        new AlpacaBarsClient(std::move(options), std::move(*http)));
}

Result<std::unique_ptr<HistoricalBarsClient>> make_bars_client(std::string_view vendor,
                                                               std::string base_url,
                                                               const BarLimits& limits) {
    if (vendor == "polygon") {
        PolygonOptions o;
        if (!base_url.empty()) o.http.base_url = std::move(base_url);
        o.limits = limits;
        return make_polygon_client(std::move(o));
    }
    if (vendor == "yahoo") {
        YahooOptions o;
        if (!base_url.empty()) o.http.base_url = std::move(base_url);
        o.limits = limits;
        return make_yahoo_client(std::move(o));
    }
    if (vendor == "alpaca") {
        AlpacaOptions o;
        if (!base_url.empty()) o.http.base_url = std::move(base_url);
        o.limits = limits;
        return make_alpaca_client(std::move(o));
    }
    return make_error(ErrorCode::kInvalidArgument, "unknown market-data vendor '" +
                                                       std::string(vendor) +
                                                       "' (expected polygon, yahoo or alpaca)");
}

Result<std::vector<MarketBar>> fetch_all(HistoricalBarsClient& client,
                                         const std::vector<std::string>& symbols, Timestamp from,
                                         Timestamp to, Duration interval) {
    std::vector<MarketBar> all;
    for (const auto& s : symbols) {
        auto bars = client.fetch(s, from, to, interval);
        if (!bars.ok())
            return make_error(bars.error().code,
                              std::string(client.name()) + " " + s + ": " + bars.error().message);
        all.insert(all.end(), bars->begin(), bars->end());
    }
    sort_bars(all);
    return all;
}

}  // namespace awet::marketdata
