// Determinism: the same call gives the same bits, run after run and whatever
// the thread count (options.tiles.threads), and the parallel variant gives the
// bits of the flash variant it spreads over threads.
#include <array>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <catch2/catch.hpp>

#include "support/case.hpp"
#include "support/random.hpp"
#include "support/variants.hpp"

using namespace attnkit_test;
using attnkit::index_t;

namespace {

// variant::decode where the library has it (it lands separately from this test).
template <class E, class = void>
struct decode_of {
    static std::optional<E> get() { return std::nullopt; }
};
template <class E>
struct decode_of<E, std::void_t<decltype(E::decode)>> {
    static std::optional<E> get() { return E::decode; }
};

std::vector<attnkit::variant> threaded_variants() {
    std::vector<attnkit::variant> vs{attnkit::variant::parallel, attnkit::variant::automatic};
    if (const auto d = decode_of<attnkit::variant>::get()) vs.push_back(*d);
    return vs;
}

shape prefill_shape() {
    shape s;
    s.batch = 2;
    s.heads_q = 4;
    s.heads_kv = 2;
    s.seq_q = 70;
    s.seq_kv = 150;
    s.head_dim = 24;
    s.head_dim_v = 16;
    return s;
}

shape decode_shape() {
    shape s;
    s.batch = 2;
    s.heads_q = 8;
    s.heads_kv = 2;
    s.seq_q = 2;
    s.seq_kv = 700;
    s.head_dim = 32;
    s.head_dim_v = 32;
    return s;
}

// The cases: plain, causal with an additive mask, and a boolean key-padding mask.
template <class T>
std::vector<sdpa_case<T>> determinism_cases(rng& r, const shape& s) {
    std::vector<sdpa_case<T>> cases;
    cases.push_back(make_case<T>(r, s));
    cases.back().label = "no mask";
    cases.push_back(make_case<T>(r, s, layouts::bshd(), layouts::bshd(), layouts::bshd()));
    cases.back().causal_mode = attnkit::causal::bottom_right;
    cases.back().additive_mask = random_additive_mask<T>(r, s.mask_full(), -2.0, 2.0, 0.2);
    cases.back().label = "BSHD, causal bottom_right, additive mask";
    cases.push_back(make_case<T>(r, s));
    cases.back().bool_mask = random_bool_mask(r, {s.batch, 1, 1, s.seq_kv}, 0.8);
    cases.back().label = "key padding";
    return cases;
}

template <class T>
void check_same_bits(const run_output<T>& a, const run_output<T>& b) {
    CHECK(bitwise_equal(a.out.cview(), b.out.cview()));
    REQUIRE(a.lse);
    REQUIRE(b.lse);
    CHECK(bitwise_equal(attnkit::tensor3<const T>(a.lse->view), attnkit::tensor3<const T>(b.lse->view)));
}

}  // namespace

TEMPLATE_TEST_CASE("determinism: repeated runs and thread counts 1..4 give the same bits", "[determinism]", float,
                   double) {
    using T = TestType;
    rng r(0xde7e0001);
    for (const shape& s : {prefill_shape(), decode_shape()})
        for (sdpa_case<T>& c : determinism_cases<T>(r, s))
            for (const attnkit::variant v : threaded_variants()) {
                INFO("case: " << c.describe());
                INFO("variant: " << variant_name(v));
                c.tiles.threads = 1;
                const run_output<T> reference = run_variant(c, v);
                for (int threads = 1; threads <= 4; ++threads)
                    for (int repeat = 0; repeat < 3; ++repeat) {
                        INFO("threads " << threads << ", repeat " << repeat);
                        c.tiles.threads = threads;
                        check_same_bits(reference, run_variant(c, v));
                    }
            }
}

TEMPLATE_TEST_CASE("determinism: parallel gives the bits of flash", "[determinism]", float, double) {
    using T = TestType;
    rng r(0xde7e0002);
    for (const shape& s : {prefill_shape(), decode_shape()})
        for (sdpa_case<T>& c : determinism_cases<T>(r, s))
            for (const index_t block : {index_t(0), index_t(16)}) {
                c.tiles.block_q = block;
                c.tiles.block_kv = block;
                INFO("case: " << c.describe());
                c.tiles.threads = 1;
                const run_output<T> flash = run_variant(c, attnkit::variant::flash);
                for (int threads = 1; threads <= 4; ++threads) {
                    INFO("parallel, threads " << threads);
                    c.tiles.threads = threads;
                    check_same_bits(flash, run_variant(c, attnkit::variant::parallel));
                }
            }
}

// automatic picks the query tile height by thread count (tuning.hpp,
// parallel_block_q_choices), so its results are the same for every thread
// count only if block_q changes no bit; the products through LIBXSMM
// (detail/small_gemm.hpp: the scores, and P V for value rows of 4 KiB) are used
// only for tile shapes where that holds.
TEMPLATE_TEST_CASE("determinism: the query tile height changes no bit", "[determinism]", float, double) {
    using T = TestType;
    rng r(0xde7e0003);
    shape wide = prefill_shape();
    wide.seq_q = 100;
    wide.seq_kv = 260;  // key tiles of 252 and 8
    wide.head_dim = 64;
    wide.head_dim_v = 64;
    shape deep = wide;
    deep.head_dim_v = 4096 / static_cast<index_t>(sizeof(T));
    for (const shape& s : {prefill_shape(), wide, deep})
        for (sdpa_case<T>& c : determinism_cases<T>(r, s)) {
            INFO("case: " << c.describe());
            c.tiles.block_q = 0;
            const run_output<T> reference = run_variant(c, attnkit::variant::flash);
            for (const index_t block_q : {8, 16, 32, 40, 48, 80, 128}) {
                INFO("block_q " << block_q);
                c.tiles.block_q = block_q;
                check_same_bits(reference, run_variant(c, attnkit::variant::flash));
            }
        }
}
