// attnkit: how the decode variant cuts a problem into work items.
//
// Grouped-query packing: the group = heads_q / heads_kv query heads that read
// one kv head are one matrix of group x seq_q packed rows, row r holding query
// i = r / group of query head hk * group + r % group. All of them meet each K
// and V row while it is in cache, so K and V are streamed once per kv head,
// not once per query head. Rows are ordered by query position, so their causal
// limits never decrease along r.
//
// Split-KV (flash-decoding): the key axis is cut into splits of split_keys keys
// (the last one shorter), each a whole number of key tiles. A work item is one
// (batch, kv head, block of packed rows, split); it keeps per row the maximum,
// the sum and the unnormalised output over its keys, and the splits of a row
// are merged afterwards through their log-sum-exps (decode_merge.hpp).
//
// The plan depends on the shape and on config's tile sizes only, never on the
// thread count, so every thread count computes the same items in the same
// order of arithmetic: bitwise identical results.
//
// Memory: the partial states take splits x batch x heads_q x seq_q x
// (head_dim_v + 2) values, at most tuning::decode_max_partial_bytes (none when
// there is one split: items then write the output directly). Each thread's
// scratch is one item's query state, about tuning::decode_item_state_bytes
// (more only when a single block of block_q rows exceeds it), plus one score
// tile of block_kv x block_q values.
#pragma once

#include <algorithm>
#include <cstddef>

#include "attnkit/detail/config_namespace.hpp"
#include "attnkit/detail/fit_config.hpp"
#include "attnkit/detail/problem.hpp"
#include "attnkit/tuning.hpp"
#include "attnkit/view.hpp"

namespace attnkit {
namespace detail {
ATTNKIT_BEGIN_CONFIG_NAMESPACE

inline constexpr index_t ceil_div(index_t a, index_t b) noexcept { return (a + b - 1) / b; }

struct decode_plan {
    index_t batch = 0, heads_kv = 0;
    index_t rows = 0;        // packed rows per kv head: group x seq_q
    index_t block_rows = 0;  // rows per score tile: block_q rounded up to the vector width
    index_t tile_keys = 0;   // keys per score tile
    index_t item_rows = 0;   // packed rows per work item: all rows, or a multiple of block_rows
    index_t row_blocks = 0;  // ceil(rows / item_rows)
    index_t splits = 1;      // key-axis splits
    index_t split_keys = 0;  // keys per split, a multiple of tile_keys

    index_t items() const noexcept { return batch * heads_kv * row_blocks * splits; }
};

// The plan of p for vectors of `lanes` elements. p has batch, heads and seq_q > 0.
template <class T>
decode_plan make_decode_plan(const problem<T>& p, index_t lanes) noexcept {
    constexpr auto defaults = tuning::default_blocks<T>();
    decode_plan plan;
    plan.batch = p.batch;
    plan.heads_kv = p.heads_kv;
    plan.rows = p.group * p.seq_q;
    // Tiles no larger than the problem (fit_tile): a larger block_q or
    // block_kv would be one tile of all the rows or keys anyway, and the
    // engine's scratch sizes follow from these two.
    const index_t block_q = fit_tile(p.tiles.block_q, defaults.block_q, plan.rows);
    plan.block_rows = ceil_div(block_q, lanes) * lanes;
    plan.tile_keys = fit_tile(p.tiles.block_kv, defaults.block_kv, p.seq_kv);

    // Rows per item: as many as the state budget holds, in whole score tiles.
    const double row_bytes = double(p.head_dim + p.head_dim_v) * double(sizeof(T));
    const double budget_rows = tuning::decode_item_state_bytes / std::max(row_bytes, 1.0);
    if (double(plan.rows) <= budget_rows) {
        plan.item_rows = plan.rows;
    } else {
        const double tiles = std::max(1.0, budget_rows / double(plan.block_rows));
        plan.item_rows = std::min(plan.rows, index_t(tiles) * plan.block_rows);
    }
    plan.row_blocks = ceil_div(plan.rows, plan.item_rows);

    // Splits: enough items for the target, each split at least the minimum
    // length, all partial states within their budget; then whole key tiles.
    const index_t base_items = p.batch * p.heads_kv * plan.row_blocks;
    const index_t wanted = ceil_div(tuning::decode_target_items, base_items);
    const index_t by_length = std::max<index_t>(1, p.seq_kv / tuning::decode_min_split_keys);
    const double split_bytes =
        double(p.batch) * double(p.heads_q) * double(p.seq_q) * double(p.head_dim_v + 2) * double(sizeof(T));
    const double by_memory = std::max(1.0, tuning::decode_max_partial_bytes / split_bytes);
    const index_t splits = std::max<index_t>(1, std::min({wanted, by_length, index_t(std::min(by_memory, 1e9))}));
    plan.split_keys = std::max<index_t>(1, ceil_div(ceil_div(p.seq_kv, splits), plan.tile_keys)) * plan.tile_keys;
    plan.splits = std::max<index_t>(1, ceil_div(p.seq_kv, plan.split_keys));
    return plan;
}

ATTNKIT_END_CONFIG_NAMESPACE
}  // namespace detail
}  // namespace attnkit
