#include "common/machine.hpp"

#include <omp.h>
#include <unistd.h>

#include <attnkit/version.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "attnkit_bench_build_info.hpp"

extern char** environ;

namespace attnkit_bench {
namespace {

std::string first_line(const std::string& path) {
    std::ifstream f(path);
    std::string line;
    std::getline(f, line);
    return line;
}

// "value" of the first "key : value" line of /proc/cpuinfo.
std::string cpuinfo_field(const std::string& key) {
    std::ifstream f("/proc/cpuinfo");
    std::string line;
    while (std::getline(f, line)) {
        if (line.compare(0, key.size(), key) != 0) continue;
        const std::size_t colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::size_t start = colon + 1;
        while (start < line.size() && line[start] == ' ') ++start;
        return line.substr(start);
    }
    return "";
}

// The SIMD flags that matter to attnkit's kernels, as the kernel reports them.
std::string simd_flags() {
    const std::string flags = " " + cpuinfo_field("flags") + " ";
    std::string out;
    for (const char* wanted : {"sse2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl",
                               "avx512_fp16", "amx_tile"})
        if (flags.find(std::string(" ") + wanted + " ") != std::string::npos)
            out += (out.empty() ? "" : " ") + std::string(wanted);
    return out.empty() ? "unknown" : out;
}

// The first three fields of /proc/loadavg (1, 5 and 15 minutes).
std::string load_averages() {
    std::istringstream f(first_line("/proc/loadavg"));
    std::string one, five, fifteen;
    if (!(f >> one >> five >> fifteen)) return "unknown";
    return one + " " + five + " " + fifteen;
}

// Cache sizes of cpu0 from sysfs: "L1d 48K, L2 2048K, L3 107520K".
std::string cache_sizes() {
    std::string out;
    for (int index = 0; index < 8; ++index) {
        const std::string dir = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index) + "/";
        const std::string level = first_line(dir + "level"), type = first_line(dir + "type"),
                          size = first_line(dir + "size");
        if (level.empty() || size.empty() || type == "Instruction") continue;
        out += (out.empty() ? "" : ", ") + std::string("L") + level + (type == "Data" ? "d" : "") + " " + size;
    }
    return out.empty() ? "unknown" : out;
}

// OMP_*, GOMP_*, KMP_* and the BLAS thread variables, as set.
std::string thread_environment() {
    std::string out;
    for (char** e = environ; e && *e; ++e) {
        const std::string var = *e;
        for (const char* prefix : {"OMP_", "GOMP_", "KMP_", "OPENBLAS_", "MKL_NUM_THREADS", "ATTNKIT_"})
            if (var.compare(0, std::char_traits<char>::length(prefix), prefix) == 0) {
                out += (out.empty() ? "" : " ") + var;
                break;
            }
    }
    return out.empty() ? "none" : out;
}

}  // namespace

std::string cpu_model() {
    const std::string m = cpuinfo_field("model name");
    return m.empty() ? "unknown" : m;
}

std::string git_commit() { return ATTNKIT_BENCH_GIT_COMMIT; }
bool git_dirty() { return std::string(ATTNKIT_BENCH_GIT_DIRTY) == "true"; }
std::string build_flags() { return std::string(ATTNKIT_BENCH_CXX_FLAGS) + " (" + ATTNKIT_BENCH_BUILD_TYPE + ")"; }

std::string compiler() {
#if defined(__clang__)
    return "Clang " + std::to_string(__clang_major__) + "." + std::to_string(__clang_minor__) + "." +
           std::to_string(__clang_patchlevel__);
#elif defined(__GNUC__)
    return "GCC " + std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) + "." +
           std::to_string(__GNUC_PATCHLEVEL__);
#else
    return "unknown";
#endif
}

std::size_t last_level_cache_bytes() {
    long best = 0;
#ifdef _SC_LEVEL3_CACHE_SIZE
    best = std::max(best, sysconf(_SC_LEVEL3_CACHE_SIZE));
#endif
#ifdef _SC_LEVEL2_CACHE_SIZE
    best = std::max(best, sysconf(_SC_LEVEL2_CACHE_SIZE));
#endif
    for (int index = 0; index < 8; ++index) {
        std::ifstream f("/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index) + "/size");
        long value = 0;
        std::string unit;
        if (!(f >> value)) continue;
        f >> unit;
        if (unit == "K") value <<= 10;
        if (unit == "M") value <<= 20;
        best = std::max(best, value);
    }
    return static_cast<std::size_t>(std::max(best, 0L));
}

double load_average_1min() {
    double load = -1;
    std::ifstream f("/proc/loadavg");
    if (!(f >> load)) return -1;
    return load;
}

facts machine_facts() {
    facts all;
    all.emplace_back("cpu_model", cpu_model());
    all.emplace_back("cpu_simd_flags", simd_flags());
    all.emplace_back("hardware_concurrency", std::to_string(std::thread::hardware_concurrency()));
    all.emplace_back("omp_num_procs", std::to_string(omp_get_num_procs()));
    all.emplace_back("omp_max_threads", std::to_string(omp_get_max_threads()));
    all.emplace_back("caches", cache_sizes());
    const std::string governor = first_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
    all.emplace_back("governor", governor.empty() ? "unknown" : governor);
    all.emplace_back("load_average", load_averages());
    all.emplace_back("attnkit_version", std::to_string(ATTNKIT_VERSION_MAJOR) + "." +
                                            std::to_string(ATTNKIT_VERSION_MINOR) + "." +
                                            std::to_string(ATTNKIT_VERSION_PATCH));
    all.emplace_back("git_commit", git_commit());
    all.emplace_back("git_dirty", ATTNKIT_BENCH_GIT_DIRTY);
    all.emplace_back("compiler", compiler());
    all.emplace_back("build_flags", build_flags());
    all.emplace_back("thread_environment", thread_environment());
    return all;
}

std::string fact(const facts& all, const std::string& name) {
    for (const auto& [key, value] : all)
        if (key == name) return value;
    return "";
}

std::string json_escape(const std::string& s) {
    std::string out;
    for (const char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += c;
                }
        }
    }
    return out;
}

std::string facts_json(const facts& all) {
    std::string out = "{";
    for (std::size_t i = 0; i < all.size(); ++i)
        out += (i ? ", \"" : "\"") + json_escape(all[i].first) + "\": \"" + json_escape(all[i].second) + "\"";
    return out + "}";
}

}  // namespace attnkit_bench
