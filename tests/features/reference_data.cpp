#include "reference_data.hpp"

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "awet_test_support.hpp"

namespace awet::testing {

namespace {
std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::string cur;
    std::istringstream in(s);
    while (std::getline(in, cur, sep)) out.push_back(cur);
    if (!s.empty() && s.back() == sep) out.emplace_back();
    return out;
}
std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\r' || s.back() == ' ')) s.pop_back();
    while (!s.empty() && s.front() == ' ') s.erase(s.begin());
    return s;
}
}  // namespace

std::vector<std::vector<double>> tulip_case(const std::string& file, const std::string& header) {
    std::ifstream in(shared_data() / "reference/tulipindicators/tests" / file);
    std::string line;
    bool found = false;
    std::vector<std::vector<double>> arrays;
    while (std::getline(in, line)) {
        line = trim(line);
        if (!found) {
            found = line == header;
            continue;
        }
        if (line.empty()) {
            if (!arrays.empty()) break;
            continue;
        }
        if (line[0] == '#') continue;
        if (line[0] != '{') break;
        std::vector<double> values;
        for (const std::string& tok : split(line.substr(1, line.find('}') - 1), ',')) {
            values.push_back(std::stod(tok));
        }
        arrays.push_back(values);
    }
    return arrays;
}

std::vector<double> csv_column(const std::string& path, const std::string& column) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    const auto names = split(trim(line), ',');
    size_t col = names.size();
    for (size_t i = 0; i < names.size(); ++i) {
        if (names[i] == column) col = i;
    }
    std::vector<double> out;
    if (col == names.size()) return out;
    while (std::getline(in, line)) {
        line = trim(line);
        if (line.empty()) continue;
        const auto cells = split(line, ',');
        out.push_back(col < cells.size() && !cells[col].empty()
                          ? std::stod(cells[col])
                          : std::numeric_limits<double>::quiet_NaN());
    }
    return out;
}

}  // namespace awet::testing
