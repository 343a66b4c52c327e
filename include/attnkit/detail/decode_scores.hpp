// attnkit: scores of a few query rows, with the vector along head_dim.
//
// scores_block computes S^T = K Q^T with the vector along the queries: every
// multiply-add serves one vector of query rows. Decoding has fewer rows than
// a vector has lanes (one per query head of a group, times seq_q), and the
// unused lanes of every multiply-add are wasted. Here the vector runs along
// head_dim instead: each (key, row) pair is a dot product of head_dim / W
// multiply-adds with no lane wasted, and the W lanes of W keys' partial sums
// are reduced together (xsimd::haddp, a transposing reduction tree) into one
// vector of W scores.
#pragma once

#include <array>
#include <cstddef>

#include <xsimd/xsimd.hpp>

#include "attnkit/detail/config_namespace.hpp"
#include "attnkit/view.hpp"

namespace attnkit {
namespace detail {
ATTNKIT_BEGIN_CONFIG_NAMESPACE

// xsimd::haddp: lane j of the result is the sum of the lanes of rows[j] (but
// see haddp_lanes). GCC before 13 warns that its own AVX-512 shuffle
// intrinsics, inlined here, read an uninitialised variable (GCC bug 105593:
// _mm512_undefined_* initialises a variable with itself); that false positive
// is silenced for this one function.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
template <class T, class Arch>
inline xsimd::batch<T, Arch> lane_sums(const xsimd::batch<T, Arch>* rows) noexcept {
    return xsimd::haddp(rows);
}
#pragma GCC diagnostic pop

// The lane of xsimd::haddp(rows) that holds the sum of rows[j]. xsimd
// documents lane j, but the AVX-512 float version of xsimd 8.1 interleaves
// them (lanes 0 1 4 5 2 3 6 7 ...): asking haddp once keeps the scores right
// with any xsimd. Computed on first use (haddp_lanes), then shared by every
// thread. A function rather than a lambda: Clang rejects a lambda that uses the
// enclosing function's constexpr W without capturing it (GCC accepts it).
template <class T, class Arch>
std::array<int, xsimd::batch<T, Arch>::size> ask_haddp_lanes() {
    using batch = xsimd::batch<T, Arch>;
    constexpr int W = static_cast<int>(batch::size);
    // Every lane of rows[j] is j + 1, so lane l of the result is W (j + 1)
    // for the j it holds: small integers, exact in T.
    batch rows[W];
    for (int j = 0; j < W; ++j) rows[j] = batch(T(j + 1));
    alignas(64) T sums[W];
    lane_sums(rows).store_aligned(sums);
    std::array<int, W> of{};
    for (int l = 0; l < W; ++l) of[static_cast<std::size_t>(static_cast<int>(sums[l]) / W - 1)] = l;
    return of;
}

template <class T, class Arch>
const std::array<int, xsimd::batch<T, Arch>::size>& haddp_lanes() {
    static const std::array<int, xsimd::batch<T, Arch>::size> lanes = ask_haddp_lanes<T, Arch>();
    return lanes;
}

// S^T[j][r] = sum_d k[j * k_stride + d] * q[r][d] for W keys j and rows
// r < rows. q: [rows][q_ld], each row aligned to the vector size; st:
// [W][st_ld]; lanes: haddp_lanes<T, Arch>(). The W key rows are addressed
// from one pointer and a stride, which keeps the loop's addresses in a few
// registers and its W accumulators in vector registers.
template <class T, class Arch>
inline void scores_along_head_dim(const T* k, index_t k_stride, const T* q, index_t q_ld, index_t rows,
                                  index_t head_dim, T* st, index_t st_ld, const int* lanes) noexcept {
    using batch = xsimd::batch<T, Arch>;
    constexpr int W = static_cast<int>(batch::size);
    const index_t full = head_dim / W * W;
    alignas(64) T sums[W];
    for (index_t r = 0; r < rows; ++r) {
        const T* qr = q + r * q_ld;
        batch acc[W];
#pragma GCC unroll 16
        for (int j = 0; j < W; ++j) acc[j] = batch(T(0));
        for (index_t d = 0; d < full; d += W) {
            const batch qv = batch::load_aligned(qr + d);
            const T* kd = k + d;
#pragma GCC unroll 16
            for (int j = 0; j < W; ++j) acc[j] = xsimd::fma(batch::load_unaligned(kd + j * k_stride), qv, acc[j]);
        }
        lane_sums(acc).store_aligned(sums);
        for (int j = 0; j < W; ++j) {
            T s = sums[lanes[j]];
            for (index_t d = full; d < head_dim; ++d) s += k[j * k_stride + d] * qr[d];
            st[j * st_ld + r] = s;
        }
    }
}

ATTNKIT_END_CONFIG_NAMESPACE
}  // namespace detail
}  // namespace attnkit
