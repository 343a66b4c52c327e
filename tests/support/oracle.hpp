// Test support: the oracle. It computes what sdpa() is documented to compute,
// in long double, written from the documentation (options.hpp, sdpa.hpp) and
// not from any kernel:
//
//   s_ij   = scale * sum_d q[b,h,i,d] k[b,hk,j,d] + bias_ij,  hk = h / (heads_q / heads_kv)
//   scale  = options.scale, or 1/sqrt(head_dim) when unset (1 when head_dim = 0)
//   key j takes part in row i iff
//       causal none:          always
//       causal top_left:      j <= i
//       causal bottom_right:  j <= i + seq_kv - seq_q
//     and the boolean mask (if any) is true at [b,h,i,j]
//     and the additive mask (if any) is not -inf at [b,h,i,j] (bias_ij is its value);
//     a mask dimension of extent 1 broadcasts (index 0 is read for every index)
//   out[b,h,i,:] = sum_j p_ij v[b,hk,j,:],  p_ij = exp(s_ij) / sum_l exp(s_il)  over keys taking part
//   lse[b,h,i]   = log(sum_j exp(s_ij))
//   a row with no key taking part (fully masked, or seq_kv = 0): out = 0, lse = -inf
//   a key that does not take part is never read, so NaN in its k or v row is harmless;
//   a NaN score (NaN in q row i, in a k row or a mask entry of a key taking part)
//   makes the whole row NaN; NaN in v reaches the columns it sits in.
//
// Besides the values, the oracle records per row the magnitudes that the
// forward-error bound of tolerance.hpp needs.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <variant>
#include <vector>

#include "attnkit/attnkit.hpp"
#include "support/random.hpp"

namespace attnkit_test {

// Magnitudes of one query row, over the keys taking part in it.
struct row_stats {
    index_t keys = 0;      // number of keys taking part
    long double qk = 0;    // scale * max_j sum_d |q_id| |k_jd|
    long double bias = 0;  // max_j |bias_ij| (finite additive mask values)
    long double v = 0;     // max_{j,d} |v_jd|
    long double lse = 0;   // the row's exact log-sum-exp (when finite)
};

struct oracle_result {
    index_t batch = 0, heads = 0, seq_q = 0, dim_v = 0;
    std::vector<long double> out;  // [batch][heads][seq_q][dim_v]
    std::vector<long double> lse;  // [batch][heads][seq_q]
    std::vector<row_stats> rows;   // [batch][heads][seq_q]

    std::size_t row(index_t b, index_t h, index_t i) const {
        return static_cast<std::size_t>((b * heads + h) * seq_q + i);
    }
    long double out_at(index_t b, index_t h, index_t i, index_t d) const {
        return out[row(b, h, i) * static_cast<std::size_t>(dim_v) + static_cast<std::size_t>(d)];
    }
    long double lse_at(index_t b, index_t h, index_t i) const { return lse[row(b, h, i)]; }
    const row_stats& stats(index_t b, index_t h, index_t i) const { return rows[row(b, h, i)]; }
};

namespace oracle_detail {

template <class E>
long double read(const attnkit::tensor4<const E>& t, index_t a, index_t b, index_t c, index_t d) {
    return static_cast<long double>(element(t, std::array<index_t, 4>{a, b, c, d}));
}

// A mask entry, with extent-1 dimensions broadcast.
template <class E>
E mask_entry(const attnkit::tensor4<const E>& m, index_t b, index_t h, index_t i, index_t j) {
    const std::array<index_t, 4> want{b, h, i, j};
    std::array<index_t, 4> idx{};
    for (std::size_t d = 0; d < 4; ++d) idx[d] = m.extent(d) == 1 ? 0 : want[d];
    return element(m, idx);
}

inline bool causally_visible(attnkit::causal mode, index_t i, index_t j, index_t seq_q, index_t seq_kv) {
    switch (mode) {
        case attnkit::causal::none: return true;
        case attnkit::causal::top_left: return j <= i;
        case attnkit::causal::bottom_right: return j <= i + seq_kv - seq_q;
    }
    return true;
}

}  // namespace oracle_detail

// The documented result of sdpa(q, k, v, out, opt); opt.lse, opt.kernel and
// opt.tiles do not change it. Shapes are assumed valid.
template <class T>
oracle_result oracle(attnkit::tensor4<const T> q, attnkit::tensor4<const T> k, attnkit::tensor4<const T> v,
                     const attnkit::options<T>& opt) {
    using oracle_detail::read;
    constexpr long double inf = std::numeric_limits<long double>::infinity();
    constexpr long double nan = std::numeric_limits<long double>::quiet_NaN();

    oracle_result r;
    r.batch = q.extent(0);
    r.heads = q.extent(1);
    r.seq_q = q.extent(2);
    r.dim_v = v.extent(3);
    const index_t head_dim = q.extent(3), heads_kv = k.extent(1), seq_kv = k.extent(2);
    const index_t group = heads_kv > 0 ? r.heads / heads_kv : 1;
    const long double scale = opt.scale ? static_cast<long double>(*opt.scale)
                              : head_dim > 0 ? 1.0L / std::sqrt(static_cast<long double>(head_dim))
                                             : 1.0L;
    const auto* bool_mask = std::get_if<attnkit::tensor4<const bool>>(&opt.mask);
    const auto* add_mask = std::get_if<attnkit::tensor4<const T>>(&opt.mask);

    const std::size_t rows = static_cast<std::size_t>(r.batch * r.heads * r.seq_q);
    r.out.assign(rows * static_cast<std::size_t>(r.dim_v), 0.0L);
    r.lse.assign(rows, -inf);
    r.rows.assign(rows, row_stats{});

    std::vector<long double> score(static_cast<std::size_t>(seq_kv));
    std::vector<bool> takes_part(static_cast<std::size_t>(seq_kv));
    for (index_t b = 0; b < r.batch; ++b)
        for (index_t h = 0; h < r.heads; ++h) {
            const index_t hk = h / group;
            for (index_t i = 0; i < r.seq_q; ++i) {
                row_stats& st = r.rows[r.row(b, h, i)];
                bool nan_score = false;
                long double max_score = -inf;
                for (index_t j = 0; j < seq_kv; ++j) {
                    const auto sj = static_cast<std::size_t>(j);
                    bool part = oracle_detail::causally_visible(opt.causal_mode, i, j, r.seq_q, seq_kv);
                    long double bias = 0;
                    if (part && bool_mask) part = oracle_detail::mask_entry(*bool_mask, b, h, i, j);
                    if (part && add_mask) {
                        bias = static_cast<long double>(oracle_detail::mask_entry(*add_mask, b, h, i, j));
                        part = bias != -inf;
                    }
                    takes_part[sj] = part;
                    if (!part) continue;

                    long double dot = 0, abs_dot = 0;
                    for (index_t d = 0; d < head_dim; ++d) {
                        const long double x = read(q, b, h, i, d), y = read(k, b, hk, j, d);
                        dot += x * y;
                        abs_dot += std::fabs(x) * std::fabs(y);
                    }
                    score[sj] = scale * dot + bias;
                    if (std::isnan(score[sj])) nan_score = true;
                    else if (score[sj] > max_score) max_score = score[sj];

                    ++st.keys;
                    if (scale * abs_dot > st.qk) st.qk = scale * abs_dot;
                    if (std::isfinite(bias) && std::fabs(bias) > st.bias) st.bias = std::fabs(bias);
                    for (index_t d = 0; d < r.dim_v; ++d) {
                        const long double y = std::fabs(read(v, b, hk, j, d));
                        if (y > st.v) st.v = y;
                    }
                }

                long double* o = r.out.data() + r.row(b, h, i) * static_cast<std::size_t>(r.dim_v);
                if (st.keys == 0) continue;  // zeros and -inf, as initialised
                if (nan_score) {
                    for (index_t d = 0; d < r.dim_v; ++d) o[d] = nan;
                    r.lse[r.row(b, h, i)] = nan;
                    continue;
                }
                long double sum = 0;
                for (index_t j = 0; j < seq_kv; ++j) {
                    const auto sj = static_cast<std::size_t>(j);
                    if (!takes_part[sj]) continue;
                    const long double w = std::exp(score[sj] - max_score);
                    sum += w;
                    for (index_t d = 0; d < r.dim_v; ++d) o[d] += w * read(v, b, hk, j, d);
                }
                for (index_t d = 0; d < r.dim_v; ++d) o[d] /= sum;
                r.lse[r.row(b, h, i)] = max_score + std::log(sum);
                st.lse = r.lse[r.row(b, h, i)];
            }
        }
    return r;
}

}  // namespace attnkit_test
