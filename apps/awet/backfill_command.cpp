// `awet ingest polygon|yahoo|alpaca`: the vendor backfill operation (src/ops/backfill.hpp).
#include "backfill_command.hpp"

#include <cstdio>
#include <optional>

#include "awet/ops/backfill.hpp"
#include "awet/ops/json.hpp"
#include "awet/ops/text.hpp"

namespace awet::cli {

int ingest_vendor(const Common& common, const BackfillArgs& args) {
    auto fail = [](const std::string& reason) {
        std::fprintf(stderr, "awet: %s\n", reason.c_str());
        return 1;
    };
    const auto from = Date::parse(args.from);
    const auto to = Date::parse(args.to);
    if (!from) return fail("--from: not a date YYYY-MM-DD: '" + args.from + "'");
    if (!to) return fail("--to: not a date YYYY-MM-DD: '" + args.to + "'");
    auto ctx = ops_context(common);
    if (!ctx) return 1;
    auto r = [&] {
        std::optional<TtyProgress> progress;
        if (!args.no_progress) progress.emplace(*ctx, common);
        return ops::ingest_vendor(
            *ctx, {args.vendor, args.symbols, *from, *to, args.interval, args.base_url});
    }();
    if (!r.ok()) return fail(r.error().message);
    if (common.json) {
        std::printf("%s\n", ops::to_json(*r).dump(2).c_str());
        return 0;
    }
    for (const std::string& finding : r->findings) std::fprintf(stderr, "%s\n", finding.c_str());
    std::fputs(ops::to_text(*r).c_str(), stdout);
    return 0;
}

}  // namespace awet::cli
