// attnkit: the process-wide table of tuning results ("wisdom") that
// variant::automatic consults, and the lazy load of ATTNKIT_WISDOM.
//
// The standard library only, so that <attnkit/attnkit.hpp> gains no
// dependency: reading the JSON files is <attnkit/wisdom.hpp>'s job, which
// registers its loader here through a function pointer.
//
// One store per program. Everything here is an inline variable or an inline
// function with a function-local static, in attnkit::process_wide, and every
// type it holds is built from integers and standard types only: no attnkit
// enum, no xsimd type, nothing that depends on compile flags. So translation
// units compiled with different flags (the ISA dispatch's units, or a build
// that puts the rest of attnkit in a per-ISA inline namespace) all name the
// same objects, and the linker keeps one of each. Keep this namespace out of
// any such per-ISA namespace: wrapped, each ISA would get its own empty store.
// (Shared libraries that hide their symbols get one store each, as any
// inline variable.)
//
// Cost for a program that never loads wisdom: after the first automatic call
// has read the environment, one relaxed atomic load per automatic call.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <utility>
#include <vector>

#include "attnkit/detail/log.hpp"
#include "attnkit/detail/wisdom_bucket.hpp"

namespace attnkit::process_wide {

// One tuned configuration as the table keeps it. The key's library version,
// compiler and CPU are not here: entries with another value are dropped when
// a file is loaded, so every record is for this program on this machine.
struct wisdom_record {
    // The rest of the key: what the call runs with. Integers, so that a lookup
    // compares no strings.
    int isa = 0;            // static_cast<int>(attnkit::isa) of selected_isa(config.instruction_set)
    int threads = 1;        // the thread budget the entry was tuned for
    int element_bytes = 0;  // sizeof(T): 4 for "f32", 8 for "f64"
    shape_bucket bucket;
    bucket_scales scales;  // of bucket: merge_wisdom_records computes them
    // The choice.
    int kernel = 0;  // static_cast<int>(attnkit::variant), never automatic
    std::int64_t block_q = 0, block_kv = 0;
    int choice_threads = 0;  // at most threads
    std::string origin;      // "path:line", for messages
};

using wisdom_table = std::vector<wisdom_record>;

// What a call looks up: the key parts that vary by call, and its bucket.
struct wisdom_query {
    int isa = 0;
    int threads = 1;
    int element_bytes = 0;
    shape_bucket bucket;
};

enum class wisdom_miss {
    none,              // record applies
    nothing_loaded,    // the table is empty
    no_entry_for_key,  // no entry of this isa, thread budget, dtype, causal mode and mask kind
    too_far,           // record is the nearest one, but farther than the maximum distance
};

struct wisdom_match {
    std::shared_ptr<const wisdom_table> table;  // keeps record alive
    const wisdom_record* record = nullptr;      // into *table: the nearest entry of the key, if any
    double distance = std::numeric_limits<double>::infinity();
    wisdom_miss miss = wisdom_miss::nothing_loaded;
};

// Reads and loads the file ATTNKIT_WISDOM names; never throws (it runs inside
// an sdpa() call), reports problems through the log instead.
using environment_loader = void (*)(const char* path);

// ---- State -------------------------------------------------------------------

// Bits of wisdom_flags. Constant-initialised, so reading them needs no guard.
inline constexpr unsigned environment_read = 1;  // ATTNKIT_LOG and ATTNKIT_WISDOM handled
inline constexpr unsigned has_entries = 2;       // the table is not empty
inline constexpr unsigned log_decisions = 4;     // ATTNKIT_LOG=debug
inline std::atomic<unsigned> wisdom_flags{0};

inline std::atomic<environment_loader> wisdom_environment_loader{nullptr};

// The table behind a reader-writer lock: readers copy the pointer to an
// immutable snapshot and search it unlocked; writers build a new snapshot and
// swap it in. Allocated once and never destroyed, so that automatic calls from
// other static objects' destructors still find it.
struct wisdom_holder {
    std::shared_mutex mutex;
    std::shared_ptr<const wisdom_table> table;
    std::once_flag environment_once;
};

inline wisdom_holder& holder() {
    static wisdom_holder* const instance = new wisdom_holder();
    return *instance;
}

// ---- Environment ---------------------------------------------------------------

// <attnkit/wisdom.hpp> calls this during static initialisation.
inline void register_environment_loader(environment_loader loader) noexcept {
    wisdom_environment_loader.store(loader, std::memory_order_release);
}

// Once per program: ATTNKIT_LOG's level, and ATTNKIT_WISDOM's file if a loader
// is registered. Later loads and clears call it first, so the environment's
// entries are always the oldest.
inline void read_environment() {
    std::call_once(holder().environment_once, [] {
        // Read once, under call_once; attnkit never sets variables.
        const char* path = std::getenv("ATTNKIT_WISDOM");  // NOLINT(concurrency-mt-unsafe)
        if (path != nullptr && *path != '\0') {
            if (const environment_loader loader = wisdom_environment_loader.load(std::memory_order_acquire)) {
                loader(path);
            } else {
                log_line(log_level::debug, std::string("ATTNKIT_WISDOM=") + path +
                                               " is not loaded: this program does not include <attnkit/wisdom.hpp>, "
                                               "which reads wisdom files; automatic uses its heuristic");
            }
        }
        const unsigned logging = logs(log_level::debug) ? log_decisions : 0U;
        wisdom_flags.fetch_or(environment_read | logging, std::memory_order_relaxed);
    });
}

// The flags, the environment read first if it was not yet. The fast path: one
// relaxed load. (Relaxed is enough: the table itself is read under the lock.)
inline unsigned wisdom_state() {
    const unsigned flags = wisdom_flags.load(std::memory_order_relaxed);
    if ((flags & environment_read) != 0) return flags;
    read_environment();
    return wisdom_flags.load(std::memory_order_relaxed);
}

// ---- Table ---------------------------------------------------------------------

inline std::shared_ptr<const wisdom_table> wisdom_snapshot() {
    const std::shared_lock<std::shared_mutex> lock(holder().mutex);
    return holder().table;
}

inline bool same_entry(const wisdom_record& a, const wisdom_record& b) {
    return a.threads == b.threads && a.isa == b.isa && a.element_bytes == b.element_bytes && a.bucket == b.bucket;
}

// Adds records to the table; a record replaces an older one of the same key
// and exact problem (the newer wins), and among the given ones the later wins.
// Does not read the environment (the environment's loader calls it).
inline void merge_wisdom_records(const wisdom_table& newer) {
    if (newer.empty()) return;
    wisdom_holder& h = holder();
    const std::unique_lock<std::shared_mutex> lock(h.mutex);
    auto next = std::make_shared<wisdom_table>(h.table ? *h.table : wisdom_table{});
    for (wisdom_record r : newer) {
        r.scales = scales_of(r.bucket);
        bool replaced = false;
        for (wisdom_record& old : *next)
            if (same_entry(old, r)) {
                old = r;
                replaced = true;
            }
        if (!replaced) next->push_back(r);
    }
    h.table = std::move(next);
    wisdom_flags.fetch_or(has_entries, std::memory_order_relaxed);
}

// Empties the table. The environment counts as read from then on: a clear
// before the first automatic call is not undone by a late ATTNKIT_WISDOM load.
inline void clear_wisdom_records() {
    read_environment();
    wisdom_holder& h = holder();
    const std::unique_lock<std::shared_mutex> lock(h.mutex);
    h.table.reset();
    wisdom_flags.fetch_and(~has_entries, std::memory_order_relaxed);
}

inline std::size_t wisdom_record_count() {
    const auto table = wisdom_snapshot();
    return table ? table->size() : 0;
}

// The nearest record of the query's key, causal mode and mask kind (the first
// in table order among equally near ones), and whether it is near enough.
inline wisdom_match find_wisdom(const wisdom_query& q, double max_distance) {
    wisdom_match m;
    m.table = wisdom_snapshot();
    if (!m.table || m.table->empty()) return m;
    m.miss = wisdom_miss::no_entry_for_key;
    const bucket_scales scales = scales_of(q.bucket);
    for (const wisdom_record& r : *m.table) {
        if (r.threads != q.threads || r.isa != q.isa || r.element_bytes != q.element_bytes ||
            r.bucket.causal != q.bucket.causal || r.bucket.mask != q.bucket.mask)
            continue;
        const double d = scale_distance(r.scales, scales);
        if (m.record == nullptr || d < m.distance) {
            m.record = &r;
            m.distance = d;
        }
    }
    if (m.record != nullptr) m.miss = m.distance <= max_distance ? wisdom_miss::none : wisdom_miss::too_far;
    return m;
}

}  // namespace attnkit::process_wide
