// attnkit: the parallel variant: flash tiles spread over OpenMP threads.
//
// Work items are (query tile, batch, query head). Each item is computed by one
// thread with the same arithmetic as the flash variant, so the result is
// bitwise identical for every thread count. Causal masking makes late query
// tiles the most expensive: items are handed out dynamically, most expensive
// first, which bounds the imbalance by one item. Within a tile index the query
// heads of a kv head are adjacent, so threads working at the same moment share
// that kv head's K and V rows in the last-level cache. A static partition into
// contiguous runs of equal cost (one head per thread, K and V kept in L2) was
// measured 25% slower on a shared 16-core host: dynamic hand-out absorbs the
// jitter of other tenants, which a static split turns into idle threads.
// Without OpenMP (the consumer did not compile with it) it runs on one thread.
#pragma once

#include <memory>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "attnkit/detail/config_namespace.hpp"
#include "attnkit/detail/fit_config.hpp"
#include "attnkit/detail/tile_engine.hpp"
#include "attnkit/detail/unaliased_keys.hpp"

namespace attnkit {
namespace kernels {
ATTNKIT_BEGIN_CONFIG_NAMESPACE

template <class T, class Arch, class Mask>
void parallel(const problem<T>& p, const Mask& mask) {
    using engine_t = detail::tile_engine<T, Arch, Mask>;
    // Scratch for every worker is allocated here, outside the parallel region,
    // so an allocation failure throws before anything is written. The first
    // engine fixes the tile height, hence the work items; no more workers than
    // items are started (fit_workers), whatever config.threads asks for.
    // K's copy (when its rows alias in L1) is allocated here too, and written
    // by the workers at the start of the one parallel region below: a second
    // region would wake the threads twice, and on a shared host a woken
    // thread can wait a scheduler tick (report/sapphire-rapids-16-grid/NOTES.md).
    detail::unaliased_keys<T> keys(p);
    const index_t key_rows = keys.rows();
    const problem<T>& pk = keys.get();
    std::vector<std::unique_ptr<engine_t>> engines;
    engines.push_back(std::make_unique<engine_t>(pk, mask, p.tiles.block_q, p.tiles.block_kv));
    const index_t step = engines.front()->block_q();
    const index_t tiles = (p.seq_q + step - 1) / step;
    const index_t heads = p.batch * p.heads_q;
    const index_t items = tiles * heads;
    const int workers = detail::fit_workers(p.tiles.threads, items);
    engines.reserve(static_cast<std::size_t>(workers));
    for (int t = 1; t < workers; ++t)
        engines.push_back(std::make_unique<engine_t>(pk, mask, p.tiles.block_q, p.tiles.block_kv));
#ifdef _OPENMP
#pragma omp parallel num_threads(workers)
#endif
    {
        // Every thread takes the same branch. The loop's implicit barrier: all
        // of K is copied before any tile reads it. Without a copy there is no
        // barrier, and the first threads awake start on the tiles.
        if (key_rows > 0) {
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
            for (index_t r = 0; r < key_rows; ++r) keys.copy_row(r);
        }
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
        for (index_t item = 0; item < items; ++item) {
#ifdef _OPENMP
            engine_t& engine = *engines[static_cast<std::size_t>(omp_get_thread_num())];
#else
            engine_t& engine = *engines.front();
#endif
            const index_t tile = tiles - 1 - item / heads;  // causal: latest, most expensive tiles first
            const index_t bh = item % heads;
            engine.run(bh / p.heads_q, bh % p.heads_q, tile * step);
        }
    }
}

ATTNKIT_END_CONFIG_NAMESPACE
}  // namespace kernels
}  // namespace attnkit
