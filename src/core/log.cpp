#include "awet/core/log.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <mutex>

namespace awet {
namespace {

/// %j: the message payload escaped as the inside of a JSON string.
class JsonEscapedMessage final : public spdlog::custom_flag_formatter {
  public:
    void format(const spdlog::details::log_msg& msg, const std::tm&,
                spdlog::memory_buf_t& dest) override {
        static constexpr char kHex[] = "0123456789abcdef";
        for (char c : msg.payload) {
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
    R"({"ts":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","logger":"%n","msg":"%j"})";
constexpr const char* kTextPattern = "%Y-%m-%dT%H:%M:%S.%fZ %-5l [%n] %v";

struct LogState {
    std::mutex mutex;
    spdlog::sink_ptr sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    spdlog::level::level_enum level = spdlog::level::info;
    bool json = true;

    std::unique_ptr<spdlog::formatter> make_formatter() const {
        auto f = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
        f->add_flag<JsonEscapedMessage>('j');
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
    s.json = format != "text";
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

}  // namespace awet
