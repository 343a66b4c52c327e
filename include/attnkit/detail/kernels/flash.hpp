// attnkit: the flash variant. Tiled online softmax on one thread; extra memory
// is one tile engine's scratch, O(block_q x (head_dim + block_kv + head_dim_v)),
// never a seq_q x seq_kv buffer.
#pragma once

#include "attnkit/detail/config_namespace.hpp"
#include "attnkit/detail/tile_engine.hpp"
#include "attnkit/detail/unaliased_keys.hpp"

namespace attnkit {
namespace kernels {
ATTNKIT_BEGIN_CONFIG_NAMESPACE

template <class T, class Arch, class Mask>
void flash(const problem<T>& p, const Mask& mask) {
    detail::unaliased_keys<T> keys(p);
    keys.copy();
    detail::tile_engine<T, Arch, Mask> engine(keys.get(), mask, p.tiles.block_q, p.tiles.block_kv);
    for (index_t b = 0; b < p.batch; ++b)
        for (index_t h = 0; h < p.heads_q; ++h)
            for (index_t i0 = 0; i0 < p.seq_q; i0 += engine.block_q()) engine.run(b, h, i0);
}

ATTNKIT_END_CONFIG_NAMESPACE
}  // namespace kernels
}  // namespace attnkit
