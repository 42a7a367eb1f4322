#include "awet/data/csv_bars.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <limits>
#include <map>
#include <unordered_map>
#include <utility>

#include "awet/calendar/calendar.hpp"
#include "csv_internal.hpp"

namespace awet {
namespace {

constexpr int64_t kNsPerDay = Duration::days(1).ns();
constexpr int64_t kNsPerMinute = Duration::minutes(1).ns();
constexpr size_t kMaxQuotedText = 40;

enum Column : size_t { kTs, kSymbol, kOpen, kHigh, kLow, kClose, kVolume, kNumColumns };

constexpr std::array<const char*, kNumColumns> kColumnNames = {"ts",  "symbol", "open",  "high",
                                                               "low", "close",  "volume"};

// Accepted header names per column, in order of preference (compared case-insensitively).
const std::array<std::vector<std::string_view>, kNumColumns>& column_aliases() {
    static const std::array<std::vector<std::string_view>, kNumColumns> kAliases = {{
        {"ts", "timestamp", "datetime", "time", "date"},
        {"symbol", "ticker"},
        {"open"},
        {"high"},
        {"low"},
        {"close"},
        {"volume"},
    }};
    return kAliases;
}

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

/// The offending text for a message, shortened and with control bytes replaced.
std::string quoted(std::string_view s) {
    std::string out = "'";
    size_t n = std::min(s.size(), kMaxQuotedText);
    for (size_t i = 0; i < n; ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        out.push_back(c < 0x20 || c == 0x7F ? '?' : static_cast<char>(c));
    }
    if (s.size() > n) out += "...";
    out += "'";
    return out;
}

/// Splits one record into fields. Fields may be wrapped in double quotes (whose content is taken
/// as is, a doubled quote included); spaces and tabs around fields are dropped.
/// Returns false with `error` set on a malformed record.
bool split_fields(std::string_view line, std::vector<std::string_view>& fields,
                  std::string& error) {
    fields.clear();
    size_t pos = 0;
    const size_t n = line.size();
    while (true) {
        while (pos < n && is_space(line[pos])) ++pos;
        if (pos < n && line[pos] == '"') {
            size_t j = pos + 1;
            while (j < n) {
                if (line[j] == '"') {
                    if (j + 1 < n && line[j + 1] == '"') {
                        j += 2;
                        continue;
                    }
                    break;
                }
                ++j;
            }
            if (j >= n) {
                error = "unterminated quoted field " + std::to_string(fields.size() + 1);
                return false;
            }
            fields.push_back(line.substr(pos + 1, j - pos - 1));
            pos = j + 1;
            while (pos < n && is_space(line[pos])) ++pos;
            if (pos < n && line[pos] != ',') {
                error =
                    "unexpected text after closing quote in field " + std::to_string(fields.size());
                return false;
            }
        } else {
            size_t comma = line.find(',', pos);
            size_t end = comma == std::string_view::npos ? n : comma;
            std::string_view field = trim(line.substr(pos, end - pos));
            if (field.find('"') != std::string_view::npos) {
                error = "stray quote in unquoted field " + std::to_string(fields.size() + 1) + " " +
                        quoted(field);
                return false;
            }
            fields.push_back(field);
            pos = end;
        }
        if (pos >= n) return true;
        ++pos;  // past the comma; a trailing comma yields a final empty field
        if (pos >= n) {
            fields.emplace_back();
            return true;
        }
    }
}

bool is_blank(std::string_view line) {
    for (char c : line) {
        if (!is_space(c)) return false;
    }
    return true;
}

bool valid_symbol_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == '/' || c == '^' || c == '=' || c == '_';
}

bool is_date_only(std::string_view s) { return s.size() == 10 && s[4] == '-' && s[7] == '-'; }

bool has_lower(std::string_view s) {
    return std::any_of(s.begin(), s.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

const char* weekday_name(int monday0) {
    static constexpr const char* kNames[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                             "Friday", "Saturday", "Sunday"};
    return kNames[monday0 % 7];
}

/// Why a bar starting at t has no US-equities session, or empty if its day has one. A bar
/// stamped at midnight UTC is a daily bar dated by its UTC date (how daily files and vendors stamp
/// them); any other stamp is dated by its America/New_York date.
std::string no_session_reason(Timestamp t) {
    Date d;
    if (t.ns() % kNsPerDay == 0) {
        d = civil_from_days(t.ns() / kNsPerDay);
    } else {
        d = SessionCalendar::to_local(t).date;
    }
    if (SessionCalendar::is_trading_day(d)) return {};
    const int wd = (weekday(d) + 6) % 7;  // core: 0 = Sunday; here 0 = Monday
    if (wd >= 5) {
        return d.to_string() + " is a " + weekday_name(wd) + ": no US-equities session";
    }
    return d.to_string() + " is an NYSE holiday: no US-equities session";
}

/// Per-symbol bookkeeping within one file: which bar starts were seen, and on which line.
/// Rows in time order (the usual case) append to a sorted vector without allocating per row;
/// out-of-order rows go to a hash map.
class SymbolState {
public:
    /// Records ts from `line`; if ts was already seen, returns false and the first line.
    bool insert(int64_t ts, int64_t line, int64_t& first_line) {
        if (sorted_.empty() || ts > sorted_.back().first) {
            sorted_.emplace_back(ts, line);
            return true;
        }
        auto it = std::lower_bound(sorted_.begin(), sorted_.end(), std::make_pair(ts, int64_t{0}),
                                   [](const auto& a, const auto& b) { return a.first < b.first; });
        if (it != sorted_.end() && it->first == ts) {
            first_line = it->second;
            return false;
        }
        auto [slot, inserted] = out_of_order_.emplace(ts, line);
        if (!inserted) {
            first_line = slot->second;
            return false;
        }
        return true;
    }
    /// All recorded bar starts, ascending.
    std::vector<int64_t> stamps() const {
        std::vector<int64_t> out;
        out.reserve(sorted_.size() + out_of_order_.size());
        for (const auto& kv : sorted_) out.push_back(kv.first);
        for (const auto& kv : out_of_order_) out.push_back(kv.first);
        std::sort(out.begin(), out.end());
        return out;
    }

    bool all_date_only = true;
    bool all_midnight = true;
    Duration interval;  // resolved when inferring

private:
    std::vector<std::pair<int64_t, int64_t>> sorted_;
    std::unordered_map<int64_t, int64_t> out_of_order_;
};

/// Reads records line by line out of `text`, tracking physical line numbers.
class LineReader {
public:
    explicit LineReader(std::string_view text) : text_(text) {}

    /// Next line without its terminator ('\n', "\r\n" or a lone trailing '\r'); false at end.
    bool next(std::string_view& line, int64_t& line_no) {
        if (pos_ >= text_.size()) return false;
        size_t nl = text_.find('\n', pos_);
        size_t end = nl == std::string_view::npos ? text_.size() : nl;
        line = text_.substr(pos_, end - pos_);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        pos_ = nl == std::string_view::npos ? text_.size() : nl + 1;
        line_no = ++line_no_;
        return true;
    }

private:
    std::string_view text_;
    size_t pos_ = 0;
    int64_t line_no_ = 0;
};

using ColumnMap = std::array<size_t, kNumColumns>;

/// Skips a UTF-8 byte-order mark.
std::string_view without_bom(std::string_view text) {
    if (text.size() >= 3 && static_cast<unsigned char>(text[0]) == 0xEF &&
        static_cast<unsigned char>(text[1]) == 0xBB &&
        static_cast<unsigned char>(text[2]) == 0xBF) {
        text.remove_prefix(3);
    }
    return text;
}

/// The header (the first non-blank line): where each column is, and how many fields a row has.
Result<ColumnMap> read_header(LineReader& reader, const std::string& name,
                              std::vector<std::string_view>& fields) {
    std::string_view line;
    int64_t line_no = 0;
    bool have_header = false;
    while (reader.next(line, line_no)) {
        if (!is_blank(line)) {
            have_header = true;
            break;
        }
    }
    if (!have_header) {
        return make_error(ErrorCode::kParse, name + ": empty file, no header row");
    }
    const std::string where = name + ":" + std::to_string(line_no) + ": invalid header: ";
    std::string split_error;
    if (!split_fields(line, fields, split_error)) {
        return make_error(ErrorCode::kParse, where + split_error);
    }
    const size_t num_fields = fields.size();
    ColumnMap col{};
    for (size_t c = 0; c < kNumColumns; ++c) {
        size_t found = num_fields;
        for (std::string_view alias : column_aliases()[c]) {
            for (size_t i = 0; i < num_fields; ++i) {
                if (!iequals(fields[i], alias)) continue;
                if (found != num_fields) {
                    return make_error(ErrorCode::kParse,
                                      where + "duplicate column " + quoted(fields[i]));
                }
                found = i;
            }
            if (found != num_fields) break;
        }
        if (found == num_fields) {
            return make_error(ErrorCode::kParse,
                              where + "missing column '" + kColumnNames[c] +
                                  "' (need ts,symbol,open,high,low,close,volume)");
        }
        col[c] = found;
    }
    return col;
}

/// The rows after the header, one at a time: each becomes a bar handed to the sink or a
/// rejection naming line and field. With the interval inferred, bars are held until the end
/// (finish()), when each symbol's interval is known.
class RowParser {
public:
    RowParser(const std::string& name, const detail::LineSink& sink, Duration interval,
              const BarLimits& limits, ColumnMap col, size_t num_fields)
        : name_(name),
          sink_(sink),
          interval_(interval),
          infer_(interval == kInferInterval),
          limits_(limits),
          col_(col),
          num_fields_(num_fields) {
        report_.interval = interval;
    }

    void row(std::string_view line, int64_t line_no, std::vector<std::string_view>& fields) {
        ++report_.rows;
        std::string split_error;
        if (!split_fields(line, fields, split_error)) return reject(line_no, "row", split_error);
        if (fields.size() != num_fields_) {
            return reject(line_no, "row",
                          "expected " + std::to_string(num_fields_) + " fields, got " +
                              std::to_string(fields.size()));
        }
        MarketBar bar;
        const std::string_view ts_text = fields[col_[kTs]];
        if (!parse_ts(ts_text, line_no, bar.bar_start)) return;
        std::string_view sym;
        bool lower_case = false;
        if (!parse_symbol(fields[col_[kSymbol]], line_no, sym, lower_case)) return;
        bar.header.symbol.assign(sym);
        if (!parse_values(fields, line_no, bar)) return;

        SymbolState& state = state_of(sym);
        int64_t first_line = 0;
        if (!state.insert(bar.bar_start.ns(), line_no, first_line)) {
            return reject(line_no, "ts",
                          "duplicate bar for (" + std::string(sym) + ", " + bar.bar_start.iso() +
                              "), first on line " + std::to_string(first_line));
        }

        bar.header.source = Source::kIngestion;
        ++report_.accepted;
        if (lower_case) ++report_.normalized_symbols;
        if (infer_) {
            state.all_date_only = state.all_date_only && is_date_only(ts_text);
            state.all_midnight = state.all_midnight && bar.bar_start.ns() % kNsPerDay == 0;
            pending_.push_back(Pending{bar, &state, line_no});
        } else {
            bar.interval = interval_;
            bar.header.ts = bar.bar_start + interval_;
            sink_(bar, line_no);
        }
    }

    CsvReadReport finish() {
        if (report_.normalized_symbols > 0) {
            report_.notes.push_back(name_ + ": " + std::to_string(report_.normalized_symbols) +
                                    " row(s) with lower-case symbols stored upper-cased (first " +
                                    quoted(std::string_view(first_lower_)) + " on line " +
                                    std::to_string(first_lower_line_) + ")");
        }
        if (infer_) {
            report_.interval = infer_intervals();
            for (Pending& p : pending_) {
                p.bar.interval = p.state->interval;
                p.bar.header.ts = p.bar.bar_start + p.state->interval;
                sink_(p.bar, p.line);
            }
        }
        return std::move(report_);
    }

private:
    struct Pending {
        MarketBar bar;
        SymbolState* state;
        int64_t line;
    };

    void reject(int64_t at, std::string_view field, std::string reason) {
        ++report_.rejected;
        report_.add_issue(CsvIssue{name_, at, std::string(field), std::move(reason)});
    }

    /// A bar start: a parsable time after 1970, on a whole minute, on a day with a session.
    bool parse_ts(std::string_view text, int64_t line_no, Timestamp& out) {
        std::optional<Timestamp> ts = Timestamp::parse(text);
        if (!ts) {
            reject(line_no, "ts", "unparsable timestamp " + quoted(text));
            return false;
        }
        if (ts->ns() <= 0) {
            reject(line_no, "ts", "timestamp not after 1970-01-01 " + quoted(text));
            return false;
        }
        if (ts->ns() % kNsPerMinute != 0) {
            reject(line_no, "ts",
                   "timestamp " + quoted(text) + " is not on a whole minute (" + ts->iso() +
                       "); bar starts are whole minutes");
            return false;
        }
        if (std::string why = no_session_reason(*ts); !why.empty()) {
            reject(line_no, "ts", why + " (" + quoted(text) + ")");
            return false;
        }
        out = *ts;
        return true;
    }

    /// A symbol that fits, of valid characters; lower case is upper-cased (and noted).
    bool parse_symbol(std::string_view sym, int64_t line_no, std::string_view& out,
                      bool& lower_case) {
        if (sym.empty()) {
            reject(line_no, "symbol", "empty symbol");
            return false;
        }
        if (sym.size() > Symbol::capacity()) {
            reject(line_no, "symbol",
                   "symbol longer than " + std::to_string(Symbol::capacity()) + " characters " +
                       quoted(sym));
            return false;
        }
        if (!std::all_of(sym.begin(), sym.end(), valid_symbol_char)) {
            reject(line_no, "symbol", "invalid character in symbol " + quoted(sym));
            return false;
        }
        lower_case = has_lower(sym);
        if (lower_case) {
            upper_.assign(sym);
            for (char& ch : upper_) {
                if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
            }
            if (first_lower_.empty()) {
                first_lower_.assign(sym);
                first_lower_line_ = line_no;
            }
            sym = upper_;
        }
        out = sym;
        return true;
    }

    /// Open, high, low, close and volume, each within the limits, and consistent together.
    bool parse_values(const std::vector<std::string_view>& fields, int64_t line_no,
                      MarketBar& bar) {
        std::string why;
        std::array<int64_t, 5> raw{};
        for (size_t k = 0; k < 5; ++k) {
            const size_t c = kOpen + k;
            const std::optional<int64_t> v = parse_bar_value(
                fields[col_[c]], c == kVolume ? BarValueKind::kVolume : BarValueKind::kPrice,
                limits_, why);
            if (!v) {
                reject(line_no, kColumnNames[c], std::move(why));
                return false;
            }
            raw[k] = *v;
        }
        bar.open = Price::from_raw(raw[0]);
        bar.high = Price::from_raw(raw[1]);
        bar.low = Price::from_raw(raw[2]);
        bar.close = Price::from_raw(raw[3]);
        bar.volume = Quantity::from_raw(raw[4]);
        if (std::optional<BarProblem> problem = check_bar_values(bar, limits_)) {
            reject(line_no, problem->field, std::move(problem->reason));
            return false;
        }
        return true;
    }

    /// The bookkeeping of `sym` (the previous row's symbol is found without a lookup).
    SymbolState& state_of(std::string_view sym) {
        if (last_symbol_.second != nullptr && last_symbol_.first == sym) {
            return *last_symbol_.second;
        }
        auto it = symbols_.find(sym);
        if (it == symbols_.end()) it = symbols_.emplace(std::string(sym), SymbolState{}).first;
        last_symbol_ = {std::string_view(it->first), &it->second};
        return it->second;
    }

    /// Each symbol's interval: a day for date-only stamps, else the smallest gap between its
    /// bars (one bar: a day if at midnight, else a minute). Returns the smallest of them.
    Duration infer_intervals() {
        Duration smallest;
        for (auto& [sym, state] : symbols_) {
            if (state.all_date_only) {
                state.interval = Duration::days(1);
            } else {
                const std::vector<int64_t> stamps = state.stamps();
                int64_t gap = std::numeric_limits<int64_t>::max();
                for (size_t i = 1; i < stamps.size(); ++i) {
                    gap = std::min(gap, stamps[i] - stamps[i - 1]);
                }
                if (stamps.size() >= 2) {
                    state.interval = Duration::nanos(gap);
                } else {
                    state.interval = state.all_midnight ? Duration::days(1) : Duration::minutes(1);
                }
            }
            if (smallest == Duration{} || state.interval < smallest) smallest = state.interval;
        }
        return smallest;
    }

    const std::string& name_;
    const detail::LineSink& sink_;
    const Duration interval_;
    const bool infer_;
    const BarLimits& limits_;
    const ColumnMap col_;
    const size_t num_fields_;

    CsvReadReport report_;
    std::map<std::string, SymbolState, std::less<>> symbols_;
    std::pair<std::string_view, SymbolState*> last_symbol_{{}, nullptr};
    std::vector<Pending> pending_;  // only when inferring
    std::string upper_;             // the symbol upper-cased (short: no allocation)
    std::string first_lower_;
    int64_t first_lower_line_ = 0;
};

}  // namespace

namespace detail {

Result<CsvReadReport> parse_bars_csv_lines(std::string_view text, const std::string& name,
                                           const LineSink& sink, Duration interval,
                                           const BarLimits& limits) {
    LineReader reader(without_bom(text));
    std::vector<std::string_view> fields;
    fields.reserve(16);
    Result<ColumnMap> col = read_header(reader, name, fields);
    if (!col.ok()) return col.error();
    RowParser rows(name, sink, interval, limits, *col, fields.size());
    std::string_view line;
    int64_t line_no = 0;
    while (reader.next(line, line_no)) {
        if (!is_blank(line)) rows.row(line, line_no, fields);
    }
    return rows.finish();
}

Result<CsvReadReport> read_bars_csv_lines(const std::string& path, const LineSink& sink,
                                          Duration interval, const BarLimits& limits) {
    if (interval < Duration{}) {
        return make_error(ErrorCode::kInvalidArgument, path + ": negative bar interval");
    }
    std::string text;
    try {
        std::error_code ec;
        if (std::filesystem::is_directory(path, ec)) {
            return make_error(ErrorCode::kIo, path + ": is a directory, not a CSV file");
        }
        std::FILE* f = std::fopen(path.c_str(), "rb");
        if (f == nullptr) return make_error(ErrorCode::kNotFound, path + ": cannot open file");
        // One read into a buffer of the file's size (plus a chunked tail in case it grew).
        std::uintmax_t size = std::filesystem::file_size(path, ec);
        if (!ec && size > 0) {
            text.resize(static_cast<size_t>(size));
            text.resize(std::fread(text.data(), 1, text.size(), f));
        }
        char buf[1 << 14];
        size_t n = 0;
        while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) text.append(buf, n);
        bool failed = std::ferror(f) != 0;
        std::fclose(f);
        if (failed) return make_error(ErrorCode::kIo, path + ": read error");
        return parse_bars_csv_lines(text, path, sink, interval, limits);
    } catch (const std::exception& e) {
        return make_error(ErrorCode::kInternal, path + ": " + e.what());
    } catch (...) {
        return make_error(ErrorCode::kInternal, path + ": unknown exception while reading bars");
    }
}

}  // namespace detail

std::string CsvIssue::to_string() const {
    return file + ":" + std::to_string(line) + ": field '" + field + "': " + reason;
}

void CsvReadReport::add_issue(CsvIssue issue) {
    if (issues.size() < kMaxIssues) issues.push_back(std::move(issue));
}

void CsvReadReport::merge(const CsvReadReport& other) {
    rows += other.rows;
    accepted += other.accepted;
    rejected += other.rejected;
    normalized_symbols += other.normalized_symbols;
    for (const CsvIssue& issue : other.issues) add_issue(issue);
    notes.insert(notes.end(), other.notes.begin(), other.notes.end());
    if (interval == Duration{} || (other.interval != Duration{} && other.interval < interval)) {
        interval = other.interval;
    }
}

Result<CsvReadReport> parse_bars_csv(std::string_view text, const std::string& name,
                                     const std::function<void(const MarketBar&)>& sink,
                                     Duration interval, const BarLimits& limits) {
    if (interval < Duration{}) {
        return make_error(ErrorCode::kInvalidArgument, name + ": negative bar interval");
    }
    try {
        return detail::parse_bars_csv_lines(
            text, name, [&sink](const MarketBar& bar, int64_t) { sink(bar); }, interval, limits);
    } catch (const std::exception& e) {
        return make_error(ErrorCode::kInternal, name + ": " + e.what());
    } catch (...) {
        return make_error(ErrorCode::kInternal, name + ": unknown exception while reading bars");
    }
}

Result<CsvReadReport> read_bars_csv(const std::string& path,
                                    const std::function<void(const MarketBar&)>& sink,
                                    Duration interval, const BarLimits& limits) {
    return detail::read_bars_csv_lines(
        path, [&sink](const MarketBar& bar, int64_t) { sink(bar); }, interval, limits);
}

Result<CsvReadReport> read_bars_csv_lines(const std::string& path, const CsvLineSink& sink,
                                          Duration interval, const BarLimits& limits) {
    return detail::read_bars_csv_lines(path, sink, interval, limits);
}

Result<std::vector<std::string>> expand_csv_paths(std::span<const std::string> paths) {
    namespace fs = std::filesystem;
    std::vector<std::string> out;
    try {
        for (const std::string& p : paths) {
            std::error_code ec;
            fs::file_status st = fs::status(p, ec);
            if (ec || !fs::exists(st))
                return make_error(ErrorCode::kNotFound, p + ": no such file or directory");
            if (!fs::is_directory(st)) {
                out.push_back(p);
                continue;
            }
            std::vector<std::string> found;
            fs::directory_iterator it(p, ec);
            if (ec)
                return make_error(ErrorCode::kIo, p + ": cannot list directory: " + ec.message());
            for (; it != fs::directory_iterator(); it.increment(ec)) {
                if (ec)
                    return make_error(ErrorCode::kIo,
                                      p + ": cannot list directory: " + ec.message());
                std::error_code fec;
                if (!it->is_regular_file(fec)) continue;
                std::string ext = it->path().extension().string();
                if (iequals(ext, ".csv")) found.push_back(it->path().string());
            }
            std::sort(found.begin(), found.end());
            out.insert(out.end(), found.begin(), found.end());
        }
    } catch (const std::exception& e) {
        return make_error(ErrorCode::kIo, std::string("expanding CSV paths: ") + e.what());
    }
    return out;
}

Status write_bars_csv(const std::string& path, std::span<const MarketBar> bars) {
    std::string out;
    try {
        out.reserve(64 + bars.size() * 72);
        out += "ts,symbol,open,high,low,close,volume\n";
        for (const MarketBar& b : bars) {
            out += b.bar_start.iso();
            out += ',';
            out += b.header.symbol.view();
            out += ',';
            out += b.open.to_string();
            out += ',';
            out += b.high.to_string();
            out += ',';
            out += b.low.to_string();
            out += ',';
            out += b.close.to_string();
            out += ',';
            out += b.volume.to_string();
            out += '\n';
        }
    } catch (const std::exception& e) {
        return make_error(ErrorCode::kInternal, path + ": " + e.what());
    }
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) return make_error(ErrorCode::kIo, path + ": cannot open for writing");
    size_t written = std::fwrite(out.data(), 1, out.size(), f);
    bool close_failed = std::fclose(f) != 0;
    if (written != out.size() || close_failed) {
        return make_error(ErrorCode::kIo, path + ": write failed");
    }
    return Status::Ok();
}

}  // namespace awet
