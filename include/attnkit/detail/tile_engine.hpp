// attnkit: one query tile against its key tiles, the tile engine of the
// flash, blocked and parallel variants (the decode variant's twin is
// decode_engine.hpp; what both do to output rows is the row engine,
// row_ops.hpp).
//
// Per query tile: pack scale * Q^T once; for each visible key tile compute
// S^T = K Q^T, apply the causal and explicit masks, absorb the tile into the
// online softmax, rescale the partial output and add P V; normalise once at
// the end (FlashAttention-2's deferred normalisation). Tiles that every mask
// removes are never computed; tiles that no mask touches are never masked.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include <xsimd/xsimd.hpp>

#include "attnkit/detail/config_namespace.hpp"
#include "attnkit/detail/finite.hpp"
#include "attnkit/detail/fit_config.hpp"
#include "attnkit/detail/mask.hpp"
#include "attnkit/detail/microkernels.hpp"
#include "attnkit/detail/prefetch.hpp"
#include "attnkit/detail/problem.hpp"
#include "attnkit/detail/row_ops.hpp"
#include "attnkit/detail/scratch.hpp"
#include "attnkit/detail/small_gemm.hpp"
#include "attnkit/detail/softmax.hpp"
#include "attnkit/tuning.hpp"

namespace attnkit {
namespace detail {
ATTNKIT_BEGIN_CONFIG_NAMESPACE

template <class T, class Arch, class Mask>
class tile_engine {
    using batch = xsimd::batch<T, Arch>;
    using tile = tuning::register_tile<T, Arch>;
    using rows_t = row_ops<T, Arch>;
    static constexpr index_t W = static_cast<index_t>(batch::size);
    static constexpr T neg_inf = -std::numeric_limits<T>::infinity();

public:
    // block_q and block_kv as config gives them (0: the defaults of
    // tuning.hpp); whole_rows makes one key tile of the whole row: the blocked
    // variant's two-pass softmax over materialised score rows. Tiles never
    // exceed the problem (fit_tile): small calls get small scratch, and the
    // sizes below cannot overflow (seq_q and seq_kv are at most index_max / 4);
    // their products are checked by aligned_scratch, which throws
    // std::bad_alloc rather than wrap.
    tile_engine(const problem<T>& p, const Mask& mask, index_t block_q, index_t block_kv, bool whole_rows = false)
        : p_(p),
          mask_(mask),
          causal_(causal_mask::of(p)),
          block_kv_(fit_tile(whole_rows ? p.seq_kv : block_kv, tuning::default_blocks<T>().block_kv, p.seq_kv)),
          block_q_(round_up(
              fit_tile(block_q, tuning::default_block_q<T>(p.head_dim, p.head_dim_v, block_kv_), p.seq_q), W)),
          query_ld_(block_q_ + tuning::scratch_row_padding<T, Arch>()),
          o_ld_(round_up(std::max<index_t>(p.head_dim_v, 1), W)),
          value_chunk_(std::max<index_t>(tuning::value_chunk_bytes / (block_q_ * static_cast<index_t>(sizeof(T))), 1)),
          qt_({p.head_dim, query_ld_}),
          st_({round_up(block_kv_, tile::score_keys), query_ld_}),
          o_({block_q_, o_ld_}),
          stats_({4, block_q_}),
          repeat_(block_q_),
          by_gemm_(small_gemm_compiled_in && tuning::tile_scores_by_libxsmm<Arch>),
          scores_gemm_(scores_product(block_q_, block_kv_)) {
        std::fill(repeat_.get(), repeat_.get() + block_q_, static_cast<unsigned char>(0));
    }

    index_t block_q() const noexcept { return block_q_; }

    // Query rows [i0, i0 + block_q) of query head h in batch b.
    void run(index_t b, index_t h, index_t i0) noexcept {
        const index_t rows = std::min(block_q_, p_.seq_q - i0);
        const index_t width = round_up(rows, W);
        T* m = stats_.get();
        pack_queries(b, h, i0, rows, width);
        online_softmax<T, Arch> softmax(m, m + block_q_, width);
        // Rows whose accumulator overflowed are computed again with lowered
        // weights and written then; the others are written after the first
        // pass (row_ops.hpp). Padding rows may overflow harmlessly: they are
        // never written out.
        rows_t::with_overflow_repeat(
            o_.get(), o_ld_, rows, p_.head_dim_v, p_.seq_kv, repeat_.get(),
            [&](int headroom) {
                softmax = online_softmax<T, Arch>(m, m + block_q_, width, headroom);
                absorb_keys(b, h, i0, rows, softmax);
            },
            [&](const unsigned char* only, unsigned char value) {
                write_output(b, h, i0, rows, softmax, only, value);
            });
    }

private:
    // The key loop of one query tile into the output accumulator.
    void absorb_keys(index_t b, index_t h, index_t i0, index_t rows, online_softmax<T, Arch>& softmax) noexcept {
        const index_t width = round_up(rows, W);
        const index_t hk = h / p_.group;
        const auto mask = mask_.at(b, h);
        T* alpha = stats_.get() + 2 * block_q_;
        T* tile_max = stats_.get() + 3 * block_q_;
        softmax.reset();
        std::fill(o_.get(), o_.get() + width * o_ld_, T(0));

        const index_t keys_end = causal_.visible_end(i0 + rows - 1);
        for (index_t j0 = 0; j0 < keys_end; j0 += block_kv_) {
            const index_t keys = std::min(block_kv_, keys_end - j0);
            const tile_class explicit_class = mask.classify(i0, i0 + rows, j0, j0 + keys);
            if (explicit_class == tile_class::skip) continue;
            const bool causal_cut = causal_.cuts(i0, j0 + keys);

            // A tile no mask touches takes its maximum from the score kernel.
            const bool clear = !causal_cut && explicit_class == tile_class::clear;
            // small_gemm computes whole tiles: on the diagonal the
            // micro-kernel, which skips the causally hidden blocks, does less.
            const bool gemm = by_gemm_ && !causal_cut;
            const bool have_max = compute_scores(b, hk, i0, j0, keys, width, clear ? tile_max : nullptr, gemm);
            if (explicit_class != tile_class::clear) mask.apply(st_.get(), query_ld_, i0, rows, j0, keys);
            if (causal_cut) causal_.apply(st_.get(), query_ld_, i0, width, j0, keys);
            softmax.absorb(st_.get(), keys, query_ld_, alpha, have_max ? tile_max : nullptr);
            const bool holed = causal_cut || explicit_class == tile_class::holed;
            if (holed && !values_finite<T, Arch>(v_row(b, hk, j0), p_.v.stride(2), keys, p_.head_dim_v)) {
                rows_t::rescale(o_.get(), o_ld_, alpha, width);
                accumulate_visible_values(b, hk, i0, rows, j0, keys, mask);
            } else {
                accumulate_values(b, hk, i0, j0, keys, width, alpha, keys_end);
            }
        }
    }

    const T* k_row(index_t b, index_t hk, index_t j) const noexcept { return row_start(p_.k, b, hk, j); }
    const T* v_row(index_t b, index_t hk, index_t j) const noexcept { return row_start(p_.v, b, hk, j); }

    // qt[d][i] = scale * q[i][d]; padding columns are zero so they stay finite.
    // The transpose goes by square blocks of one cache line of float per side,
    // so that both the rows read and the rows written stay in L1 (row by row,
    // every element written would touch another line of qt).
    void pack_queries(index_t b, index_t h, index_t i0, index_t rows, index_t width) noexcept {
        constexpr index_t side = 16;
        T* qt = qt_.get();
        const T* q = row_start(p_.q, b, h, i0);
        const index_t q_stride = p_.q.stride(2);
        for (index_t ib = 0; ib < rows; ib += side)
            for (index_t db = 0; db < p_.head_dim; db += side) {
                const index_t i_end = std::min(ib + side, rows), d_end = std::min(db + side, p_.head_dim);
                for (index_t i = ib; i < i_end; ++i)
                    for (index_t d = db; d < d_end; ++d) qt[d * query_ld_ + i] = p_.scale * q[i * q_stride + d];
            }
        for (index_t d = 0; d < p_.head_dim; ++d)
            for (index_t i = rows; i < width; ++i) qt[d * query_ld_ + i] = T(0);
    }

    // Blocks of keys that the causal mask hides from every query of a block of
    // vectors are not computed (causal_mask::apply overwrites them with -inf): on the
    // diagonal that is half of the tile.
    // tile_max (optional): receives the tile's maximum score per query.
    // gemm: the product goes through small_gemm (LIBXSMM) where it has a
    // kernel for the shape; that fills no tile_max. Returns whether tile_max
    // was filled.
    bool compute_scores(index_t b, index_t hk, index_t i0, index_t j0, index_t keys, index_t width, T* tile_max,
                        bool gemm) noexcept {
        if (gemm) {
            const small_gemm<T> product =
                width == block_q_ && keys == block_kv_ ? scores_gemm_ : scores_product(width, keys);
            if (product) {
                product(qt_.get(), k_row(b, hk, j0), st_.get());
                return false;
            }
        }
        micro_scores(
            qt_.get(), query_ld_, k_row(b, hk, j0), p_.k.stride(2), keys, width, p_.head_dim, st_.get(), tile_max,
            [&](index_t last_query) { return std::min(keys, causal_.visible_end(i0 + last_query) - j0); },
            [&](index_t r0) {
                prefetch_rows(v_row(b, hk, j0), p_.v.stride(2), p_.head_dim_v, r0, r0 + tile::score_keys, keys);
            });
        return tile_max != nullptr;
    }

    // S^T (st, ld query_ld_) = K Q^T by the micro-kernel for keys rows of K
    // (k, row stride k_stride) and width queries of qt. seen(q): the keys the
    // queries up to q see (each block of vectors stops there); started(r0):
    // called once per block of keys, as its first scores are computed.
    template <class Seen, class Started>
    static void micro_scores(const T* qt_all, index_t ld, const T* k, index_t k_stride, index_t keys,
                             index_t width, index_t head_dim, T* st, T* tile_max, const Seen& seen_by,
                             const Started& started) noexcept {
        constexpr int MR = tile::score_keys;
        constexpr int NR = tile::score_vectors;
        const index_t vectors = width / W;
        if (tile_max) std::fill(tile_max, tile_max + width, neg_inf);
        // head_dim = 0 still has to write the (zero) scores.
        const index_t depth = std::max<index_t>(head_dim, 1);
        for (index_t d0 = 0; d0 < depth; d0 += tile::score_depth) {
            const index_t d1 = std::min<index_t>(d0 + tile::score_depth, head_dim);
            const bool last = tile_max && d1 == head_dim;
            for (index_t n0 = 0; n0 < vectors; n0 += NR) {
                const int nr = static_cast<int>(std::min<index_t>(NR, vectors - n0));
                const index_t seen = seen_by((n0 + nr) * W - 1);
                for (index_t r0 = 0; r0 < seen; r0 += MR) {
                    if (d0 == 0 && n0 == 0) started(r0);
                    // Rows past the tile repeat its last key: computed, never read.
                    // An empty K may be null, and an offset on null is undefined
                    // even where nothing is read (row_start, view.hpp).
                    const T* rows_ptr[MR];
                    for (int r = 0; r < MR; ++r)
                        rows_ptr[r] = k ? k + std::min<index_t>(r0 + r, keys - 1) * k_stride : k;
                    T* out = st + r0 * ld + n0 * W;
                    const T* qt = qt_all + n0 * W;
                    with_width<NR>(nr, [&](auto n) {
                        scores_block<T, Arch, MR, decltype(n)::value>(rows_ptr, qt, ld, d0, d1, out, ld, d0 > 0,
                                                                      last ? tile_max + n0 * W : nullptr);
                    });
                }
            }
        }
    }

    // Whether LIBXSMM's kernel for this score tile computes what the
    // micro-kernel computes, bit for bit: checked once per shape and process
    // on seeded inputs (small_gemm_verdicts). LIBXSMM adds the head_dim
    // products in order with one fused multiply-add each for most shapes, as
    // the micro-kernel does, but not for all (measured: float with 5 vectors of
    // queries, or 16 queries against 8 keys); a shape where it differs keeps
    // the micro-kernel, so that results never depend on the tiling that
    // automatic picks for a thread count, nor on the backend.
    static bool reproduces_micro_kernel(const small_gemm<T>& product, index_t width, index_t keys, index_t ld,
                                        index_t head_dim, index_t k_stride) noexcept {
        try {
            return reproduces_on_seeded_inputs(product, width, keys, ld, head_dim, k_stride);
        } catch (...) {  // no memory for the check's inputs: the micro-kernel
            return false;
        }
    }
    static auto bits_of(T x) noexcept {
        std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t> bits;
        static_assert(sizeof(bits) == sizeof(T));
        std::memcpy(&bits, &x, sizeof(T));
        return bits;
    }
    static bool reproduces_on_seeded_inputs(const small_gemm<T>& product, index_t width, index_t keys, index_t ld,
                                            index_t head_dim, index_t k_stride) {
        aligned_scratch<T> q({head_dim, ld}), k((keys - 1) * k_stride + head_dim),
            by_gemm({round_up(keys, tile::score_keys), ld}), by_micro({round_up(keys, tile::score_keys), ld});
        // Uniform in [-1, 1) with every bit of T's significand random (splitmix64):
        // inputs of fewer bits would make their sums exact in any order, and
        // the check blind.
        std::uint64_t state = 0x9e3779b97f4a7c15u;
        const auto next = [&state] {
            std::uint64_t z = (state += 0x9e3779b97f4a7c15u);
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
            z ^= z >> 31;
            return static_cast<T>(static_cast<double>(z >> 11) * 0x1p-52 - 1.0);
        };
        for (index_t i = 0; i < head_dim * ld; ++i) q.get()[i] = next();
        for (index_t i = 0; i < (keys - 1) * k_stride + head_dim; ++i) k.get()[i] = next();
        product(q.get(), k.get(), by_gemm.get());
        micro_scores(
            q.get(), ld, k.get(), k_stride, keys, width, head_dim, by_micro.get(), nullptr,
            [keys](index_t) { return keys; }, [](index_t) {});
        for (index_t j = 0; j < keys; ++j)
            for (index_t c = 0; c < width; ++c)
                if (bits_of(by_gemm.get()[j * ld + c]) != bits_of(by_micro.get()[j * ld + c])) return false;
        return true;
    }

    // The score product as a small_gemm kernel, column-major
    // (small_gemm.hpp): S (width x keys, which st_'s rows hold as S^T) =
    // Q (qt_, width x head_dim) K^T (K's rows as the columns of a head_dim x
    // keys matrix). Null when the backend is off or has no kernel for the shape.
    small_gemm<T> scores_product(index_t width, index_t keys) const noexcept {
        if (!by_gemm_) return {};
        const index_t k_stride = p_.k.stride(2);
        small_gemm<T> product(width, keys, p_.head_dim, query_ld_, k_stride, query_ld_);
        if (!product) return {};
        const bool same = small_gemm_verdicts<T>::of({width, keys, p_.head_dim, query_ld_, k_stride, query_ld_}, [&] {
            return reproduces_micro_kernel(product, width, keys, query_ld_, p_.head_dim, k_stride);
        });
        return same ? product : small_gemm<T>();
    }

    // O += P V in chunks of keys whose V panel and P rows stay in L1 while
    // every block of queries passes over them (unchunked, each block of
    // queries streamed the whole V tile from L2). Each block of queries adds
    // only the keys its last query sees: the causally hidden ones weigh 0. The
    // first chunk also rescales the accumulator by alpha; a block of queries
    // that sees none of the tile's keys keeps its m, so its alpha is exactly 1
    // (or 0 on a zero accumulator, before any key) and it needs no rescale.
    void accumulate_values(index_t b, index_t hk, index_t i0, index_t j0, index_t keys, index_t width,
                           const T* alpha, index_t keys_end) noexcept {
        constexpr int MR = tile::value_rows;
        constexpr int NR = tile::value_vectors;
        const index_t full_vectors = p_.head_dim_v / W;
        const index_t v_stride = p_.v.stride(2);
        const index_t tail = p_.head_dim_v - full_vectors * W;
        // The next key tile's K rows, a few per block of queries of the first strip.
        const index_t next = j0 + block_kv_;
        const T* k_next = next < keys_end ? k_row(b, hk, next) : nullptr;
        const index_t k_per_block = std::max<index_t>((value_chunk_ * MR + width - 1) / width, 1);
        for (index_t c0 = 0; c0 < keys; c0 += value_chunk_) {
            const index_t chunk = std::min(value_chunk_, keys - c0);
            const T* v = v_row(b, hk, j0 + c0);
            const T* pt = st_.get() + c0 * query_ld_;
            const auto seen = [&](index_t last_query) {
                return std::clamp<index_t>(causal_.visible_end(i0 + last_query) - j0 - c0, 0, chunk);
            };
            for (index_t n0 = 0; n0 < full_vectors; n0 += NR) {
                const int nr = static_cast<int>(std::min<index_t>(NR, full_vectors - n0));
                with_width<NR>(nr, [&](auto n) {
                    for (index_t i = 0; i < width; i += MR) {
                        if (n0 == 0 && k_next) {
                            const index_t first = c0 + i / MR * k_per_block;
                            prefetch_rows(k_next, p_.k.stride(2), p_.head_dim, first,
                                          std::min(first + k_per_block, c0 + value_chunk_), keys_end - next);
                        }
                        const int mr = static_cast<int>(std::min<index_t>(MR, width - i));
                        const index_t used = seen(i + mr - 1);
                        if (used == 0) continue;
                        with_width<MR>(mr, [&](auto m) {
                            weighted_sum_block<T, Arch, decltype(m)::value, decltype(n)::value>(
                                pt + i, query_ld_, v + n0 * W, v_stride, used, o_.get() + i * o_ld_ + n0 * W, o_ld_,
                                c0 == 0 ? alpha + i : nullptr);
                        });
                    }
                });
            }
            if (tail > 0)
                for (index_t i = 0; i < width; ++i)
                    weighted_sum_tail<T, 1>(pt + i, query_ld_, v + full_vectors * W, v_stride, seen(i), tail,
                                            o_.get() + i * o_ld_ + full_vectors * W, o_ld_,
                                            c0 == 0 ? alpha + i : nullptr);
        }
    }

    // The NaN-safe path: each row adds only the keys it sees.
    template <class Head>
    void accumulate_visible_values(index_t b, index_t hk, index_t i0, index_t rows, index_t j0, index_t keys,
                                   const Head& mask) noexcept {
        for (index_t i = 0; i < rows; ++i)
            rows_t::add_visible_values(o_.get() + i * o_ld_, st_.get() + i, query_ld_, mask, i0 + i, j0,
                                       std::min(j0 + keys, causal_.visible_end(i0 + i)), v_row(b, hk, j0),
                                       p_.v.stride(2), p_.head_dim_v);
    }

    // Rows i with only[i] == value (every row when only is null).
    void write_output(index_t b, index_t h, index_t i0, index_t rows, const online_softmax<T, Arch>& softmax,
                      const unsigned char* only, unsigned char value) noexcept {
        for (index_t i = 0; i < rows; ++i)
            if (!only || only[i] == value) rows_t::write_row(p_, b, h, i0 + i, o_.get() + i * o_ld_, softmax, i);
    }

    const problem<T>& p_;
    const Mask& mask_;
    const causal_mask causal_;
    index_t block_kv_, block_q_, query_ld_, o_ld_, value_chunk_;
    aligned_scratch<T> qt_, st_, o_, stats_;
    aligned_scratch<unsigned char> repeat_;
    bool by_gemm_;
    small_gemm<T> scores_gemm_;  // the full tile's score product, when by_gemm_
};

ATTNKIT_END_CONFIG_NAMESPACE
}  // namespace detail
}  // namespace attnkit
