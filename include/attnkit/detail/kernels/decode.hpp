// attnkit: the decode variant: split-KV attention (flash-decoding) for a few
// query rows against a long KV cache, at the speed of reading K and V.
//
// The query heads sharing a kv head are packed into one small matrix of rows,
// so each K and V row is read once per kv head (grouped-query packing), and
// the key axis is cut into splits so that even one sequence of one kv head
// gives every thread work (decode_plan.hpp). Work items (batch, kv head, row
// block, split) are handed out dynamically; each leaves per row its maximum,
// sum and unnormalised output, and a second pass merges a row's splits
// exactly through their log-sum-exps, in split order (decode_merge.hpp). The
// plan depends on the shape only, so the result is bitwise identical for
// every thread count. With one split the items write the output directly.
// Without OpenMP (the consumer did not compile with it) it runs on one thread.
#pragma once

#include <algorithm>
#include <memory>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

#include <xsimd/xsimd.hpp>

#include "attnkit/detail/config_namespace.hpp"
#include "attnkit/detail/decode_engine.hpp"
#include "attnkit/detail/decode_merge.hpp"
#include "attnkit/detail/decode_plan.hpp"
#include "attnkit/detail/fit_config.hpp"
#include "attnkit/detail/problem.hpp"
#include "attnkit/detail/scratch.hpp"

namespace attnkit {
namespace kernels {
ATTNKIT_BEGIN_CONFIG_NAMESPACE

template <class T, class Arch, class Mask>
void decode(const problem<T>& p, const Mask& mask) {
    using engine_t = detail::decode_engine<T, Arch, Mask>;
    constexpr index_t lanes = static_cast<index_t>(xsimd::batch<T, Arch>::size);
    const detail::decode_plan plan = detail::make_decode_plan(p, lanes);
    const index_t items = plan.items();
    const int workers = detail::fit_workers(p.tiles.threads, items);

    // All scratch is allocated here, outside the parallel region, so an
    // allocation failure throws before anything is written.
    std::vector<std::unique_ptr<engine_t>> engines;
    engines.reserve(static_cast<std::size_t>(workers));
    for (int t = 0; t < workers; ++t) engines.push_back(std::make_unique<engine_t>(p, mask, plan));
    const bool merged = plan.splits > 1;
    // Partial state of row r of kv head hk in batch b, split s: index
    // ((b * heads_kv + hk) * splits + s) * rows + r.
    const index_t states = merged ? p.batch * p.heads_kv * plan.splits * plan.rows : 0;
    detail::aligned_scratch<T> part_max(states), part_sum(states), part_out({states, p.head_dim_v}),
        weights({merged ? workers : 0, plan.splits});

    const auto run_item = [&](engine_t& engine, index_t item) {
        const index_t s = item % plan.splits;
        const index_t block = item / plan.splits % plan.row_blocks;
        const index_t bh = item / plan.splits / plan.row_blocks;  // b * heads_kv + hk
        const index_t r0 = block * plan.item_rows;
        const index_t k0 = s * plan.split_keys;
        engine.run(bh / p.heads_kv, bh % p.heads_kv, r0, std::min(plan.item_rows, plan.rows - r0), k0,
                   std::min(p.seq_kv, k0 + plan.split_keys));
        if (merged) {
            const index_t at = (bh * plan.splits + s) * plan.rows + r0;
            engine.write_state(part_max.get() + at, part_sum.get() + at, part_out.get() + at * p.head_dim_v);
        } else {
            engine.write_output();
        }
    };
    // Row r of kv head bh % heads_kv in batch bh / heads_kv: query position
    // r / group of query head hk * group + r % group.
    const auto merge_row = [&](T* w, index_t row) {
        const index_t bh = row / plan.rows, r = row % plan.rows;
        const index_t b = bh / p.heads_kv, h = bh % p.heads_kv * p.group + r % p.group, i = r / p.group;
        const index_t at = bh * plan.splits * plan.rows + r;
        T* out = detail::row_start(p.out, b, h, i);
        detail::merge_split_states<T, Arch>(plan.splits, part_max.get() + at, part_sum.get() + at, plan.rows,
                                            part_out.get() + at * p.head_dim_v, plan.rows * p.head_dim_v,
                                            p.head_dim_v, out, p.lse.data() ? &p.lse(b, h, i) : nullptr, w);
    };
    const index_t rows_total = p.batch * p.heads_kv * plan.rows;

#ifdef _OPENMP
#pragma omp parallel num_threads(workers)
    {
        const int t = omp_get_thread_num();
#pragma omp for schedule(dynamic, 1)
        for (index_t item = 0; item < items; ++item) run_item(*engines[static_cast<std::size_t>(t)], item);
        if (merged) {
            // Rows cost the same: a static partition suffices.
#pragma omp for schedule(static)
            for (index_t row = 0; row < rows_total; ++row) merge_row(weights.get() + t * plan.splits, row);
        }
    }
#else
    for (index_t item = 0; item < items; ++item) run_item(*engines.front(), item);
    if (merged)
        for (index_t row = 0; row < rows_total; ++row) merge_row(weights.get(), row);
#endif
}

ATTNKIT_END_CONFIG_NAMESPACE
}  // namespace kernels
}  // namespace attnkit
