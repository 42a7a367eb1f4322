#include "awet/core/log.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <unistd.h>

#include <mutex>

namespace awet {
namespace {

/// log_event() payloads are "<event>\x1f<fields as JSON members>"; plain messages have no \x1f.
constexpr char kFieldSeparator = '\x1f';

std::string_view message_part(const spdlog::details::log_msg& msg) {
    std::string_view v(msg.payload.data(), msg.payload.size());
    const size_t sep = v.find(kFieldSeparator);
    return sep == std::string_view::npos ? v : v.substr(0, sep);
}

std::string_view fields_part(const spdlog::details::log_msg& msg) {
    std::string_view v(msg.payload.data(), msg.payload.size());
    const size_t sep = v.find(kFieldSeparator);
    return sep == std::string_view::npos ? std::string_view() : v.substr(sep + 1);
}

/// %J: the structured fields of a log_event() as extra members of the JSON line (",k":v...).
class JsonFields final : public spdlog::custom_flag_formatter {
public:
    void format(const spdlog::details::log_msg& msg, const std::tm&,
                spdlog::memory_buf_t& dest) override {
        const std::string_view fields = fields_part(msg);
        if (fields.empty()) return;
        dest.push_back(',');
        dest.append(fields.data(), fields.data() + fields.size());
    }
    std::unique_ptr<custom_flag_formatter> clone() const override {
        return std::make_unique<JsonFields>();
    }
};

/// %V: the message, then the structured fields as they are (text format).
class TextMessage final : public spdlog::custom_flag_formatter {
public:
    void format(const spdlog::details::log_msg& msg, const std::tm&,
                spdlog::memory_buf_t& dest) override {
        const std::string_view m = message_part(msg);
        dest.append(m.data(), m.data() + m.size());
        const std::string_view fields = fields_part(msg);
        if (fields.empty()) return;
        dest.append(std::string_view(" {"));
        dest.append(fields.data(), fields.data() + fields.size());
        dest.push_back('}');
    }
    std::unique_ptr<custom_flag_formatter> clone() const override {
        return std::make_unique<TextMessage>();
    }
};

/// %j: the message payload escaped as the inside of a JSON string.
class JsonEscapedMessage final : public spdlog::custom_flag_formatter {
public:
    void format(const spdlog::details::log_msg& msg, const std::tm&,
                spdlog::memory_buf_t& dest) override {
        static constexpr char kHex[] = "0123456789abcdef";
        for (char c : message_part(msg)) {
            switch (c) {
                case '"':
                    dest.append(std::string_view("\\\""));
                    break;
                case '\\':
                    dest.append(std::string_view("\\\\"));
                    break;
                case '\n':
                    dest.append(std::string_view("\\n"));
                    break;
                case '\r':
                    dest.append(std::string_view("\\r"));
                    break;
                case '\t':
                    dest.append(std::string_view("\\t"));
                    break;
                default:
                    if (static_cast<unsigned char>(c) < 0x20) {
                        char esc[6] = {'\\', 'u', '0', '0', kHex[(c >> 4) & 0xF], kHex[c & 0xF]};
                        dest.append(esc, esc + 6);
                    } else {
                        dest.push_back(c);
                    }
            }
        }
    }
    std::unique_ptr<custom_flag_formatter> clone() const override {
        return std::make_unique<JsonEscapedMessage>();
    }
};

constexpr const char* kJsonPattern =
    R"({"ts":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","logger":"%n","msg":"%j"%J})";
constexpr const char* kTextPattern = "%Y-%m-%dT%H:%M:%S.%fZ %-5l [%n] %V";

struct LogState {
    std::mutex mutex;
    spdlog::sink_ptr sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    spdlog::level::level_enum level = spdlog::level::info;
    bool json = true;

    std::unique_ptr<spdlog::formatter> make_formatter() const {
        auto f = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
        f->add_flag<JsonEscapedMessage>('j');
        f->add_flag<JsonFields>('J');
        f->add_flag<TextMessage>('V');
        f->set_pattern(json ? kJsonPattern : kTextPattern);
        return f;
    }
};

LogState& state() {
    static LogState s;
    return s;
}

}  // namespace

void init_logging(const std::string& level, const std::string& format) {
    LogState& s = state();
    std::lock_guard lock(s.mutex);
    s.level = spdlog::level::from_str(level);  // unknown names map to off; config validates first
    if (level == "warning") s.level = spdlog::level::warn;
    // auto: text for a person at a terminal, JSON lines for a file, a pipe or a collector.
    s.json = format == "json" || (format == "auto" && ::isatty(STDERR_FILENO) == 0);
    s.sink->set_formatter(s.make_formatter());
    s.sink->set_level(spdlog::level::trace);
    spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& l) { l->set_level(s.level); });
}

std::shared_ptr<spdlog::logger> logger(const std::string& component) {
    LogState& s = state();
    std::lock_guard lock(s.mutex);
    if (auto existing = spdlog::get(component)) return existing;
    auto created = std::make_shared<spdlog::logger>(component, s.sink);
    created->set_level(s.level);
    static bool formatted = false;
    if (!formatted) {
        s.sink->set_formatter(s.make_formatter());
        formatted = true;
    }
    spdlog::register_logger(created);
    return created;
}

namespace {

void append_json_string(std::string& out, std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    out.push_back('"');
    for (char c : text) {
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(c);
        } else if (static_cast<unsigned char>(c) < 0x20) {
            out += "\\u00";
            out.push_back(kHex[(c >> 4) & 0xF]);
            out.push_back(kHex[c & 0xF]);
        } else {
            out.push_back(c);
        }
    }
    out.push_back('"');
}

}  // namespace

void log_event(spdlog::logger& log, spdlog::level::level_enum level, std::string_view event,
               std::initializer_list<LogField> fields) {
    if (!log.should_log(level)) return;
    std::string payload(event);
    payload.push_back(kFieldSeparator);
    bool first = true;
    for (const LogField& f : fields) {
        if (!first) payload.push_back(',');
        first = false;
        append_json_string(payload, f.key);
        payload.push_back(':');
        if (f.quoted) {
            append_json_string(payload, f.value);
        } else {
            payload += f.value;
        }
    }
    log.log(level, "{}", payload);
}

}  // namespace awet
