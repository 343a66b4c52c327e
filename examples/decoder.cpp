// attnkit as a decoder's attention: grouped-query heads (8 query heads share 2
// kv heads), a KV cache that grows one token at a time, bottom-right causal
// masking, and no copies: every call reads the cache, and writes its output,
// through strided views of the caller's buffers.
#include <attnkit/attnkit.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

namespace {

using attnkit::index_t;

constexpr index_t batch = 2, heads_q = 8, heads_kv = 2, dim = 64;
constexpr index_t capacity = 256;        // cache rows per sequence
constexpr index_t prompt = 16;           // tokens of the prefill step
constexpr index_t total = prompt + 48;   // then one token per decode step

std::size_t elements(index_t rows, index_t heads) { return static_cast<std::size_t>(batch * rows * heads * dim); }

// A deterministic stand-in for the q, k and v projections of token t.
float synth(index_t b, index_t t, index_t h, index_t d, double which) {
    return static_cast<float>(std::sin(0.05 * static_cast<double>(t * 31 + h * 7 + d + 997 * b) + which));
}

// The first `rows` rows of a [batch, capacity, heads_kv, dim] cache (BSHD), as a
// [batch, heads_kv, rows, dim] view: same pointer and strides, fewer rows.
attnkit::tensor4<const float> first_rows(const std::vector<float>& cache, index_t rows) {
    const auto full = attnkit::bshd(cache.data(), batch, capacity, heads_kv, dim);
    return {full.data(), {batch, heads_kv, rows, dim}, full.strides()};
}

// Rows [from, to) of a [batch, seq, heads, dim] view.
attnkit::tensor4<float> rows_of(const attnkit::tensor4<float>& t, index_t from, index_t to) {
    return {t.data() + from * t.stride(2), {t.extent(0), t.extent(1), to - from, t.extent(3)}, t.strides()};
}

}  // namespace

int main() {
    std::vector<float> k_cache(elements(capacity, heads_kv)), v_cache(k_cache.size());
    std::vector<float> q_all(elements(total, heads_q)), out_all(q_all.size());
    const auto k_view = attnkit::bshd(k_cache.data(), batch, capacity, heads_kv, dim);
    const auto v_view = attnkit::bshd(v_cache.data(), batch, capacity, heads_kv, dim);
    const auto q_view = attnkit::bshd(q_all.data(), batch, total, heads_q, dim);
    const auto out_view = attnkit::bshd(out_all.data(), batch, total, heads_q, dim);

    attnkit::options<float> opt;
    opt.causal_mode = attnkit::causal::bottom_right;  // the new queries are the last rows

    // Tokens [from, to) arrive: their k and v rows are appended to the cache,
    // then their queries attend to cache rows [0, to).
    auto step = [&](index_t from, index_t to) {
        for (index_t b = 0; b < batch; ++b)
            for (index_t t = from; t < to; ++t)
                for (index_t d = 0; d < dim; ++d) {
                    for (index_t h = 0; h < heads_kv; ++h) {
                        k_view(b, h, t, d) = synth(b, t, h, d, 1.0);
                        v_view(b, h, t, d) = synth(b, t, h, d, 2.0);
                    }
                    for (index_t h = 0; h < heads_q; ++h) q_view(b, h, t, d) = synth(b, t, h, d, 0.0);
                }
        attnkit::sdpa(rows_of(q_view, from, to), first_rows(k_cache, to), first_rows(v_cache, to),
                      rows_of(out_view, from, to), opt);
    };

    step(0, prompt);                                    // prefill: 16 queries, causal among themselves
    for (index_t t = prompt; t < total; ++t) step(t, t + 1);  // decode: 1 query sees all t + 1 rows

    double checksum = 0;
    for (float x : out_all) checksum += static_cast<double>(x);

    // The same attention in one call over the whole sequence gives the same rows.
    std::vector<float> reference(out_all.size());
    attnkit::sdpa(q_view, first_rows(k_cache, total), first_rows(v_cache, total),
                  attnkit::bshd(reference.data(), batch, total, heads_q, dim), opt);
    double max_diff = 0;
    for (std::size_t n = 0; n < out_all.size(); ++n)
        max_diff = std::max(max_diff, std::fabs(static_cast<double>(out_all[n] - reference[n])));

    std::printf("decoded %td tokens (prefill %td) for %td sequences; checksum %.6f; "
                "max |incremental - one call| = %.3g\n",
                total, prompt, batch, checksum, max_diff);
    return max_diff <= 1e-4 ? 0 : 1;
}
