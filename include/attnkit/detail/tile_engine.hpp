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
#include <optional>
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
          values_by_gemm_(by_gemm_ && tuning::tile_values_by_libxsmm<T, Arch>(p.head_dim_v)),
          pt_ld_(round_up(block_kv_, W)),
          scores_gemm_(scores_product(block_q_, block_kv_)),
          values_gemm_(values_product(block_q_, block_kv_)) {
        std::fill(repeat_.get(), repeat_.get() + block_q_, static_cast<unsigned char>(0));
        if (values_by_gemm_) {
            pt_.emplace({block_q_, pt_ld_});
            v_panel_.emplace({block_kv_, std::min(p.head_dim_v, tuning::value_gemm_columns)});
        }
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
            } else if (!(gemm && keys == block_kv_ && values_by_gemm_ &&
                         accumulate_values_by_gemm(b, hk, j0, width, alpha))) {
                accumulate_values(b, hk, i0, j0, keys, width, alpha, keys_end);
            }
        }
    }

    const T* k_row(index_t b, index_t hk, index_t j) const noexcept { return row_start(p_.k, b, hk, j); }
    const T* v_row(index_t b, index_t hk, index_t j) const noexcept { return row_start(p_.v, b, hk, j); }

    // qt[d][i] = scale * q[i][d]; padding columns are zero so they stay finite.
    void pack_queries(index_t b, index_t h, index_t i0, index_t rows, index_t width) noexcept {
        T* qt = qt_.get();
        transpose(row_start(p_.q, b, h, i0), p_.q.stride(2), rows, p_.head_dim, p_.scale, qt, query_ld_);
        for (index_t d = 0; d < p_.head_dim; ++d)
            for (index_t i = rows; i < width; ++i) qt[d * query_ld_ + i] = T(0);
    }

    // dst[c][r] = scale * src[r][c] for rows x cols values of src. By square
    // blocks of one cache line of float per side, so that both the rows read
    // and the rows written stay in L1 (row by row, every element written would
    // touch another line of dst).
    static void transpose(const T* src, index_t src_ld, index_t rows, index_t cols, T scale, T* dst,
                          index_t dst_ld) noexcept {
        constexpr index_t side = 16;
        for (index_t rb = 0; rb < rows; rb += side)
            for (index_t cb = 0; cb < cols; cb += side) {
                const index_t r_end = std::min(rb + side, rows), c_end = std::min(cb + side, cols);
                for (index_t r = rb; r < r_end; ++r)
                    for (index_t c = cb; c < c_end; ++c) dst[c * dst_ld + r] = scale * src[r * src_ld + c];
            }
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
    // Uniform in [-1, 1) with every bit of T's significand random (splitmix64):
    // inputs of fewer bits would make their sums exact in any order, and the
    // checks blind.
    struct seeded_uniform {
        std::uint64_t state = 0x9e3779b97f4a7c15u;
        void fill(T* x, index_t n) noexcept {
            for (index_t i = 0; i < n; ++i) {
                std::uint64_t z = (state += 0x9e3779b97f4a7c15u);
                z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
                z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
                z ^= z >> 31;
                x[i] = static_cast<T>(static_cast<double>(z >> 11) * 0x1p-52 - 1.0);
            }
        }
    };
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
        seeded_uniform seeds;
        seeds.fill(q.get(), head_dim * ld);
        seeds.fill(k.get(), (keys - 1) * k_stride + head_dim);
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
    // keys matrix). Null when the backend is off or has no kernel for the
    // shape, or the kernel does not reproduce the micro-kernel.
    small_gemm<T> scores_product(index_t width, index_t keys) const noexcept {
        if (!by_gemm_) return {};
        const index_t k_stride = p_.k.stride(2);
        small_gemm<T> product(width, keys, p_.head_dim, query_ld_, k_stride, query_ld_);
        if (!product) return {};
        const bool same =
            small_gemm_verdicts<T>::of({width, keys, p_.head_dim, query_ld_, k_stride, query_ld_, false}, [&] {
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
        // The next key tile's K rows, a few per block of queries of the first strip.
        const index_t next = j0 + block_kv_;
        const T* k_next = next < keys_end ? k_row(b, hk, next) : nullptr;
        const index_t k_per_block = std::max<index_t>((value_chunk_ * tile::value_rows + width - 1) / width, 1);
        micro_values(
            st_.get(), query_ld_, v_row(b, hk, j0), p_.v.stride(2), keys, width, p_.head_dim_v, o_.get(), o_ld_,
            value_chunk_, alpha,
            [&](index_t last_query, index_t c0, index_t chunk) {
                return std::clamp<index_t>(causal_.visible_end(i0 + last_query) - j0 - c0, 0, chunk);
            },
            [&](index_t c0, index_t i) {
                if (!k_next) return;
                const index_t first = c0 + i / tile::value_rows * k_per_block;
                prefetch_rows(k_next, p_.k.stride(2), p_.head_dim, first,
                              std::min(first + k_per_block, c0 + value_chunk_), keys_end - next);
            });
    }

    // O (o, ld o_ld) += P V by the micro-kernels for keys rows of V (v, row
    // stride v_stride) weighted by the columns of P^T (pt, ld), in chunks of
    // chunk keys; alpha (optional): the rescale the first chunk applies.
    // seen(q, c0, chunk): the keys of the chunk at c0 that the queries up to q
    // see; before_block(c0, i): called before each block of queries of the
    // first strip of value vectors.
    template <class Seen, class BeforeBlock>
    static void micro_values(const T* pt_all, index_t ld, const T* v_all, index_t v_stride, index_t keys,
                             index_t width, index_t head_dim_v, T* o, index_t o_ld, index_t chunk_keys,
                             const T* alpha, const Seen& seen_by, const BeforeBlock& before_block) noexcept {
        constexpr int MR = tile::value_rows;
        constexpr int NR = tile::value_vectors;
        const index_t full_vectors = head_dim_v / W;
        const index_t tail = head_dim_v - full_vectors * W;
        for (index_t c0 = 0; c0 < keys; c0 += chunk_keys) {
            const index_t chunk = std::min(chunk_keys, keys - c0);
            const T* v = v_all + c0 * v_stride;
            const T* pt = pt_all + c0 * ld;
            const T* scale = c0 == 0 ? alpha : nullptr;
            for (index_t n0 = 0; n0 < full_vectors; n0 += NR) {
                const int nr = static_cast<int>(std::min<index_t>(NR, full_vectors - n0));
                with_width<NR>(nr, [&](auto n) {
                    for (index_t i = 0; i < width; i += MR) {
                        if (n0 == 0) before_block(c0, i);
                        const int mr = static_cast<int>(std::min<index_t>(MR, width - i));
                        const index_t used = seen_by(i + mr - 1, c0, chunk);
                        if (used == 0) continue;
                        with_width<MR>(mr, [&](auto m) {
                            weighted_sum_block<T, Arch, decltype(m)::value, decltype(n)::value>(
                                pt + i, ld, v + n0 * W, v_stride, used, o + i * o_ld + n0 * W, o_ld,
                                scale ? scale + i : nullptr);
                        });
                    }
                });
            }
            if (tail > 0)
                for (index_t i = 0; i < width; ++i)
                    weighted_sum_tail<T, 1>(pt + i, ld, v + full_vectors * W, v_stride, seen_by(i, c0, chunk), tail,
                                            o + i * o_ld + full_vectors * W, o_ld, scale ? scale + i : nullptr);
        }
    }

    // O += P V through small_gemm (LIBXSMM) for a whole key tile that the
    // causal mask does not cut (the last, shorter tile pays less for its
    // copies with the micro-kernels), by blocks of value columns: O^T (+)= V^T P^T, column-major. P^T
    // is transposed into pt_ and each block of V's columns copied into a
    // panel of its own (v_panel_), so that the kernels read neither a
    // transposed operand (those ran at 79-91 % of the probe, these at 98-101
    // %) nor rows a long stride apart (V's rows of 1024 floats are 4 KiB
    // apart: every row of a block in the same few sets of L1). The
    // accumulator is rescaled by alpha first, as the micro-kernels do on their
    // first chunk (the same rounding: o * alpha, then one fused multiply-add
    // per key in key order). Returns false, having done nothing, where there
    // is no reproducing kernel for the shape.
    bool accumulate_values_by_gemm(index_t b, index_t hk, index_t j0, index_t width, const T* alpha) noexcept {
        const index_t keys = block_kv_;
        const value_products product = width == block_q_ ? values_gemm_ : values_product(width, keys);
        if (!product) return false;
        transpose(st_.get(), query_ld_, keys, width, T(1), pt_->get(), pt_ld_);
        rows_t::rescale(o_.get(), o_ld_, alpha, width);
        const T* v = v_row(b, hk, j0);
        const index_t v_stride = p_.v.stride(2), dv = p_.head_dim_v;
        for (index_t c0 = 0; c0 < dv; c0 += product.columns) {
            const index_t columns = std::min(product.columns, dv - c0);
            copy_panel(v + c0, v_stride, keys, columns, v_panel_->get());
            (columns == product.columns ? product.block : product.last)(v_panel_->get(), pt_->get(), o_.get() + c0);
        }
        return true;
    }

    // panel[j][c] = v[j][c] for keys rows and columns columns (row stride
    // columns).
    static void copy_panel(const T* v, index_t v_stride, index_t keys, index_t columns, T* panel) noexcept {
        for (index_t j = 0; j < keys; ++j) std::copy(v + j * v_stride, v + j * v_stride + columns, panel + j * columns);
    }

    // The P V kernels, column-major: a block of O^T (columns rows of o_) +=
    // that block of V^T (v_panel_, columns x keys) P^T (pt_'s rows, keys x
    // width); last: the kernel of the last, narrower block. False when the
    // backend is off for P V, has no kernel for a block, or a kernel does not
    // reproduce the micro-kernels.
    struct value_products {
        small_gemm<T> block, last;
        index_t columns = 0;
        explicit operator bool() const noexcept { return static_cast<bool>(block) && static_cast<bool>(last); }
    };
    value_products values_product(index_t width, index_t keys) const noexcept {
        if (!values_by_gemm_) return {};
        value_products products;
        products.columns = std::min(p_.head_dim_v, tuning::value_gemm_columns);
        products.block = checked_values_product(products.columns, width, keys);
        const index_t rest = p_.head_dim_v % products.columns;
        products.last = rest == 0 ? products.block : checked_values_product(rest, width, keys);
        return products;
    }
    small_gemm<T> checked_values_product(index_t columns, index_t width, index_t keys) const noexcept {
        small_gemm<T> product(columns, width, keys, columns, pt_ld_, o_ld_, true);
        if (!product) return {};
        const bool same = small_gemm_verdicts<T>::of({columns, width, keys, columns, pt_ld_, o_ld_, true}, [&] {
            return reproduces_micro_values(product, width, keys, columns, columns, pt_ld_, o_ld_);
        });
        return same ? product : small_gemm<T>();
    }

    // Whether a P V kernel computes what micro_values computes, bit for bit,
    // from the same accumulator (the check of reproduces_micro_kernel).
    static bool reproduces_micro_values(const small_gemm<T>& product, index_t width, index_t keys,
                                        index_t head_dim_v, index_t v_stride, index_t pt_ld, index_t o_ld) noexcept {
        try {
            aligned_scratch<T> st({keys, width}), pt({width, pt_ld}), v((keys - 1) * v_stride + head_dim_v),
                by_gemm({width, o_ld}), by_micro({width, o_ld});
            seeded_uniform seeds;
            seeds.fill(st.get(), keys * width);
            seeds.fill(v.get(), (keys - 1) * v_stride + head_dim_v);
            seeds.fill(by_micro.get(), width * o_ld);
            std::copy(by_micro.get(), by_micro.get() + width * o_ld, by_gemm.get());
            transpose(st.get(), width, keys, width, T(1), pt.get(), pt_ld);
            product(v.get(), pt.get(), by_gemm.get());
            micro_values(
                st.get(), width, v.get(), v_stride, keys, width, head_dim_v, by_micro.get(), o_ld, keys, nullptr,
                [](index_t, index_t, index_t chunk) { return chunk; }, [](index_t, index_t) {});
            for (index_t i = 0; i < width; ++i)
                for (index_t c = 0; c < head_dim_v; ++c)
                    if (bits_of(by_gemm.get()[i * o_ld + c]) != bits_of(by_micro.get()[i * o_ld + c])) return false;
            return true;
        } catch (...) {  // no memory for the check's inputs: the micro-kernels
            return false;
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
    bool by_gemm_, values_by_gemm_;
    index_t pt_ld_;
    // When values_by_gemm_: P (P^T's columns as rows, ld pt_ld_) and a block
    // of V's columns for a key tile.
    std::optional<aligned_scratch<T>> pt_, v_panel_;
    small_gemm<T> scores_gemm_;     // the full tile's score product, when by_gemm_
    value_products values_gemm_;    // the full tile's P V, when values_by_gemm_
};

ATTNKIT_END_CONFIG_NAMESPACE
}  // namespace detail
}  // namespace attnkit
