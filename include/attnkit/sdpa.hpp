// attnkit: the front door. sdpa() validates once, then chooses the variant, the
// ISA and the mask kind once per call and hands a valid problem to a kernel.
#pragma once

#include <type_traits>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "attnkit/detail/isa_kernels.hpp"
#include "attnkit/isa.hpp"
#include "attnkit/kernels/naive.hpp"
#include "attnkit/mask.hpp"
#include "attnkit/options.hpp"
#include "attnkit/problem.hpp"
#include "attnkit/tuning.hpp"
#include "attnkit/validate.hpp"
#include "attnkit/view.hpp"

#if !defined(ATTNKIT_ISA_DISPATCH) && !defined(XSIMD_NO_SUPPORTED_ARCHITECTURE)
#include "attnkit/detail/isa_instance.hpp"
#endif

namespace attnkit {
namespace detail {
template <class T>
struct same {
    using type = T;
};
template <class T>
using same_t = typename same<T>::type;

template <class T>
bool head_dim_contiguous(const problem<T>& p) {
    const auto unit = [](const auto& t) { return t.extent(3) <= 1 || t.stride(3) == 1; };
    return unit(p.q) && unit(p.k) && unit(p.v) && unit(p.out);
}

// The automatic variant's heuristic (thresholds in tuning.hpp): the naive
// kernel where head_dim is strided (the SIMD kernels need unit stride), decode
// for a few query rows per head, the parallel one where every thread gets
// enough work, flash otherwise.
template <class T>
variant choose_variant(const problem<T>& p) {
    if (!head_dim_contiguous(p)) return variant::naive;
    if (p.seq_q <= tuning::decode_max_seq_q) return variant::decode;
#ifdef _OPENMP
    const int threads = p.tiles.threads > 0 ? p.tiles.threads : omp_get_max_threads();
#else
    const int threads = 1;
#endif
    const double flop = 2.0 * double(p.batch) * double(p.heads_q) * double(p.seq_q) * double(p.seq_kv) *
                        double(p.head_dim + p.head_dim_v);
    if (threads > 1 && flop / threads >= tuning::parallel_min_flop_per_thread) return variant::parallel;
    return variant::flash;
}

template <class T>
void run_on_isa(const problem<T>& p, isa x) {
    switch (x) {
#if defined(ATTNKIT_ISA_DISPATCH)
#if defined(ATTNKIT_HAVE_ISA_AVX512)
        case isa::avx512: return isa_kernels<xsimd::avx512bw>::run(p);
#endif
#if defined(ATTNKIT_HAVE_ISA_AVX2)
        case isa::avx2: return isa_kernels<xsimd::fma3<xsimd::avx2>>::run(p);
#endif
#if defined(ATTNKIT_HAVE_ISA_SSE2)
        case isa::sse2: return isa_kernels<xsimd::sse2>::run(p);
#endif
#if defined(ATTNKIT_HAVE_ISA_NEON)
        case isa::neon: return isa_kernels<xsimd::neon64>::run(p);
#endif
#elif !defined(XSIMD_NO_SUPPORTED_ARCHITECTURE)
        case compiled_isa(): return isa_kernels<xsimd::default_arch>::run(p);
#endif
        default: break;
    }
    with_mask(p, [&](const auto& mask) { kernels::naive(p, mask); });
}

}  // namespace detail

// Runs a problem that validate() accepted.
template <class T>
void run(problem<T> p) {
    if (p.batch == 0 || p.heads_q == 0 || p.seq_q == 0) return;
    if (p.kernel == variant::automatic) p.kernel = detail::choose_variant(p);
    if (p.kernel == variant::naive) {
        detail::with_mask(p, [&](const auto& mask) { kernels::naive(p, mask); });
        return;
    }
    detail::run_on_isa(p, selected_isa(p.tiles.instruction_set));
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
