// attnkit: tuning results ("wisdom") for variant::automatic: the file format,
// its reader and its writer (in this one place, so that they cannot drift),
// and the loader. The format, the key, the buckets, the environment and the
// costs are described in docs/wisdom.md.
//
// A wisdom file holds one JSON object per line, each the tuned configuration
// of one problem on one machine, e.g. (wrapped here):
//   {"format":"attnkit-wisdom","format_version":1,
//    "key":{"library":"0.1.0","compiler":"GCC 12.2.0","cpu":"Intel(R) Xeon(R) ...","isa":"avx512",
//           "threads":16,"dtype":"f32"},
//    "problem":{"batch":1,"heads_q":16,"heads_kv":16,"seq_q":2048,"seq_kv":2048,"head_dim":128,
//               "head_dim_v":128,"causal":"none","mask":"none"},
//    "choice":{"variant":"parallel","block_q":128,"block_kv":252,"threads":16},
//    "provenance":{"median_s":0.0021,"default_median_s":0.0024,"speedup":1.14,...}}
//
// Needs nlohmann's JSON (<nlohmann/json.hpp>; CMake: attnkit::wisdom). A
// program that includes this header anywhere also loads ATTNKIT_WISDOM=path on
// its first automatic call.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "attnkit/detail/log.hpp"
#include "attnkit/detail/platform.hpp"
#include "attnkit/detail/problem.hpp"
#include "attnkit/detail/wisdom_store.hpp"
#include "attnkit/error.hpp"
#include "attnkit/isa.hpp"
#include "attnkit/options.hpp"
#include "attnkit/sdpa.hpp"
#include "attnkit/version.hpp"
#include "attnkit/view.hpp"

namespace attnkit {

// The value of every line's "format" field, and the version this reader reads.
inline constexpr const char* wisdom_format = "attnkit-wisdom";
inline constexpr int wisdom_format_version = 1;

// Where a tuned configuration is valid: this library, compiler and CPU (a load
// skips entries of others), and the instruction set, thread budget and element
// type of the call (a lookup takes only entries of the call's).
struct wisdom_key {
    std::string library;   // "0.1.0": attnkit's version
    std::string compiler;  // "GCC 12.2.0", "Clang 14.0.6"
    std::string cpu;       // the CPU's brand string, or "unknown"
    std::string isa;       // "sse2", "avx2", "avx512", "neon": isa_name(selected_isa(...))
    int threads = 1;       // the thread budget: config.threads, else OpenMP's default
    std::string dtype;     // "f32" or "f64"

    friend bool operator==(const wisdom_key& a, const wisdom_key& b) {
        return a.threads == b.threads && a.library == b.library && a.compiler == b.compiler && a.cpu == b.cpu &&
               a.isa == b.isa && a.dtype == b.dtype;
    }
    friend bool operator!=(const wisdom_key& a, const wisdom_key& b) { return !(a == b); }
};

// The exact problem the tuner measured. Its shape bucket (docs/wisdom.md) is
// the effective causal mode, the mask kind and these extents.
struct wisdom_problem {
    index_t batch = 0, heads_q = 0, heads_kv = 0, seq_q = 0, seq_kv = 0, head_dim = 0, head_dim_v = 0;
    causal causal_mode = causal::none;
    mask_kind mask = mask_kind::none;

    friend bool operator==(const wisdom_problem& a, const wisdom_problem& b) {
        return a.batch == b.batch && a.heads_q == b.heads_q && a.heads_kv == b.heads_kv && a.seq_q == b.seq_q &&
               a.seq_kv == b.seq_kv && a.head_dim == b.head_dim && a.head_dim_v == b.head_dim_v &&
               a.causal_mode == b.causal_mode && a.mask == b.mask;
    }
    friend bool operator!=(const wisdom_problem& a, const wisdom_problem& b) { return !(a == b); }
};

// What the tuner found fastest. 0 means the kernel's default, as in config.
struct wisdom_choice {
    variant kernel = variant::flash;  // never automatic
    index_t block_q = 0, block_kv = 0;
    int threads = 0;  // at most key.threads
};

// One line of a wisdom file.
struct wisdom_entry {
    wisdom_key key;
    wisdom_problem problem;
    wisdom_choice choice;
    // Whatever the tuner records about the measurement (median_s,
    // default_median_s, speedup, strategy, evaluations, commit, time, ...): kept
    // and written back as it is, never needed by the library.
    nlohmann::ordered_json provenance = nlohmann::ordered_json::object();
    std::size_t line = 0;  // where read_wisdom_file found it (1-based); 0 when not read from a file
};

// A line a reader or loader skipped, and why.
struct wisdom_warning {
    std::size_t line = 0;  // 1-based
    std::string reason;
};

struct wisdom_report {
    std::string path;
    std::size_t loaded = 0;   // entries read (read_wisdom_file) or added to the table (load_wisdom)
    std::size_t skipped = 0;  // lines skipped, each with a warning
    std::vector<wisdom_warning> warnings;
};

// A whole file: its well-formed entries in file order, foreign ones included.
struct wisdom_file {
    std::vector<wisdom_entry> entries;
    wisdom_report report;
};

// "path:line: reason".
inline std::string to_string(const std::string& path, const wisdom_warning& w) {
    return path + ":" + std::to_string(w.line) + ": " + w.reason;
}

// ---- The current process's key -------------------------------------------------

inline std::string library_version_text() {
    return std::to_string(version.major) + "." + std::to_string(version.minor) + "." + std::to_string(version.patch);
}

// The key of calls in element type T from this process with config.threads =
// threads (0: OpenMP's default) and config.instruction_set = instruction_set.
template <class T>
wisdom_key current_wisdom_key(int threads = 0, isa instruction_set = isa::automatic) {
    static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>, "attnkit supports float and double");
    return {library_version_text(),       detail::compiler_text(),     detail::cpu_model(),
            isa_name(selected_isa(instruction_set)), detail::thread_budget(threads), detail::dtype_name<T>()};
}

// Why entries of `key` do not apply to a process whose key is `here`, or ""
// when they may: another library version, compiler or CPU model. (The
// instruction set, thread budget and dtype vary by call: lookups compare them.)
inline std::string foreign_key_reason(const wisdom_key& key, const wisdom_key& here) {
    const auto differs = [](const char* field, const std::string& theirs, const std::string& ours) {
        return std::string("foreign key: key.") + field + " '" + theirs + "' is not this process's '" + ours + "'";
    };
    if (key.library != here.library) return differs("library", key.library, here.library);
    if (key.compiler != here.compiler) return differs("compiler", key.compiler, here.compiler);
    if (key.cpu != here.cpu) return differs("cpu", key.cpu, here.cpu);
    return {};
}

namespace detail {

using wisdom_json = nlohmann::ordered_json;

// ---- Names ---------------------------------------------------------------------

inline std::optional<variant> variant_named(const std::string& name) {
    for (const variant v : {variant::naive, variant::blocked, variant::flash, variant::parallel, variant::decode})
        if (name == variant_name(v)) return v;
    return std::nullopt;
}
inline std::optional<causal> causal_named(const std::string& name) {
    for (const causal c : {causal::none, causal::top_left, causal::bottom_right})
        if (name == causal_name(c)) return c;
    return std::nullopt;
}
inline std::optional<mask_kind> mask_kind_named(const std::string& name) {
    for (const mask_kind m : {mask_kind::none, mask_kind::boolean, mask_kind::additive})
        if (name == mask_kind_name(m)) return m;
    return std::nullopt;
}
inline std::optional<isa> isa_named(const std::string& name) {
    for (const isa x : {isa::sse2, isa::avx2, isa::avx512, isa::neon})
        if (name == isa_name(x)) return x;
    return std::nullopt;
}

// ---- Fields (each violation raises with the field's dotted name) -------------------

// object_name is a C string, not a std::string: callers bind the result to a
// reference, and GCC 13's -Wdangling-reference flags any call that also makes
// a temporary string argument (a false positive, but -Werror builds stop).
inline const wisdom_json& wisdom_member(const wisdom_json& object, const char* object_name, const char* field) {
    const std::string name = *object_name ? std::string(object_name) + "." + field : std::string(field);
    const auto it = object.find(field);
    if (it == object.end()) raise(name + " is missing");
    return *it;
}

inline const wisdom_json& wisdom_object(const wisdom_json& parent, const char* field) {
    const wisdom_json& value = wisdom_member(parent, "", field);
    if (!value.is_object()) raise(std::string(field) + " is not an object (" + value.dump() + ")");
    return value;
}

inline std::string wisdom_string(const wisdom_json& object, const char* object_name, const char* field) {
    const wisdom_json& value = wisdom_member(object, object_name, field);
    if (!value.is_string())
        raise(std::string(object_name) + "." + field + " is not a string (" + value.dump() + ")");
    return value.get<std::string>();
}

inline std::int64_t wisdom_integer(const wisdom_json& object, const char* object_name, const char* field,
                                   std::int64_t lowest, std::int64_t highest) {
    const std::string name = std::string(object_name) + "." + field;
    const wisdom_json& value = wisdom_member(object, object_name, field);
    if (!value.is_number_integer()) raise(name + " is not an integer (" + value.dump() + ")");
    if (value.is_number_unsigned() && value.get<std::uint64_t>() > std::uint64_t(highest))
        raise(name + " (" + value.dump() + ") is larger than " + std::to_string(highest));
    const auto x = value.get<std::int64_t>();
    if (x < lowest)
        raise(name + " (" + std::to_string(x) + ") is " +
              (lowest == 0 ? std::string("negative") : "less than " + std::to_string(lowest)));
    if (x > highest) raise(name + " (" + std::to_string(x) + ") is larger than " + std::to_string(highest));
    return x;
}

inline constexpr std::int64_t wisdom_extent_max = std::numeric_limits<index_t>::max();
inline constexpr std::int64_t wisdom_threads_max = std::numeric_limits<int>::max();

inline wisdom_key parse_wisdom_key(const wisdom_json& k) {
    wisdom_key key;
    key.library = wisdom_string(k, "key", "library");
    key.compiler = wisdom_string(k, "key", "compiler");
    key.cpu = wisdom_string(k, "key", "cpu");
    key.isa = wisdom_string(k, "key", "isa");
    if (!isa_named(key.isa)) raise("key.isa '" + key.isa + "' is not one of sse2, avx2, avx512, neon");
    key.threads = static_cast<int>(wisdom_integer(k, "key", "threads", 1, wisdom_threads_max));
    key.dtype = wisdom_string(k, "key", "dtype");
    if (key.dtype != "f32" && key.dtype != "f64") raise("key.dtype '" + key.dtype + "' is not f32 or f64");
    return key;
}

inline wisdom_problem parse_wisdom_problem(const wisdom_json& p) {
    wisdom_problem w;
    const auto extent = [&](const char* field) {
        return static_cast<index_t>(wisdom_integer(p, "problem", field, 0, wisdom_extent_max));
    };
    w.batch = extent("batch");
    w.heads_q = extent("heads_q");
    w.heads_kv = extent("heads_kv");
    w.seq_q = extent("seq_q");
    w.seq_kv = extent("seq_kv");
    w.head_dim = extent("head_dim");
    w.head_dim_v = extent("head_dim_v");
    if (w.heads_q > 0 && (w.heads_kv == 0 || w.heads_q % w.heads_kv != 0))
        raise("problem.heads_q (" + std::to_string(w.heads_q) + ") is not a multiple of problem.heads_kv (" +
              std::to_string(w.heads_kv) + ")");
    const std::string mode = wisdom_string(p, "problem", "causal");
    const auto c = causal_named(mode);
    if (!c) raise("problem.causal '" + mode + "' is not one of none, top_left, bottom_right");
    w.causal_mode = *c;
    const std::string mask = wisdom_string(p, "problem", "mask");
    const auto m = mask_kind_named(mask);
    if (!m) raise("problem.mask '" + mask + "' is not one of none, bool, additive");
    w.mask = *m;
    return w;
}

inline wisdom_choice parse_wisdom_choice(const wisdom_json& c, int budget) {
    wisdom_choice w;
    const std::string name = wisdom_string(c, "choice", "variant");
    const auto v = variant_named(name);
    if (!v) raise("choice.variant '" + name + "' is not one of naive, blocked, flash, parallel, decode");
    w.kernel = *v;
    w.block_q = static_cast<index_t>(wisdom_integer(c, "choice", "block_q", 0, wisdom_extent_max));
    w.block_kv = static_cast<index_t>(wisdom_integer(c, "choice", "block_kv", 0, wisdom_extent_max));
    const auto threads = wisdom_integer(c, "choice", "threads", 0, wisdom_threads_max);
    if (threads > budget)
        raise("choice.threads (" + std::to_string(threads) + ") exceeds key.threads (" + std::to_string(budget) +
              "), the thread budget");
    w.threads = static_cast<int>(threads);
    return w;
}

// One parsed line's object as an entry; raises on the first bad field.
inline wisdom_entry parse_wisdom_object(const wisdom_json& j) {
    if (!j.is_object()) raise("not a JSON object");
    const wisdom_json& format = wisdom_member(j, "", "format");
    if (!format.is_string() || format.get<std::string>() != wisdom_format)
        raise("format " + format.dump() + " is not \"" + wisdom_format + "\"");
    const wisdom_json& version = wisdom_member(j, "", "format_version");
    if (!version.is_number_integer() || version.get<std::int64_t>() != wisdom_format_version)
        raise("format_version " + version.dump() + " is not supported (this reader reads " +
              std::to_string(wisdom_format_version) + ")");
    wisdom_entry e;
    e.key = parse_wisdom_key(wisdom_object(j, "key"));
    e.problem = parse_wisdom_problem(wisdom_object(j, "problem"));
    e.choice = parse_wisdom_choice(wisdom_object(j, "choice"), e.key.threads);
    if (const auto it = j.find("provenance"); it != j.end()) {
        if (!it->is_object()) raise("provenance is not an object (" + it->dump() + ")");
        e.provenance = *it;
    }
    return e;
}

// An error's message without the library's "attnkit: " prefix.
inline std::string reason_of(const error& e) {
    const std::string what = e.what();
    const std::string prefix = "attnkit: ";
    return what.compare(0, prefix.size(), prefix) == 0 ? what.substr(prefix.size()) : what;
}

// A parse error's message without nlohmann's "[json.exception.parse_error.101] ".
inline std::string json_error_text(const std::exception& e) {
    const std::string what = e.what();
    const auto close = what.find("] ");
    return !what.empty() && what.front() == '[' && close != std::string::npos ? what.substr(close + 2) : what;
}

inline wisdom_entry parse_wisdom_text(const std::string& line) {
    wisdom_json j;
    try {
        j = wisdom_json::parse(line);
    } catch (const wisdom_json::parse_error& e) {
        raise("not JSON: " + json_error_text(e));
    }
    return parse_wisdom_object(j);
}

inline bool is_blank(const std::string& line) { return line.find_first_not_of(" \t\r") == std::string::npos; }

}  // namespace detail

// ---- One line ------------------------------------------------------------------

// The entry as one line of JSON, without the newline. Provenance is written as
// it is; strings that are not UTF-8 get U+FFFD instead of an exception.
inline std::string wisdom_line(const wisdom_entry& e) {
    detail::wisdom_json j;
    j["format"] = wisdom_format;
    j["format_version"] = wisdom_format_version;
    j["key"] = {{"library", e.key.library}, {"compiler", e.key.compiler}, {"cpu", e.key.cpu},
                {"isa", e.key.isa},         {"threads", e.key.threads},   {"dtype", e.key.dtype}};
    j["problem"] = {{"batch", e.problem.batch},
                    {"heads_q", e.problem.heads_q},
                    {"heads_kv", e.problem.heads_kv},
                    {"seq_q", e.problem.seq_q},
                    {"seq_kv", e.problem.seq_kv},
                    {"head_dim", e.problem.head_dim},
                    {"head_dim_v", e.problem.head_dim_v},
                    {"causal", detail::causal_name(e.problem.causal_mode)},
                    {"mask", detail::mask_kind_name(e.problem.mask)}};
    j["choice"] = {{"variant", detail::variant_name(e.choice.kernel)},
                   {"block_q", e.choice.block_q},
                   {"block_kv", e.choice.block_kv},
                   {"threads", e.choice.threads}};
    j["provenance"] = e.provenance.is_object() ? e.provenance : detail::wisdom_json::object();
    return j.dump(-1, ' ', false, detail::wisdom_json::error_handler_t::replace);
}

// One line back as an entry. Throws attnkit::error saying what is wrong with
// it ("attnkit: wisdom line: choice.threads is missing"); the file reader
// turns the same reasons into warnings instead.
inline wisdom_entry parse_wisdom_line(const std::string& line) {
    try {
        return detail::parse_wisdom_text(line);
    } catch (const error& e) {
        detail::raise("wisdom line: " + detail::reason_of(e));
    }
}

// ---- Files ---------------------------------------------------------------------

// Every line of a file. Blank lines are ignored; a line that is not JSON, of
// another format or version, or with a missing or invalid field, is skipped
// with a warning naming its line number and the reason. Foreign entries are
// kept (a tuner rewriting the file must not lose other machines' results).
// Throws attnkit::error naming the path if the file cannot be read.
inline wisdom_file read_wisdom_file(const std::string& path) {
    std::error_code ec;
    const std::filesystem::file_status status = std::filesystem::status(path, ec);
    if (!std::filesystem::exists(status)) {
        if (ec && ec != std::errc::no_such_file_or_directory)
            detail::raise("wisdom file '" + path + "' cannot be examined: " + ec.message());
        detail::raise("wisdom file '" + path + "' does not exist");
    }
    if (std::filesystem::is_directory(status)) detail::raise("wisdom file '" + path + "' is a directory");
    std::ifstream in(path, std::ios::binary);
    if (!in) detail::raise("wisdom file '" + path + "' cannot be opened for reading");
    wisdom_file file;
    file.report.path = path;
    std::string line;
    for (std::size_t number = 1; std::getline(in, line); ++number) {
        if (detail::is_blank(line)) continue;
        try {
            wisdom_entry e = detail::parse_wisdom_text(line);
            e.line = number;
            file.entries.push_back(std::move(e));
        } catch (const error& e) {
            file.report.warnings.push_back({number, detail::reason_of(e)});
            ++file.report.skipped;
        }
    }
    if (in.bad()) detail::raise("wisdom file '" + path + "' could not be read to the end");
    file.report.loaded = file.entries.size();
    return file;
}

// older's entries with newer's merged in: an entry of newer replaces the entry
// of older with the same key and exact problem, in its place; the others are
// appended in order. Within newer, a later entry replaces an earlier one.
inline std::vector<wisdom_entry> merge_wisdom(std::vector<wisdom_entry> older, const std::vector<wisdom_entry>& newer) {
    for (const wisdom_entry& e : newer) {
        bool replaced = false;
        for (wisdom_entry& old : older)
            if (old.key == e.key && old.problem == e.problem) {
                old = e;
                replaced = true;
            }
        if (!replaced) older.push_back(e);
    }
    return older;
}

namespace detail {

// A name in path's directory that no other writer of this process uses and
// that no other process is likely to: the file's name, the clock, a counter.
inline std::filesystem::path temporary_wisdom_path(const std::filesystem::path& path) {
    static std::atomic<unsigned long> counter{0};
    const auto tick = std::chrono::steady_clock::now().time_since_epoch().count();
    const std::string name = "." + path.filename().string() + ".tmp-" + std::to_string(tick) + "-" +
                             std::to_string(counter.fetch_add(1, std::memory_order_relaxed));
    return path.parent_path() / name;
}

}  // namespace detail

// Writes entries, one line each, atomically: into a temporary file in the same
// directory, renamed over path once complete, so a reader sees the old file or
// the new one, never a part. (Two writers of one path: the last rename wins.)
// Throws attnkit::error naming the path if it cannot; no temporary file stays.
inline void write_wisdom_file(const std::string& path, const std::vector<wisdom_entry>& entries) {
    const std::filesystem::path target(path);
    const std::filesystem::path temporary = detail::temporary_wisdom_path(target);
    std::error_code ec;
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        if (!out)
            detail::raise("wisdom file '" + path + "' cannot be written: cannot create '" + temporary.string() + "'");
        for (const wisdom_entry& e : entries) out << wisdom_line(e) << '\n';
        out.flush();
        if (!out) {
            out.close();
            std::filesystem::remove(temporary, ec);
            detail::raise("wisdom file '" + path + "' cannot be written: writing '" + temporary.string() + "' failed");
        }
    }
    std::filesystem::rename(temporary, target, ec);
    if (ec) {
        const std::string why = ec.message();
        std::filesystem::remove(temporary, ec);
        detail::raise("wisdom file '" + path + "' cannot be written: renaming '" + temporary.string() +
                      "' to it failed: " + why);
    }
}

// ---- Loading into variant::automatic's table ---------------------------------------

namespace detail {

inline process_wide::wisdom_record wisdom_record_of(const wisdom_entry& e, const std::string& path) {
    process_wide::wisdom_record r;
    // parse_wisdom_object checked the names.
    r.isa = static_cast<int>(isa_named(e.key.isa).value_or(isa::automatic));
    r.threads = e.key.threads;
    r.element_bytes = e.key.dtype == "f64" ? int(sizeof(double)) : int(sizeof(float));
    r.bucket.causal = static_cast<int>(effective_causal(e.problem.causal_mode, e.problem.seq_q, e.problem.seq_kv));
    r.bucket.mask = static_cast<int>(e.problem.mask);
    r.bucket.batch = e.problem.batch;
    r.bucket.heads_q = e.problem.heads_q;
    r.bucket.heads_kv = e.problem.heads_kv;
    r.bucket.seq_q = e.problem.seq_q;
    r.bucket.seq_kv = e.problem.seq_kv;
    r.bucket.head_dim = e.problem.head_dim;
    r.bucket.head_dim_v = e.problem.head_dim_v;
    r.kernel = static_cast<int>(e.choice.kernel);
    r.block_q = e.choice.block_q;
    r.block_kv = e.choice.block_kv;
    r.choice_threads = e.choice.threads;
    r.origin = path + ":" + std::to_string(e.line);
    return r;
}

// The load itself, without reading the environment first (the environment's
// loader runs inside that read).
inline wisdom_report load_wisdom_records(const std::string& path) {
    wisdom_file file = read_wisdom_file(path);
    wisdom_report report = std::move(file.report);
    const wisdom_key here = current_wisdom_key<float>(1);
    process_wide::wisdom_table records;
    records.reserve(file.entries.size());
    for (const wisdom_entry& e : file.entries) {
        std::string foreign = foreign_key_reason(e.key, here);
        if (!foreign.empty()) {
            report.warnings.push_back({e.line, std::move(foreign)});
            ++report.skipped;
            continue;
        }
        records.push_back(wisdom_record_of(e, path));
    }
    std::stable_sort(report.warnings.begin(), report.warnings.end(),
                     [](const wisdom_warning& a, const wisdom_warning& b) { return a.line < b.line; });
    report.loaded = records.size();
    process_wide::merge_wisdom_records(records);
    return report;
}

inline void log_wisdom_report(const wisdom_report& report, process_wide::log_level level) {
    for (const wisdom_warning& w : report.warnings)
        process_wide::log_line(level, "wisdom: skipped " + to_string(report.path, w));
    process_wide::log_line(process_wide::log_level::debug,
                           "wisdom: loaded " + std::to_string(report.loaded) + " entries from " + report.path +
                               " (" + std::to_string(report.skipped) + " lines skipped)");
}

// ATTNKIT_WISDOM's loader. It runs inside the first automatic sdpa() call, so it
// throws nothing: an unreadable file or skipped lines are logged (ATTNKIT_LOG
// warn, the default, or debug) and automatic keeps its heuristic for them.
inline void load_wisdom_from_environment(const char* path) {
    try {
        log_wisdom_report(load_wisdom_records(path), process_wide::log_level::warn);
    } catch (const error& e) {
        process_wide::log_line(process_wide::log_level::warn,
                               "ATTNKIT_WISDOM: " + reason_of(e) + "; automatic uses its heuristic");
    } catch (const std::exception& e) {
        process_wide::log_line(process_wide::log_level::warn, std::string("ATTNKIT_WISDOM: loading '") + path +
                                                                  "' failed: " + e.what() +
                                                                  "; automatic uses its heuristic");
    }
}

// Registers the loader with the store when the program starts (dynamic
// initialisation of an inline variable: once per program, however many units
// include this header). Without it, the store cannot parse ATTNKIT_WISDOM.
inline const bool wisdom_environment_loader_registered =
    (process_wide::register_environment_loader(&load_wisdom_from_environment), true);

}  // namespace detail

// Adds a wisdom file's entries for this library, compiler and CPU to the table
// that variant::automatic consults (an entry replaces a loaded one of the same
// key and exact problem). Lines that are corrupt, of another format or of a
// foreign key are skipped with a warning in the report (also on stderr with
// ATTNKIT_LOG=debug), never an exception. Throws attnkit::error naming the
// path if the file cannot be read. Safe while other threads call sdpa().
inline wisdom_report load_wisdom(const std::string& path) {
    process_wide::read_environment();
    wisdom_report report = detail::load_wisdom_records(path);
    detail::log_wisdom_report(report, process_wide::log_level::debug);
    return report;
}

// Empties the table (ATTNKIT_WISDOM's entries too; the variable is not read
// again): automatic uses its heuristic until the next load_wisdom().
inline void clear_wisdom() { process_wide::clear_wisdom_records(); }

// How many entries the table holds.
inline std::size_t loaded_wisdom_entries() { return process_wide::wisdom_record_count(); }

}  // namespace attnkit
