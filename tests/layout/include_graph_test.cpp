// The house rules of the layout, checked on the sources: components form layers in the order of
// the top-level CMakeLists.txt (each may use only those before it, so there is no cycle and no
// upward arrow), in their #includes and in their CMake dependencies alike; and every driver
// header stays inside its backend target (torch inside src/ml/tft).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
const fs::path kRoot = AWET_SOURCE_DIR;

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

/// The component list of `foreach(component ...)` in CMakeLists.txt, lowest first; model_avro
/// (src/model/avro) sits right above model, tft (src/ml/tft) right above ml.
std::vector<std::string> layers() {
    const std::string cmake = slurp(kRoot / "CMakeLists.txt");
    std::smatch m;
    EXPECT_TRUE(std::regex_search(cmake, m, std::regex(R"(foreach\(component([^)]*)\))")));
    std::vector<std::string> out;
    std::istringstream words(m[1].str());
    for (std::string w; words >> w;) {
        out.push_back(w);
        if (w == "model") out.push_back("model_avro");
        if (w == "ml") out.push_back("tft");
    }
    return out;
}

/// The component a source file belongs to ("" for apps/).
std::string component_of(const fs::path& rel) {
    auto it = rel.begin();
    if (it == rel.end() || *it != "src") return "";
    const std::string top = (++it)->string();
    const std::string next = std::next(it) != rel.end() ? std::next(it)->string() : "";
    if (top == "model" && next == "avro") return "model_avro";
    if (top == "ml" && next == "tft") return "tft";
    return top;
}

struct Source {
    fs::path rel;
    std::string text;
};

std::vector<Source> sources(const std::vector<std::string>& dirs) {
    std::vector<Source> out;
    for (const std::string& d : dirs) {
        for (const auto& e : fs::recursive_directory_iterator(kRoot / d)) {
            const std::string ext = e.path().extension().string();
            if (ext != ".cpp" && ext != ".hpp") continue;
            out.push_back({fs::relative(e.path(), kRoot), slurp(e.path())});
        }
    }
    return out;
}

TEST(Layout, NoComponentIncludesOneAboveIt) {
    const auto order = layers();
    ASSERT_GT(order.size(), 10U);
    const auto rank = [&](const std::string& c) {
        return static_cast<int>(std::find(order.begin(), order.end(), c) - order.begin());
    };
    const std::regex include(R"re(#include\s+"awet/([a-z_]+)/)re");
    int checked = 0;
    for (const Source& s : sources({"src"})) {
        const std::string own = component_of(s.rel);
        ASSERT_LT(rank(own), static_cast<int>(order.size())) << s.rel << ": component not listed";
        for (std::sregex_iterator it(s.text.begin(), s.text.end(), include), end; it != end; ++it) {
            const std::string used = (*it)[1].str();
            ++checked;
            EXPECT_LE(rank(used), rank(own)) << s.rel << " includes awet/" << used << "/";
        }
    }
    EXPECT_GT(checked, 300);
}

TEST(Layout, NoCMakeDependencyPointsUp) {
    const auto order = layers();
    const auto rank = [&](const std::string& c) {
        return static_cast<int>(std::find(order.begin(), order.end(), c) - order.begin());
    };
    const std::regex name(R"(awet_library\(NAME\s+([a-z_]+))");
    const std::regex dep(R"(awet::([a-z_]+))");
    int checked = 0;
    for (const auto& e : fs::recursive_directory_iterator(kRoot / "src")) {
        if (e.path().filename() != "CMakeLists.txt") continue;
        const std::string text = slurp(e.path());
        std::smatch m;
        if (!std::regex_search(text, m, name)) continue;
        const std::string own = m[1].str();
        ASSERT_LT(rank(own), static_cast<int>(order.size())) << own << ": not in the layer list";
        for (std::sregex_iterator it(text.begin(), text.end(), dep), end; it != end; ++it) {
            ++checked;
            EXPECT_LT(rank((*it)[1].str()), rank(own)) << own << " depends on " << (*it)[0];
        }
    }
    EXPECT_GT(checked, 30);
}

TEST(Layout, DriverHeadersStayInTheirBackendTarget) {
    // driver header prefix -> the only component that may include it
    const std::map<std::string, std::string> owner = {{"sqlite3.h", "store_sqlite"},
                                                      {"pqxx/", "store_postgres"},
                                                      {"libpq-fe.h", "store_postgres"},
                                                      {"librdkafka/", "bus_kafka"},
                                                      {"hiredis/", "risk_redis"},
                                                      {"torch/", "tft"},
                                                      {"ATen/", "tft"},
                                                      {"avro.h", "model_avro"}};
    const std::regex include(R"(#include\s+<([^>]+)>)");
    for (const Source& s : sources({"src", "apps"})) {
        const std::string own = component_of(s.rel);
        for (std::sregex_iterator it(s.text.begin(), s.text.end(), include), end; it != end; ++it) {
            const std::string header = (*it)[1].str();
            for (const auto& [prefix, allowed] : owner) {
                if (header.rfind(prefix, 0) == 0) {
                    EXPECT_EQ(own, allowed) << s.rel << " includes <" << header << ">";
                }
            }
        }
    }
}

}  // namespace
