// attnkit: the library's few diagnostics on stderr, and ATTNKIT_LOG, which
// says how many of them a program wants.
//
// Process-wide, like the wisdom store (detail/wisdom_store.hpp), and for the
// same reason outside attnkit's other namespaces: the level is read once per
// program, so this file's names must be the same in every translation unit,
// whatever flags (or per-ISA inline namespace) the unit is compiled with. Do
// not wrap attnkit::process_wide in such a namespace.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace attnkit::process_wide {

// ATTNKIT_LOG=off: nothing. warn (the default, also for unset or unknown
// values): what goes wrong in a load nobody asked for by a call, that is the
// ATTNKIT_WISDOM file's problems. debug: also explicit loads and one line per
// decision of variant::automatic.
enum class log_level { off, warn, debug };

inline log_level log_level_named(const char* name) noexcept {
    if (name == nullptr) return log_level::warn;
    if (std::strcmp(name, "off") == 0) return log_level::off;
    if (std::strcmp(name, "debug") == 0) return log_level::debug;
    return log_level::warn;
}

// Read once, on first use (a function-local static: thread-safe initialisation).
inline log_level current_log_level() noexcept {
    // getenv is not thread-safe against setenv; it runs once, and attnkit never sets variables.
    static const log_level level = log_level_named(std::getenv("ATTNKIT_LOG"));  // NOLINT(concurrency-mt-unsafe)
    return level;
}

inline bool logs(log_level level) noexcept {
    return level != log_level::off && static_cast<int>(current_log_level()) >= static_cast<int>(level);
}

// One line on stderr, "attnkit: <message>", written with one call so that the
// lines of concurrent callers do not interleave.
inline void log_line(log_level level, const std::string& message) {
    if (!logs(level)) return;
    const std::string line = "attnkit: " + message + "\n";
    // A failed write to stderr has nowhere to be reported: ignored on purpose.
    (void)std::fputs(line.c_str(), stderr);
}

}  // namespace attnkit::process_wide
