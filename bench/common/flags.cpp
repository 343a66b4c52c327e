#include "common/flags.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <stdexcept>

namespace attnkit_bench {

int all_threads() { return std::max(1, omp_get_num_procs()); }

long parse_count(const std::string& text, const std::string& what, long lo, long hi) {
    char* end = nullptr;
    const long n = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || n < lo || n > hi)
        throw std::invalid_argument("bad number '" + text + "' in " + what + " (want " + std::to_string(lo) +
                                    " to " + std::to_string(hi) + ")");
    return n;
}

double parse_positive(const std::string& text, const std::string& what) {
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !(v > 0) || !std::isfinite(v))
        throw std::invalid_argument("bad value '" + text + "' in " + what + " (want a positive number)");
    return v;
}

namespace {
std::vector<std::string> split_commas(const std::string& list) {
    std::vector<std::string> items;
    std::size_t pos = 0;
    while (true) {
        const std::size_t comma = list.find(',', pos);
        items.push_back(list.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos));
        if (comma == std::string::npos) return items;
        pos = comma + 1;
    }
}
}  // namespace

std::vector<int> parse_thread_list(const std::string& list, const std::string& what) {
    std::vector<int> out;
    for (const std::string& item : split_commas(list))
        out.push_back(item == "all" ? all_threads() : static_cast<int>(parse_count(item, what, 1, 4096)));
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

std::vector<std::pair<std::string, std::string>> parse_assignments(const std::string& list, const std::string& what) {
    std::vector<std::pair<std::string, std::string>> out;
    if (list.empty()) return out;
    for (const std::string& item : split_commas(list)) {
        const std::size_t equals = item.find('=');
        if (equals == std::string::npos || equals == 0)
            throw std::invalid_argument("bad item '" + item + "' in " + what + " (want name=value)");
        out.emplace_back(item.substr(0, equals), item.substr(equals + 1));
    }
    return out;
}

std::vector<std::pair<std::string, std::string>> take_flags(int* argc, char** argv, const std::string& prefix) {
    std::vector<std::pair<std::string, std::string>> taken;
    int kept = 1;
    for (int i = 1; i < *argc; ++i) {
        const std::string a = argv[i];
        if (a.compare(0, prefix.size(), prefix) == 0) {
            const std::size_t equals = a.find('=');
            taken.emplace_back(a.substr(prefix.size(), equals == std::string::npos ? std::string::npos
                                                                                    : equals - prefix.size()),
                               equals == std::string::npos ? std::string() : a.substr(equals + 1));
        } else {
            argv[kept++] = argv[i];
        }
    }
    *argc = kept;
    argv[kept] = nullptr;
    return taken;
}

}  // namespace attnkit_bench
