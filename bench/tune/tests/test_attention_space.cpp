// The attention search space: what is a valid configuration of attnkit::sdpa
// for the tuner, and how configurations map to attnkit's settings.
#include <catch2/catch.hpp>

#include "attention_space.hpp"
#include "problems.hpp"

using attnkit::variant;
using attnkit_tune::attention_config;
using attnkit_tune::attention_space;
using attnkit_tune::problem;

namespace {

problem square_problem(attnkit::index_t dim, int heads = 1) {
    return {"test", "test", attnkit_bench::square(1, heads, dim, dim), attnkit_bench::dtype::f32};
}

attnkit_bench::search::configuration config(variant v, std::int64_t bq, std::int64_t bkv, std::int64_t threads) {
    return {static_cast<std::int64_t>(v), bq, bkv, threads};
}

}  // namespace

TEST_CASE("blocked takes the whole row of keys and one thread, flash a key tile and one thread", "[space]") {
    const auto s = attention_space(square_problem(512), {4, false});
    CHECK(s.valid(config(variant::blocked, 64, 0, 1)));
    CHECK_FALSE(s.valid(config(variant::blocked, 64, 252, 1)));
    CHECK_FALSE(s.valid(config(variant::blocked, 64, 0, 2)));
    CHECK(s.valid(config(variant::flash, 64, 252, 1)));
    CHECK_FALSE(s.valid(config(variant::flash, 64, 0, 1)));
    CHECK_FALSE(s.valid(config(variant::flash, 64, 252, 4)));
}

TEST_CASE("parallel needs at least two threads and no more threads than work items", "[space]") {
    // One head of 512 queries: 512 / 256 = 2 items at block_q 256, 32 at block_q 16.
    const auto s = attention_space(square_problem(512), {4, false});
    CHECK_FALSE(s.valid(config(variant::parallel, 64, 252, 1)));
    CHECK(s.valid(config(variant::parallel, 16, 252, 4)));
    CHECK(s.valid(config(variant::parallel, 256, 252, 2)));
    CHECK_FALSE(s.valid(config(variant::parallel, 256, 252, 4)));
}

TEST_CASE("tiles larger than the sequence are kept only once (the kernels clamp them)", "[space]") {
    // seq 100: block_q 128 covers it, 256 would time the same tiles again.
    const auto s = attention_space(square_problem(100), {1, false});
    CHECK(s.valid(config(variant::flash, 128, 168, 1)));
    CHECK_FALSE(s.valid(config(variant::flash, 256, 168, 1)));
    // keys: 168 covers 100 keys; 252 and 504 are the same single tile.
    CHECK_FALSE(s.valid(config(variant::flash, 128, 252, 1)));
}

TEST_CASE("decode only for at most 16 query rows, its rows being the packed query heads", "[space]") {
    const problem prefill = square_problem(512);
    CHECK_FALSE(attention_space(prefill, {2, false}).valid(config(variant::decode, 16, 252, 2)));
    const problem gqa{"d", "decode", {1, 32, 8, 1, 4096, 128, 128, attnkit::causal::none}, attnkit_bench::dtype::f32};
    const auto s = attention_space(gqa, {2, false});
    // 4 heads per kv head x 1 query = 4 packed rows: block_q 16 covers them.
    CHECK(s.valid(config(variant::decode, 16, 252, 2)));
    CHECK_FALSE(s.valid(config(variant::decode, 32, 252, 2)));
}

TEST_CASE("thread values are the powers of two below the budget and the budget", "[space]") {
    const auto s = attention_space(square_problem(1024), {6, false});
    const auto& threads = s.parameters()[s.index_of("threads")].values;
    CHECK(threads == std::vector<std::int64_t>{1, 2, 4, 6});
}

TEST_CASE("the dtype is a parameter only when a change of precision is allowed", "[space]") {
    const auto fixed = attention_space(square_problem(256), {2, false});
    const auto free = attention_space(square_problem(256), {2, true});
    CHECK(fixed.parameters().size() == 4);
    REQUIRE(free.parameters().size() == 5);
    CHECK(free.valid_count() == 2 * fixed.valid_count());
    const auto a = attnkit_tune::to_attention(free, {static_cast<std::int64_t>(variant::flash), 64, 252, 1, 1},
                                              attnkit_bench::dtype::f32);
    CHECK(a.type == attnkit_bench::dtype::f64);
}

TEST_CASE("configurations map to attnkit's settings and back", "[space]") {
    const auto s = attention_space(square_problem(1024), {4, false});
    for (const auto& c : s.valid_configurations()) {
        const attention_config a = attnkit_tune::to_attention(s, c, attnkit_bench::dtype::f32);
        CHECK(attnkit_tune::from_attention(s, a) == c);
    }
    attention_config a;
    a.kernel = variant::parallel;
    a.block_q = 32;
    a.block_kv = 504;
    a.threads = 4;
    CHECK(attnkit_tune::describe(a) == "parallel bq=32 bkv=504 t=4 f32");
    a.kernel = variant::blocked;
    a.block_kv = 0;
    a.threads = 1;
    CHECK(attnkit_tune::describe(a) == "blocked bq=32 bkv=row t=1 f32");
}

TEST_CASE("the study's space on 16 threads is small enough to sweep and large enough to matter", "[space]") {
    const auto s = attention_space(square_problem(1024), {16, false});
    // blocked 5 + flash 5 x 4 + parallel: block_q 16..256 with 2..16 threads
    // each (1024 / 256 = 4 items at most limits 8 and 16 at block_q 256 and 128).
    CHECK(s.valid_count() > 60);
    CHECK(s.valid_count() < 200);
}
