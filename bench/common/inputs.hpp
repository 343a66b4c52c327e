// attnkit benchmarks: the inputs of one shape, seeded uniform in [-1, 1], in
// 64-byte aligned BHSD buffers, made outside any timed region. The latest
// shape of each element type is kept (decode's caches are hundreds of MiB, so
// only one is held at a time).
#pragma once

#include <attnkit/view.hpp>

#include <memory>
#include <random>

#include "common/aligned_buffer.hpp"
#include "common/shape.hpp"

namespace attnkit_bench {

template <class T>
struct inputs {
    shape s{};
    aligned_vector<T> q, k, v, out;

    attnkit::tensor4<const T> q_view() const {
        return attnkit::bhsd<const T>(q.data(), s.batch, s.heads_q, s.seq_q, s.head_dim);
    }
    attnkit::tensor4<const T> k_view() const {
        return attnkit::bhsd<const T>(k.data(), s.batch, s.heads_kv, s.seq_kv, s.head_dim);
    }
    attnkit::tensor4<const T> v_view() const {
        return attnkit::bhsd<const T>(v.data(), s.batch, s.heads_kv, s.seq_kv, s.head_dim_v);
    }
    attnkit::tensor4<T> out_view() { return attnkit::bhsd<T>(out.data(), s.batch, s.heads_q, s.seq_q, s.head_dim_v); }
};

// The seed every benchmark's inputs are drawn with (the same numbers in every
// program, so records of different programs describe the same computation).
inline constexpr std::uint64_t input_seed = 20240611;

template <class T>
std::unique_ptr<inputs<T>> make_inputs(const shape& s) {
    auto t = std::make_unique<inputs<T>>();
    t->s = s;
    std::mt19937_64 rng(input_seed);
    std::uniform_real_distribution<T> dist(T(-1), T(1));
    const auto fill = [&](aligned_vector<T>& x, attnkit::index_t n) {
        x.resize(static_cast<std::size_t>(n));
        for (auto& e : x) e = dist(rng);
    };
    fill(t->q, s.batch * s.heads_q * s.seq_q * s.head_dim);
    fill(t->k, s.batch * s.heads_kv * s.seq_kv * s.head_dim);
    fill(t->v, s.batch * s.heads_kv * s.seq_kv * s.head_dim_v);
    t->out.assign(static_cast<std::size_t>(s.batch * s.heads_q * s.seq_q * s.head_dim_v), T(0));
    return t;
}

// The inputs of `s`, made on first use and kept until another shape is asked
// for (the previous one is freed first, to bound memory). Not thread-safe:
// benchmark bodies run one at a time.
template <class T>
inputs<T>& inputs_for(const shape& s) {
    static std::unique_ptr<inputs<T>> cached;
    if (cached && cached->s == s) return *cached;
    cached.reset();
    cached = make_inputs<T>(s);
    return *cached;
}

}  // namespace attnkit_bench
