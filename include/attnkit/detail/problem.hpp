// attnkit: the validated, normalised description of one sdpa() call.
//
// validate() builds it once at the front door; every kernel receives it and may
// assume what validate() checked: consistent extents, non-overlapping outputs,
// index arithmetic that cannot overflow, a finite positive scale, and (for every
// kernel but naive) unit stride along head_dim.
//
// A vocabulary type, outside the per-configuration namespace
// (detail/config_namespace.hpp): with attnkit_add_isa_dispatch it crosses from
// the front door to the kernels of units built with other flags.
#pragma once

#include "attnkit/options.hpp"
#include "attnkit/view.hpp"

namespace attnkit {

enum class mask_kind { none, boolean, additive };

template <class T>
struct problem {
    tensor4<const T> q, k, v;
    tensor4<T> out;

    index_t batch = 0, heads_q = 0, heads_kv = 0, seq_q = 0, seq_kv = 0, head_dim = 0, head_dim_v = 0;
    index_t group = 1;  // query heads per kv head: query head h reads kv head h / group

    T scale = T(1);

    // Key j is visible to query i iff j <= i + causal_offset. Without causal
    // masking the offset is seq_kv, which makes every key visible. The
    // kernels read it through detail::causal_mask (mask.hpp).
    index_t causal_offset = 0;

    // The explicit mask, broadcast to [batch, heads_q, seq_q, seq_kv] (broadcast
    // dimensions carry stride 0). Only the member named by mask is meaningful.
    mask_kind mask = mask_kind::none;
    tensor4<const bool> bool_mask;
    tensor4<const T> additive_mask;

    tensor3<T> lse;  // data() == nullptr when not requested

    variant kernel = variant::naive;
    config tiles;

};

}  // namespace attnkit
