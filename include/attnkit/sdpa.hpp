// attnkit: the front door. sdpa() validates once, then dispatches to a kernel
// chosen by variant, dtype, ISA and mask kind; kernels assume valid input.
#pragma once

#include <type_traits>

#include "attnkit/kernels/naive.hpp"
#include "attnkit/mask.hpp"
#include "attnkit/options.hpp"
#include "attnkit/problem.hpp"
#include "attnkit/validate.hpp"
#include "attnkit/view.hpp"

namespace attnkit {
namespace detail {
template <class T>
struct same {
    using type = T;
};
template <class T>
using same_t = typename same<T>::type;
}  // namespace detail

// Runs a problem that validate() accepted.
template <class T>
void run(const problem<T>& p) {
    if (p.batch == 0 || p.heads_q == 0 || p.seq_q == 0) return;
    detail::with_mask(p, [&](const auto& mask) { kernels::naive(p, mask); });
}

// out = softmax(scale * q k^T + mask) v, per (batch, query head), with the
// semantics of PyTorch's scaled_dot_product_attention (see README.md):
//   q   [batch, heads_q,  seq_q,  head_dim]     k [batch, heads_kv, seq_kv, head_dim]
//   v   [batch, heads_kv, seq_kv, head_dim_v]   out [batch, heads_q, seq_q, head_dim_v]
// Query head h reads kv head h / (heads_q / heads_kv) (grouped-query attention).
// Throws attnkit::error, before writing anything, when the inputs break the contract.
template <class T>
void sdpa(detail::same_t<tensor4<const T>> q, detail::same_t<tensor4<const T>> k,
          detail::same_t<tensor4<const T>> v, tensor4<T> out, const options<T>& opt = {}) {
    run(validate<T>(q, k, v, out, opt));
}

}  // namespace attnkit
