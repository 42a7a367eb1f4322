// Configuration YAML (src/core/config.hpp): load_config_from_string, what `--config FILE` reads.
// Oracle: a configuration it accepts passes validate() (load_config promises a validated config).
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "awet/config/config.hpp"
#include "fuzz_support.hpp"

extern char** environ;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    awet::fuzz::quiet_logs();
    // Only the input decides: no AWET_* override from the environment the fuzzer runs in.
    std::vector<std::string> names;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        if (std::strncmp(*e, "AWET_", 5) == 0) {
            const char* eq = std::strchr(*e, '=');
            names.emplace_back(*e, eq != nullptr ? static_cast<size_t>(eq - *e) : std::strlen(*e));
        }
    }
    for (const auto& n : names) unsetenv(n.c_str());
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string yaml(awet::fuzz::as_text(data, size));
    auto config = awet::load_config_from_string(yaml, "fuzz.yaml");
    if (config.ok()) AWET_FUZZ_EXPECT(awet::validate(*config).ok());
    return 0;
}
