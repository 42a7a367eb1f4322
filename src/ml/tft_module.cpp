#include "awet/ml/tft_module.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>

namespace awet {

namespace {

namespace fs = std::filesystem;

/// The module's one exported entry point (module.cpp): a process-lifetime TftModule.
using EntryPoint = TftModule* (*)();
constexpr const char* kEntryPoint = "awet_tft_module_v1";

std::vector<std::string> candidate_paths() {
    std::vector<std::string> out;
    if (const char* env = std::getenv("AWET_TFT_MODULE"); env != nullptr && *env != '\0') {
        out.emplace_back(env);
        return out;  // an explicit choice: no fallbacks that could hide a typo
    }
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        out.push_back((exe.parent_path() / "libawet_tft.so").string());
        out.push_back((exe.parent_path().parent_path() / "lib" / "libawet_tft.so").string());
    }
#ifdef AWET_TFT_BUILD_PATH
    out.emplace_back(AWET_TFT_BUILD_PATH);
#endif
    return out;
}

Result<TftModule*> open_module() {
    std::string tried;
    for (const auto& path : candidate_paths()) {
        if (!fs::exists(path)) {
            tried += "\n  " + path + " (not found)";
            continue;
        }
        void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (handle == nullptr) {
            const char* why = dlerror();
            tried += "\n  " + path + " (" + (why != nullptr ? why : "dlopen failed") + ")";
            continue;
        }
        auto entry = reinterpret_cast<EntryPoint>(dlsym(handle, kEntryPoint));
        if (entry == nullptr) {
            tried += "\n  " + path + " (no symbol " + kEntryPoint + ")";
            dlclose(handle);
            continue;
        }
        return entry();  // the handle stays open for the life of the process
    }
    return make_error(ErrorCode::kNotFound,
                      "cannot load the TFT module libawet_tft.so (set AWET_TFT_MODULE to its "
                      "path); tried:" +
                          tried);
}

}  // namespace

Result<TftModule*> load_tft_module() {
    static std::mutex mutex;
    static std::optional<Result<TftModule*>> loaded;
    std::lock_guard<std::mutex> lock(mutex);
    if (!loaded) loaded = open_module();
    return *loaded;
}

Error on_one_line(Error error) {
    for (auto& c : error.message) {
        if (c == '\n') c = ' ';
    }
    return error;
}

}  // namespace awet
