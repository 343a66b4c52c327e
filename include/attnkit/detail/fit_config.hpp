// attnkit: config's tile sizes and thread count fitted to a problem, and the
// one reading of OpenMP's default thread count.
//
// Every field of config is input, and any value validation lets through
// (non-negative, threads at most config::max_threads) must be safe: a tile is
// never larger than the dimension it tiles, and no call starts more workers
// than it has work items, so a huge block_kv cannot overflow a scratch size
// and a huge thread count cannot allocate one engine per requested thread.
// Tile sizes change only the order of the arithmetic, never the function
// computed; a tile clamped to its dimension is one tile, as the larger one was.
#pragma once

#include <algorithm>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "attnkit/detail/config_namespace.hpp"
#include "attnkit/options.hpp"
#include "attnkit/view.hpp"

namespace attnkit {
namespace detail {
ATTNKIT_BEGIN_CONFIG_NAMESPACE

// The tile along a dimension of `extent` elements: `requested`, or `fallback`
// when requested is 0 (config's "let attnkit choose"), clamped to
// [1, max(extent, 1)].
constexpr index_t fit_tile(index_t requested, index_t fallback, index_t extent) noexcept {
    return std::clamp<index_t>(requested > 0 ? requested : fallback, 1, std::max<index_t>(extent, 1));
}

// Whether this unit is compiled with OpenMP (the consumer's choice).
#ifdef _OPENMP
inline constexpr bool openmp_enabled = true;
#else
inline constexpr bool openmp_enabled = false;
#endif

// The thread count a request stands for: `requested` when set, else OpenMP's
// default (omp_get_max_threads: OMP_NUM_THREADS, or one per core); 1 without
// OpenMP unless requested. The one place that asks OpenMP: the automatic
// variant's budget, wisdom keys and the kernels' workers all start here.
inline int thread_budget(int requested) noexcept {
    if (requested > 0) return requested;
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

// The workers of a call with `items` work items: `requested` threads, or
// OpenMP's default when it is 0, at most one per item and config::max_threads,
// at least 1. Without OpenMP (the consumer did not compile with it), 1.
inline int fit_workers(int requested, index_t items) noexcept {
    if (!openmp_enabled) return 1;
    return static_cast<int>(std::clamp<index_t>(std::min<index_t>(thread_budget(requested), items), 1,
                                                config::max_threads));
}

ATTNKIT_END_CONFIG_NAMESPACE
}  // namespace detail
}  // namespace attnkit
