// attnkit: a matrix product through LIBXSMM, the tile engine's optional
// backend for its score product (Heinecke et al., "LIBXSMM: accelerating
// small matrix multiplications by runtime code generation", SC16).
//
// LIBXSMM generates, at run time and for the CPU it runs on, a register-
// blocked kernel for one GEMM shape (m, n, k, leading dimensions): no packing,
// no threads of its own, one function pointer per shape kept in its registry.
// At the tile engine's score tiles (128 queries x 252 keys x head_dim) those
// kernels run at 98-101 % of the FMA probe on Sapphire Rapids, and the engine
// uses them for S = Q K^T, and for P V at large head_dim_v, where P is
// written out transposed for them (tuning.hpp, tile_scores_by_libxsmm and
// tile_values_by_libxsmm, have the figures). Whether the backend is compiled
// in is the program's choice: define ATTNKIT_WITH_LIBXSMM and link LIBXSMM
// (CMake: the target attnkit::libxsmm; Debian: libxsmm-dev). Without it, or
// where LIBXSMM has no kernel for a shape (it returns null), the engine uses
// the micro-kernels. Each product is one call on one thread, so results stay
// bitwise identical across thread counts (and were bitwise equal to the
// micro-kernels' in every case measured, consistent with both adding the
// head_dim products in order, one fused multiply-add each).
#pragma once

#include <map>
#include <mutex>
#include <tuple>
#include <type_traits>

#include "attnkit/detail/config_namespace.hpp"
#include "attnkit/view.hpp"

#if defined(ATTNKIT_WITH_LIBXSMM)
#include <libxsmm.h>
#endif

namespace attnkit {
namespace detail {
ATTNKIT_BEGIN_CONFIG_NAMESPACE

#if defined(ATTNKIT_WITH_LIBXSMM)
inline constexpr bool small_gemm_compiled_in = true;
#else
inline constexpr bool small_gemm_compiled_in = false;
#endif

// C = A B, or C += A B when accumulating, column-major as BLAS: A is m x k
// with leading dimension lda, B is k x n with ldb, C is m x n with ldc.
template <class T>
class small_gemm {
public:
    small_gemm() = default;
    small_gemm(index_t m, index_t n, index_t k, index_t lda, index_t ldb, index_t ldc,
               bool accumulate = false) noexcept {
#if defined(ATTNKIT_WITH_LIBXSMM)
        // BLAS's contract on the leading dimensions (a K row stride that is
        // zero or negative gets none: the micro-kernels read it).
        if (m <= 0 || n <= 0 || k <= 0 || lda < m || ldb < k || ldc < m || !fits(lda) || !fits(ldb) || !fits(ldc))
            return;
        const auto im = static_cast<libxsmm_blasint>(m), in = static_cast<libxsmm_blasint>(n),
                   ik = static_cast<libxsmm_blasint>(k), ia = static_cast<libxsmm_blasint>(lda),
                   ib = static_cast<libxsmm_blasint>(ldb), ic = static_cast<libxsmm_blasint>(ldc);
        const T alpha = T(1), beta = accumulate ? T(1) : T(0);
        const int flags = accumulate ? LIBXSMM_GEMM_FLAG_NONE : LIBXSMM_GEMM_FLAG_BETA_0;
        const int prefetch = LIBXSMM_GEMM_PREFETCH_NONE;
        if constexpr (std::is_same_v<T, float>)
            kernel_ = libxsmm_smmdispatch(im, in, ik, &ia, &ib, &ic, &alpha, &beta, &flags, &prefetch);
        else
            kernel_ = libxsmm_dmmdispatch(im, in, ik, &ia, &ib, &ic, &alpha, &beta, &flags, &prefetch);
#else
        (void)m, (void)n, (void)k, (void)lda, (void)ldb, (void)ldc, (void)accumulate;
#endif
    }

    // Whether there is a kernel for the shape.
    explicit operator bool() const noexcept { return kernel_ != nullptr; }

    void operator()(const T* a, const T* b, T* c) const noexcept {
#if defined(ATTNKIT_WITH_LIBXSMM)
        kernel_(a, b, c);
#else
        (void)a, (void)b, (void)c;
#endif
    }

private:
#if defined(ATTNKIT_WITH_LIBXSMM)
    static bool fits(index_t x) noexcept { return x <= static_cast<index_t>(1) << 30; }
    using kernel_type = std::conditional_t<std::is_same_v<T, float>, libxsmm_smmfunction, libxsmm_dmmfunction>;
    kernel_type kernel_ = nullptr;
#else
    const void* kernel_ = nullptr;
#endif
};

// Verdicts on LIBXSMM's kernels for T, one per shape and process: whether a
// kernel reproduces the micro-kernel's result bit for bit (the caller's check,
// run once per shape under a lock; tile_engine.hpp, reproduces_micro_kernel).
// The engine's two products never share a shape: the scores overwrite, P V
// accumulates.
template <class T>
class small_gemm_verdicts {
public:
    struct shape {
        index_t m, n, k, lda, ldb, ldc;
        bool accumulate;
        bool operator<(const shape& o) const noexcept {
            return std::tie(m, n, k, lda, ldb, ldc, accumulate) <
                   std::tie(o.m, o.n, o.k, o.lda, o.ldb, o.ldc, o.accumulate);
        }
    };

    template <class Check>
    static bool of(const shape& s, const Check& check) noexcept {
        try {
            std::lock_guard<std::mutex> lock(mutex());
            auto& known = verdicts();
            const auto found = known.find(s);
            if (found != known.end()) return found->second;
            const bool same = check();
            known.emplace(s, same);
            return same;
        } catch (...) {  // no memory for the registry (or a lock failure): the micro-kernel
            return false;
        }
    }

private:
    static std::mutex& mutex() noexcept {
        static std::mutex m;
        return m;
    }
    static std::map<shape, bool>& verdicts() noexcept {
        static std::map<shape, bool> v;
        return v;
    }
};

ATTNKIT_END_CONFIG_NAMESPACE
}  // namespace detail
}  // namespace attnkit
