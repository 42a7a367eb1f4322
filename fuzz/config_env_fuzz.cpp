// AWET_* environment overrides (src/core/config.hpp): load_config applies them over the defaults.
// The input is lines `NAME=VALUE`; NAME with a dot is a config key ("risk.cooldown_minutes" ->
// AWET_RISK_COOLDOWN_MINUTES), otherwise it is taken as AWET_<NAME> (typos, unknown names, names
// that look like a section's). Every variable set is removed again after the run.
// Oracle: an accepted configuration passes validate().
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "awet/config/config.hpp"
#include "fuzz_support.hpp"

extern char** environ;

namespace {

void unset_awet_vars() {
    std::vector<std::string> names;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        if (std::strncmp(*e, "AWET_", 5) == 0) {
            const char* eq = std::strchr(*e, '=');
            names.emplace_back(*e, eq != nullptr ? static_cast<size_t>(eq - *e) : std::strlen(*e));
        }
    }
    for (const auto& n : names) unsetenv(n.c_str());
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    awet::fuzz::quiet_logs();
    unset_awet_vars();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text = awet::fuzz::as_text(data, size);
    int set = 0;
    while (!text.empty() && set < 32) {
        const size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        const size_t eq = line.find('=');
        if (eq == std::string_view::npos || eq == 0) continue;
        std::string name(line.substr(0, eq));
        std::string value(line.substr(eq + 1));
        // The environment cannot hold a NUL; a name cannot hold '='.
        if (name.find('\0') != std::string::npos || value.find('\0') != std::string::npos) continue;
        if (name.find('.') != std::string::npos) {
            name = awet::config_env_var(name);
        } else if (name.rfind("AWET_", 0) != 0) {
            name = "AWET_" + name;
        }
        if (setenv(name.c_str(), value.c_str(), 1) == 0) ++set;
    }
    auto config = awet::load_config("");
    if (config.ok()) AWET_FUZZ_EXPECT(awet::validate(*config).ok());
    unset_awet_vars();
    return 0;
}
