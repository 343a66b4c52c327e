// attnkit: what compiled this program and what CPU it runs on, as wisdom keys
// name them (docs/wisdom.md): tuning results are only trusted where both match.
#pragma once

#include <fstream>
#include <string>

#if (defined(__x86_64__) || defined(__i386__)) && defined(__has_include)
#if __has_include(<cpuid.h>)
#include <cpuid.h>
#define ATTNKIT_HAVE_CPUID_H 1
#endif
#endif

namespace attnkit {
namespace detail {

#define ATTNKIT_STRINGIFY_DETAIL(x) #x
#define ATTNKIT_STRINGIFY(x) ATTNKIT_STRINGIFY_DETAIL(x)

// "GCC 12.2.0", "Clang 14.0.6", from the compiler's predefined macros. (Clang
// defines __GNUC__ too, so it is asked first.)
inline constexpr const char* compiler_text() noexcept {
#if defined(__clang__)
    return "Clang " ATTNKIT_STRINGIFY(__clang_major__) "." ATTNKIT_STRINGIFY(__clang_minor__) "." ATTNKIT_STRINGIFY(
        __clang_patchlevel__);
#elif defined(__GNUC__)
    return "GCC " ATTNKIT_STRINGIFY(__GNUC__) "." ATTNKIT_STRINGIFY(__GNUC_MINOR__) "." ATTNKIT_STRINGIFY(
        __GNUC_PATCHLEVEL__);
#elif defined(_MSC_VER)
    return "MSVC " ATTNKIT_STRINGIFY(_MSC_FULL_VER);
#else
    return "unknown";
#endif
}

#undef ATTNKIT_STRINGIFY
#undef ATTNKIT_STRINGIFY_DETAIL

// Leading and trailing blanks removed (brand strings are padded with spaces).
inline std::string trimmed(const std::string& s) {
    const auto first = s.find_first_not_of(" \t");
    if (first == std::string::npos) return {};
    return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

// The brand string of CPUID's leaves 0x80000002-0x80000004 (x86), empty where
// there is none.
inline std::string cpuid_brand() {
#if defined(ATTNKIT_HAVE_CPUID_H)
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (__get_cpuid(0x80000000U, &eax, &ebx, &ecx, &edx) == 0 || eax < 0x80000004U) return {};
    std::string brand;
    for (unsigned leaf = 0x80000002U; leaf <= 0x80000004U; ++leaf) {
        __get_cpuid(leaf, &eax, &ebx, &ecx, &edx);
        for (const unsigned word : {eax, ebx, ecx, edx})
            for (int byte = 0; byte < 4; ++byte) brand += static_cast<char>((word >> (8 * byte)) & 0xFFU);
    }
    return trimmed(brand.substr(0, brand.find('\0')));
#else
    return {};
#endif
}

// The "model name" line of /proc/cpuinfo (Linux), empty where there is none.
inline std::string cpuinfo_model_name() {
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line;
    while (std::getline(cpuinfo, line)) {
        const auto colon = line.find(':');
        if (colon != std::string::npos && trimmed(line.substr(0, colon)) == "model name")
            return trimmed(line.substr(colon + 1));
    }
    return {};
}

// The CPU model, found once per program: the CPUID brand string, else
// /proc/cpuinfo's model name, else "unknown".
inline const std::string& cpu_model() {
    static const std::string model = [] {
        std::string m = cpuid_brand();
        if (m.empty()) m = cpuinfo_model_name();
        return m.empty() ? std::string("unknown") : m;
    }();
    return model;
}

}  // namespace detail
}  // namespace attnkit
