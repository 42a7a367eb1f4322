// The driver of the fuzz smoke tests (ctest fuzz_smoke_<name>): the same LLVMFuzzerTestOneInput as
// the libFuzzer build, fed (1) every file of the seed folders given on the command line, whole,
// and (2) --runs inputs made by mutating windows of those files with a seeded generator, so that
// every run sees the same inputs. A crash, a sanitizer report or a failed oracle fails the test;
// the input that did it is written to fuzz-smoke-crash.bin in the working directory.
//
//   fuzz_smoke_<name> [--runs N] [--seed S] [--max-len L] PATH...
//
// A PATH that does not exist is skipped with a note (../shared/data may be absent); at least one
// seed file must be found.
#include <signal.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"

extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);
// From the sanitizer runtime when linked with -fsanitize=address/undefined (the test-asan build).
extern "C" __attribute__((weak)) void __sanitizer_set_death_callback(void (*callback)(void));

namespace {

namespace fs = std::filesystem;

std::string g_current;  // the input being run, saved by the abort handler

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_current() {
    std::FILE* f = std::fopen("fuzz-smoke-crash.bin", "wb");
    if (f != nullptr) {
        std::fwrite(g_current.data(), 1, g_current.size(), f);
        std::fclose(f);
        std::fprintf(stderr,
                     "fuzz smoke: the failing input (%zu bytes) is in fuzz-smoke-crash.bin\n",
                     g_current.size());
    }
}

void save_current(int sig) {
    write_current();
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

void run_one(const std::string& input) {
    g_current = input;
    // A copy of exactly the input's size, so that a read past the end is a sanitizer report.
    std::vector<uint8_t> bytes(input.begin(), input.end());
    LLVMFuzzerTestOneInput(bytes.empty() ? nullptr : bytes.data(), bytes.size());
}

// Tokens that decoders of text formats treat specially: numbers at and past the limits of their
// types, JSON/YAML/CSV punctuation, words.
constexpr std::array<std::string_view, 34> kTokens = {"0",
                                                      "-1",
                                                      "1e400",
                                                      "-1e400",
                                                      "1e-400",
                                                      "9223372036854775807",
                                                      "9223372036854775808",
                                                      "-9223372036854775809",
                                                      "18446744073709551616",
                                                      "4294967296",
                                                      "0.0000001",
                                                      "999999999999.999999",
                                                      "NaN",
                                                      "nan",
                                                      "inf",
                                                      "-inf",
                                                      "null",
                                                      "true",
                                                      "false",
                                                      "\"\"",
                                                      "{}",
                                                      "[]",
                                                      "[",
                                                      "]",
                                                      "{",
                                                      "}",
                                                      ",",
                                                      ":",
                                                      "\"",
                                                      "\n",
                                                      "\r\n",
                                                      "\\u0000",
                                                      "1970-01-01T00:00:00Z",
                                                      "9999-12-31T23:59:59.999999999Z"};

class Mutator {
public:
    explicit Mutator(uint64_t seed) : rng_(seed) {}

    size_t below(size_t n) {
        return n == 0 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(rng_);
    }

    std::string mutate(const std::vector<std::string>& corpus, size_t max_len) {
        const std::string& base = corpus[below(corpus.size())];
        // A window of the seed: its start (where headers and opening brackets are) most often.
        size_t start = below(4) == 0 ? below(base.size() + 1) : 0;
        std::string s = base.substr(start, std::min(max_len, base.size() - start));
        const size_t edits = 1 + below(8);
        for (size_t e = 0; e < edits; ++e) edit(s, corpus);
        if (s.size() > max_len) s.resize(max_len);
        return s;
    }

private:
    void edit(std::string& s, const std::vector<std::string>& corpus) {
        const size_t pos = below(s.size() + 1);
        switch (below(8)) {
            case 0:  // flip a bit
                if (!s.empty()) s[below(s.size())] ^= static_cast<char>(1U << below(8));
                break;
            case 1:  // a random byte
                if (!s.empty()) s[below(s.size())] = static_cast<char>(below(256));
                break;
            case 2:  // insert a token
                s.insert(pos, kTokens[below(kTokens.size())]);
                break;
            case 3:  // replace a run of digits/letters with a token
            {
                size_t end = pos;
                while (end < s.size() && std::isalnum(static_cast<unsigned char>(s[end]))) ++end;
                s.replace(pos, end - pos, kTokens[below(kTokens.size())]);
                break;
            }
            case 4:  // erase a range
                s.erase(pos, below(std::min<size_t>(s.size() - pos, 64) + 1));
                break;
            case 5:  // duplicate a range (deeper nesting, repeated rows)
            {
                const size_t len = below(std::min<size_t>(s.size() - pos, 256) + 1);
                s.insert(pos, s.substr(pos, len));
                break;
            }
            case 6:  // splice in part of another seed
            {
                const std::string& other = corpus[below(corpus.size())];
                const size_t from = below(other.size() + 1);
                s.insert(pos,
                         other.substr(from, below(std::min<size_t>(other.size() - from, 512) + 1)));
                break;
            }
            default:  // truncate
                s.resize(pos);
                break;
        }
    }

    std::mt19937_64 rng_;
};

}  // namespace

int main(int argc, char** argv) {
    size_t runs = 1000;
    uint64_t seed = 1;
    size_t max_len = 4096;
    std::vector<fs::path> paths;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "--runs" && i + 1 < argc) {
            runs = std::strtoull(argv[++i], nullptr, 10);
        } else if (a == "--seed" && i + 1 < argc) {
            seed = std::strtoull(argv[++i], nullptr, 10);
        } else if (a == "--max-len" && i + 1 < argc) {
            max_len = std::strtoull(argv[++i], nullptr, 10);
        } else {
            paths.emplace_back(a);
        }
    }
    if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
    // A failed oracle aborts. Under a sanitizer its runtime reports crashes and calls us back;
    // without one (the plain GCC build) a crash signal saves the input, on its own stack so that
    // a stack overflow can be reported too.
    std::signal(SIGABRT, save_current);
    if (__sanitizer_set_death_callback != nullptr) {
        __sanitizer_set_death_callback(write_current);
    } else {
        static std::vector<char> alt_stack(1 << 16);
        stack_t ss{};
        ss.ss_sp = alt_stack.data();
        ss.ss_size = alt_stack.size();
        sigaltstack(&ss, nullptr);
        struct sigaction sa {};
        sa.sa_handler = save_current;
        sa.sa_flags = SA_ONSTACK | SA_RESETHAND;
        for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL}) sigaction(sig, &sa, nullptr);
    }

    std::vector<fs::path> files;
    for (const auto& p : paths) {
        std::error_code ec;
        if (fs::is_directory(p, ec)) {
            for (const auto& e : fs::recursive_directory_iterator(p, ec)) {
                if (e.is_regular_file()) files.push_back(e.path());
            }
        } else if (fs::is_regular_file(p, ec)) {
            files.push_back(p);
        } else {
            std::fprintf(stderr, "fuzz smoke: %s not found, skipped\n", p.c_str());
        }
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) {
        std::fprintf(stderr, "fuzz smoke: no seed files\n");
        return 2;
    }

    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::string> corpus;
    size_t bytes = 0;
    for (const auto& f : files) {
        corpus.push_back(read_file(f));
        bytes += corpus.back().size();
        run_one(corpus.back());
    }
    Mutator m(seed);
    for (size_t i = 0; i < runs; ++i) run_one(m.mutate(corpus, max_len));
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf(
        "fuzz smoke: %zu seed files (%zu bytes) and %zu mutated inputs in %.2f s, no crash\n",
        files.size(), bytes, runs, s);
    return 0;
}
