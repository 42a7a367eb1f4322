#include "awet/config/config.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <utility>

extern char** environ;  // POSIX: the process environment (scanned for mistyped AWET_* names)

namespace awet {
namespace {

// ---- The sections, composed: key -> field of Config, shared by defaults, YAML, env and docs. ----

const ConfigSection& top_level_section() {
    static const ConfigSection kSection{
        "",
        {AWET_CONFIG_FIELD(Config, seed,
                           "Seed of every random stream (ids, synthetic data, model init)."),
         AWET_CONFIG_FIELD(Config, home, kConfigPath,
                           "Folder that relative paths resolve against; empty: the config "
                           "file's folder (no file: the current directory).")},
        nullptr};
    return kSection;
}

/// One component's section and where its struct sits in Config.
struct Part {
    const ConfigSection& (*section)();
    void* (*in)(Config& config);
};

// clang-format off
constexpr std::array<Part, 10> kParts = {{
    {&top_level_section,        [](Config& c) -> void* { return &c; }},
    {&risk_config_section,      [](Config& c) -> void* { return &c.risk; }},
    {&exit_config_section,      [](Config& c) -> void* { return &c.exits; }},
    {&execution_config_section, [](Config& c) -> void* { return &c.execution; }},
    {&prediction_config_section,[](Config& c) -> void* { return &c.prediction; }},
    {&store_config_section,     [](Config& c) -> void* { return &c.store; }},
    {&bus_config_section,       [](Config& c) -> void* { return &c.bus; }},
    {&data_config_section,      [](Config& c) -> void* { return &c.data; }},
    {&logging_config_section,   [](Config& c) -> void* { return &c.logging; }},
    {&scheduler_config_section, [](Config& c) -> void* { return &c.scheduler; }},
}};
// clang-format on

/// One key of the composed configuration.
struct Field {
    std::string key;  // "risk.cooldown_minutes"
    const ConfigField* field;
    void* (*in)(Config&);

    ConfigKind kind() const { return field->kind; }
    void* at(Config& c) const { return field->at(in(c)); }
    const void* at(const Config& c) const { return at(const_cast<Config&>(c)); }
};

const std::vector<Field>& fields() {
    static const std::vector<Field> kFields = [] {
        std::vector<Field> all;
        for (const Part& part : kParts) {
            const ConfigSection& section = part.section();
            for (const ConfigField& f : section.fields) {
                all.push_back(Field{section.key(f), &f, part.in});
            }
        }
        return all;
    }();
    return kFields;
}

const Field* find_field(std::string_view key) {
    for (const auto& f : fields()) {
        if (key == f.key) return &f;
    }
    return nullptr;
}

/// True if some key starts with "prefix." (a section such as "risk").
bool is_section(std::string_view prefix) {
    for (const auto& f : fields()) {
        std::string_view k = f.key;
        if (k.size() > prefix.size() && k.substr(0, prefix.size()) == prefix &&
            k[prefix.size()] == '.') {
            return true;
        }
    }
    return false;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

Error invalid(std::string message) {
    return make_error(ErrorCode::kInvalidArgument, std::move(message));
}

std::string line_of(const YAML::Node& node) {
    const YAML::Mark mark = node.Mark();
    if (mark.line < 0) return "";
    return fmt::format(" (line {})", mark.line + 1);
}

std::string node_text(const YAML::Node& node) {
    if (node.IsScalar()) return node.Scalar();
    if (node.IsSequence()) return "a list";
    if (node.IsMap()) return "a map";
    return "";
}

/// Keys a config file may still hold from an earlier version, with what became of them.
constexpr std::pair<std::string_view, std::string_view> kRemovedKeys[] = {
    {"data.source",
     "it chose nothing: each command names its market data (awet demo --data DIR, awet ingest, "
     "awet agent ingestion --replay or --live)"},
};

Error unknown_key(const std::string& path, const std::string& origin, const YAML::Node& node) {
    for (const auto& [key, why] : kRemovedKeys) {
        if (path == key) {
            return invalid(fmt::format("config key '{}' in {}{} was removed: {}; delete the line",
                                       path, origin, line_of(node), why));
        }
    }
    return invalid(fmt::format("unknown config key '{}' in {}{}", path, origin, line_of(node)));
}

/// Where each key (and each section key of a map) was first set in one YAML document: a key
/// given twice is ambiguous, whichever copy would win.
using FirstSeen = std::map<std::string, int>;  // full key -> 1-based line

Status apply_yaml_node(const YAML::Node& node, const std::string& path, Config& config,
                       const std::string& origin, FirstSeen& seen) {
    const Field* field = path.empty() ? nullptr : find_field(path);
    if (field == nullptr) {
        if (node.IsMap()) {
            if (!path.empty() && !is_section(path)) {
                return unknown_key(path, origin, node);
            }
            FirstSeen here;  // this map's own keys: a repeated section is caught here
            for (const auto& kv : node) {
                if (!kv.first.IsScalar()) {
                    return invalid(
                        fmt::format("config in {}: non-scalar key{}", origin, line_of(kv.first)));
                }
                std::string child =
                    path.empty() ? kv.first.Scalar() : path + "." + kv.first.Scalar();
                const int line = kv.first.Mark().line + 1;
                auto [first, fresh] = here.emplace(kv.first.Scalar(), line);
                if (!fresh) {
                    return invalid(
                        fmt::format("duplicate config key '{}' in {} (line {}; first at line {})",
                                    child, origin, line, first->second));
                }
                if (find_field(child) != nullptr) {
                    // Also across spellings: a dotted "risk.cooldown_minutes" and the nested one.
                    auto [prev, unseen] = seen.emplace(child, line);
                    if (!unseen) {
                        return invalid(fmt::format(
                            "duplicate config key '{}' in {} (line {}; first at line {})", child,
                            origin, line, prev->second));
                    }
                }
                AWET_TRY(apply_yaml_node(kv.second, child, config, origin, seen));
            }
            return Status::Ok();
        }
        if (node.IsNull() && !path.empty() && is_section(path))
            return Status::Ok();  // empty section
        if (path.empty()) {
            if (node.IsNull()) return Status::Ok();  // empty document
            return invalid(
                fmt::format("config in {}: top level must be a map{}", origin, line_of(node)));
        }
        return unknown_key(path, origin, node);
    }

    auto type_error = [&](const std::string& got) {
        return invalid(fmt::format("config key '{}' in {}: expected {}, got '{}'{}", path, origin,
                                   config_expectation(field->kind()), got, line_of(node)));
    };
    auto range_error = [&](const std::string& problem) {
        return invalid(
            fmt::format("config key '{}' in {}: {}{}", path, origin, problem, line_of(node)));
    };
    void* dst = field->at(config);
    if (field->kind() == ConfigKind::kStringList) {
        if (!node.IsSequence()) return type_error(node_text(node));
        std::vector<std::string> items;
        for (const auto& item : node) {
            if (!item.IsScalar()) return type_error("a list of " + node_text(item) + "s");
            items.push_back(item.Scalar());
        }
        *static_cast<std::vector<std::string>*>(dst) = std::move(items);
        return Status::Ok();
    }
    if (!node.IsScalar()) return type_error(node_text(node));
    if (!parse_config_value(field->kind(), node.Scalar(), dst)) {
        if (too_big_for_config_kind(field->kind(), node.Scalar())) {
            if (auto p = config_range_problem(*field->field, nullptr, node.Scalar()))
                return range_error(*p);
        }
        return type_error(node.Scalar());
    }
    if (auto p = config_range_problem(*field->field, dst, node.Scalar())) return range_error(*p);
    return Status::Ok();
}

/// Levenshtein distance (for "did you mean").
size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            const size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diag = up;
        }
    }
    return row[b.size()];
}

std::string closest(std::string_view name, const std::vector<std::string>& candidates) {
    std::string best;
    size_t best_distance = std::string::npos;
    for (const auto& c : candidates) {
        const size_t d = edit_distance(name, c);
        if (d < best_distance) {
            best_distance = d;
            best = c;
        }
    }
    return best;
}

/// Every AWET_* variable in the environment must be a config key or on the allowlist. One that
/// starts like a config section's variables (AWET_EXECUTION_...) but names no key is a typo of a
/// setting the user meant to change (AWET_EXECUTION_DRYRUN=false would leave dry_run as it is):
/// an error. Any other unknown AWET_* variable gets a warning on stderr.
Status check_env_names() {
    std::vector<std::string> keys;
    std::vector<std::string> prefixes = {"AWET_SEED"};
    for (const auto& f : fields()) {
        keys.push_back(config_env_var(f.key));
        std::string_view k = f.key;
        if (const size_t dot = k.find('.'); dot != std::string_view::npos) {
            std::string prefix = config_env_var(std::string(k.substr(0, dot))) + "_";
            if (std::find(prefixes.begin(), prefixes.end(), prefix) == prefixes.end()) {
                prefixes.push_back(std::move(prefix));
            }
        }
    }
    const std::vector<std::string>& allowed = non_config_env_vars();
    std::vector<std::string> names;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        std::string_view entry(*e);
        std::string_view name = entry.substr(0, entry.find('='));
        if (name.substr(0, 5) != "AWET_") continue;
        if (std::find(keys.begin(), keys.end(), name) != keys.end()) continue;
        if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) continue;
        names.emplace_back(name);
    }
    std::sort(names.begin(), names.end());
    std::string errors;
    for (const auto& name : names) {
        const bool in_section = std::any_of(prefixes.begin(), prefixes.end(), [&](const auto& p) {
            return name.compare(0, p.size(), p) == 0;
        });
        if (in_section) {
            if (!errors.empty()) errors += "; ";
            errors += fmt::format("environment variable {} is not a config key (did you mean {}?)",
                                  name, closest(name, keys));
        } else {
            std::vector<std::string> known = keys;
            known.insert(known.end(), allowed.begin(), allowed.end());
            fmt::print(stderr,
                       "awet: WARNING: environment variable {} is neither a config key nor a "
                       "variable AWET reads; it is ignored (did you mean {}?)\n",
                       name, closest(name, known));
        }
    }
    if (!errors.empty()) return invalid(std::move(errors));
    return Status::Ok();
}

Status apply_env(Config& config) {
    AWET_TRY(check_env_names());
    for (const auto& f : fields()) {
        std::string var = config_env_var(f.key);
        const char* value = std::getenv(var.c_str());
        if (value == nullptr) continue;
        std::string_view text =
            f.kind() == ConfigKind::kString ? std::string_view(value) : trim(value);
        void* dst = f.at(config);
        const bool parsed = parse_config_value(f.kind(), text, dst);
        std::optional<std::string> problem;
        if (parsed) {
            problem = config_range_problem(*f.field, dst, text);
        } else if (too_big_for_config_kind(f.kind(), text)) {
            problem = config_range_problem(*f.field, nullptr, text);
        }
        if (problem) {
            return invalid(
                fmt::format("environment variable {} (config key '{}'): {}", var, f.key, *problem));
        }
        if (!parsed) {
            return invalid(
                fmt::format("environment variable {} (config key '{}'): expected {}, got '{}'", var,
                            f.key, config_expectation(f.kind()), value));
        }
    }
    return Status::Ok();
}

/// Every relative path key resolved against home, itself resolved first (see Config::home).
/// `file_dir` is the config file's folder, absolute (empty without a file).
void resolve_paths(Config& config, const std::filesystem::path& file_dir) {
    namespace fs = std::filesystem;
    fs::path home(config.home);
    if (home.empty()) {
        home = file_dir;
    } else if (home.is_relative() && std::getenv("AWET_HOME") == nullptr && !file_dir.empty()) {
        home = file_dir / home;
    }
    if (home.empty()) return;
    home = home.lexically_normal();
    if (!home.has_filename() && home.has_parent_path()) home = home.parent_path();
    config.home = home.string();
    for (const auto& f : fields()) {
        if (!f.field->path || f.key == "home") continue;
        auto* value = static_cast<std::string*>(f.at(config));
        *value = resolve_config_path(config, *value);
    }
}

Result<Config> finish(Config config, const std::string& origin,
                      const std::filesystem::path& file_dir = {}) {
    AWET_TRY(apply_env(config));
    resolve_paths(config, file_dir);
    Status s = validate(config);
    if (!s.ok()) {
        return invalid(
            fmt::format("{} (config from {} and AWET_* environment)", s.error().message, origin));
    }
    return config;
}

Result<Config> load_yaml(const std::string& yaml, const std::string& origin,
                         const std::filesystem::path& file_dir = {}) {
    Config config;
    YAML::Node root;
    try {
        root = YAML::Load(yaml);
    } catch (const YAML::Exception& e) {
        return make_error(ErrorCode::kParse,
                          fmt::format("config {}: YAML syntax error at line {}, column {}: {}",
                                      origin, e.mark.line + 1, e.mark.column + 1, e.msg));
    }
    try {
        FirstSeen seen;
        AWET_TRY(apply_yaml_node(root, "", config, origin, seen));
    } catch (const YAML::Exception& e) {
        return make_error(ErrorCode::kParse,
                          fmt::format("config {}: {} (line {})", origin, e.msg, e.mark.line + 1));
    }
    return finish(std::move(config), origin, file_dir);
}

}  // namespace

const std::vector<ConfigKey>& config_keys() {
    static const std::vector<ConfigKey> kKeys = [] {
        const Config defaults;
        std::vector<ConfigKey> keys;
        for (const auto& f : fields()) {
            keys.push_back(ConfigKey{
                f.key, render_config_value(f.kind(), f.at(defaults)), f.field->description,
                f.field->range.set ? render_config_range(f.field->range) : std::string()});
        }
        return keys;
    }();
    return kKeys;
}

const std::vector<std::string>& non_config_env_vars() {
    static const std::vector<std::string> kVars = {
        "AWET_SCHEMA_DIR",             // Avro schema catalogue (model/avro)
        "AWET_TFT_MODULE",             // TFT forecaster shared library (ml)
        "AWET_API_TOKEN",              // service HTTP API bearer token
        "AWET_VENUE_TOKEN",            // simulated venue token
        "AWET_RUN_DIR",                // run directory of the local stack
        "AWET_PORT_BASE",              // scripts/awet_start.sh: agent ports
        "AWET_BIN",                    // scripts/awet_start.sh: the awet binary
        "AWET_REPLAY_EXIT_WHEN_DONE",  // scripts/awet_start.sh: ingestion exits after the replay
        "AWET_CRASH_AT",               // crash-consistency tests: kill at a crash point (core)
    };
    return kVars;
}

std::string config_env_var(const std::string& key) {
    std::string var = "AWET_";
    for (char c : key) {
        var += (c == '.') ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return var;
}

Result<Config> load_config(const std::string& path) {
    if (path.empty()) return finish(Config{}, "defaults");
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(ErrorCode::kIo, fmt::format("cannot open config file '{}'", path));
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad())
        return make_error(ErrorCode::kIo, fmt::format("cannot read config file '{}'", path));
    std::error_code ec;
    const auto file = std::filesystem::absolute(path, ec);
    return load_yaml(text.str(), path, ec ? std::filesystem::path() : file.parent_path());
}

std::string resolve_config_path(const Config& config, const std::string& path) {
    if (config.home.empty() || path.empty() || std::filesystem::path(path).is_absolute())
        return path;
    return (std::filesystem::path(config.home) / path).lexically_normal().string();
}

Result<Config> load_config_from_string(const std::string& yaml, const std::string& origin) {
    return load_yaml(yaml, origin);
}

Status validate(const Config& c) {
    std::vector<std::string> problems;
    // Every numeric key against its range (the section's; the same check YAML and env values get).
    for (const auto& f : fields()) {
        if (auto p =
                config_range_problem(*f.field, f.at(c), render_config_value(f.kind(), f.at(c)))) {
            problems.push_back(fmt::format("config key '{}': {}", f.key, *p));
        }
    }
    // Then each section's rules across its keys.
    for (const Part& part : kParts) {
        const ConfigSection& section = part.section();
        if (section.check == nullptr) continue;
        ConfigChecker checker(section.name);
        section.check(part.in(const_cast<Config&>(c)), checker);
        problems.insert(problems.end(), checker.problems().begin(), checker.problems().end());
    }
    if (problems.empty()) return Status::Ok();
    std::string message = problems.front();
    for (size_t i = 1; i < problems.size(); ++i) message += "; " + problems[i];
    return invalid(std::move(message));
}

}  // namespace awet
