// attnkit: the blocked variant, the study's "blocked AVX" design: for each block
// of query rows, the whole score rows are materialised with the blocked SIMD
// product, normalised by a full two-pass softmax (maximum, then exp and sum),
// and multiplied by V. Extra memory O(block_q x seq_kv).
#pragma once

#include "attnkit/detail/config_namespace.hpp"
#include "attnkit/detail/tile_engine.hpp"
#include "attnkit/detail/unaliased_keys.hpp"

namespace attnkit {
namespace kernels {
ATTNKIT_BEGIN_CONFIG_NAMESPACE

template <class T, class Arch, class Mask>
void blocked(const problem<T>& p, const Mask& mask) {
    // One key tile spanning the row: the online softmax reduces to two passes.
    detail::unaliased_keys<T> keys(p);
    keys.copy();
    detail::tile_engine<T, Arch, Mask> engine(keys.get(), mask, p.tiles.block_q, 0, true);
    for (index_t b = 0; b < p.batch; ++b)
        for (index_t h = 0; h < p.heads_q; ++h)
            for (index_t i0 = 0; i0 < p.seq_q; i0 += engine.block_q()) engine.run(b, h, i0);
}

ATTNKIT_END_CONFIG_NAMESPACE
}  // namespace kernels
}  // namespace attnkit
