#include "awet/data/market_data_source.hpp"

#include <algorithm>
#include <exception>
#include <utility>

#include "csv_internal.hpp"

namespace awet {
namespace {

bool bar_less(const MarketBar& a, const MarketBar& b) {
    if (a.bar_start != b.bar_start) return a.bar_start < b.bar_start;
    return a.header.symbol.view() < b.header.symbol.view();
}

}  // namespace

void sort_bars(std::vector<MarketBar>& bars) {
    std::stable_sort(bars.begin(), bars.end(), bar_less);
}

VectorSource::VectorSource(std::vector<MarketBar> bars, std::string name)
    : bars_(std::move(bars)), name_(std::move(name)) {
    sort_bars(bars_);
}

Result<std::optional<MarketBar>> VectorSource::next() {
    if (pos_ >= bars_.size()) return std::optional<MarketBar>{};
    return std::optional<MarketBar>{bars_[pos_++]};
}

CsvSource::CsvSource(std::vector<MarketBar> bars, CsvReadReport report,
                     std::vector<std::string> files)
    : source_(std::move(bars), "csv"), report_(std::move(report)), files_(std::move(files)) {}

Result<std::unique_ptr<CsvSource>> CsvSource::open(const std::vector<std::string>& paths,
                                                   Duration interval, const BarLimits& limits) {
    Result<std::vector<std::string>> files = expand_csv_paths(paths);
    if (!files.ok()) return files.error();
    try {
        struct Loaded {
            MarketBar bar;
            uint32_t file;
            int64_t line;
        };
        std::vector<Loaded> loaded;
        CsvReadReport total;
        for (uint32_t f = 0; f < files->size(); ++f) {
            const std::string& path = (*files)[f];
            Result<CsvReadReport> r = detail::read_bars_csv_lines(
                path,
                [&loaded, f](const MarketBar& bar, int64_t line) {
                    loaded.push_back(Loaded{bar, f, line});
                },
                interval, limits);
            if (!r.ok()) return r.error();
            total.merge(*r);
        }
        // Stable: equal keys stay in file order, so the first file's copy is kept.
        std::stable_sort(loaded.begin(), loaded.end(),
                         [](const Loaded& a, const Loaded& b) { return bar_less(a.bar, b.bar); });
        std::vector<MarketBar> bars;
        bars.reserve(loaded.size());
        const Loaded* prev = nullptr;
        for (const Loaded& l : loaded) {
            if (prev != nullptr && prev->bar.bar_start == l.bar.bar_start &&
                prev->bar.header.symbol == l.bar.header.symbol) {
                --total.accepted;
                ++total.rejected;
                const std::string first = (*files)[prev->file] + ":" + std::to_string(prev->line);
                const std::string key =
                    "(" + l.bar.header.symbol.str() + ", " + l.bar.bar_start.iso() + ")";
                total.add_issue(
                    CsvIssue{(*files)[l.file], l.line, "ts",
                             same_bar_values(prev->bar, l.bar)
                                 ? "duplicate bar for " + key + ", already read from " + first
                                 : "conflicting bar for " + key + " (" +
                                       bar_differences(prev->bar, "in " + first, l.bar, "here") +
                                       "); the copy from " + first + " is kept"});
                continue;
            }
            bars.push_back(l.bar);
            prev = &l;
        }
        return std::unique_ptr<CsvSource>(
            new CsvSource(std::move(bars), std::move(total), std::move(*files)));
    } catch (const std::exception& e) {
        return make_error(ErrorCode::kInternal, std::string("loading CSV bars: ") + e.what());
    }
}

}  // namespace awet
