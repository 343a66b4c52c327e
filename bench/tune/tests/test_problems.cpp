// Problem sets and shapes on the tuner's command line.
#include <catch2/catch.hpp>

#include <stdexcept>

#include "common/shape.hpp"
#include "problems.hpp"

using attnkit_bench::parse_shape;

TEST_CASE("the study set is the seed's square problems in float32 and float64", "[problems]") {
    const auto study = attnkit_tune::problem_set("study");
    REQUIRE(study.size() == 14);
    CHECK(study.front().name == "study/f32/dim64");
    CHECK(study.back().name == "study/f64/dim1024");
    for (const auto& p : study) {
        CHECK(p.s.heads_q == 1);
        CHECK(p.s.seq_q == p.s.head_dim);
        CHECK(p.s.seq_kv == p.s.head_dim);
    }
    CHECK(attnkit_tune::problem_set("study", {attnkit_bench::dtype::f64}).size() == 7);
}

TEST_CASE("an unknown set is an error naming the known ones", "[problems]") {
    CHECK_THROWS_WITH(attnkit_tune::problem_set("bogus"),
                      "unknown problem set 'bogus' (known: study, transformer, decode, prefill)");
}

TEST_CASE("a shape on the command line is B,Hq,Hkv,Sq,Skv,D and an optional causal mode", "[problems]") {
    const auto s = parse_shape("2,16,4,1,4096,128,bottom_right");
    CHECK(s.batch == 2);
    CHECK(s.heads_q == 16);
    CHECK(s.heads_kv == 4);
    CHECK(s.seq_q == 1);
    CHECK(s.seq_kv == 4096);
    CHECK(s.head_dim == 128);
    CHECK(s.head_dim_v == 128);
    CHECK(s.mode == attnkit::causal::bottom_right);
    CHECK(parse_shape("1,1,1,8,8,8,causal").mode == attnkit::causal::top_left);
    CHECK(attnkit_tune::shape_problem(s, attnkit_bench::dtype::f64).name ==
          "shape/f64/B2_Hq16_Hkv4_Sq1_Skv4096_D128/bottom_right");
}

TEST_CASE("bad shapes are rejected with the field and the text", "[problems]") {
    CHECK_THROWS_WITH(parse_shape("1,2,3"), "shape '1,2,3': want B,Hq,Hkv,Sq,Skv,D[,causal] (3 fields given)");
    CHECK_THROWS_WITH(parse_shape("1,16,4,x,8,8"), "shape '1,16,4,x,8,8': Sq 'x' is not a positive integer");
    CHECK_THROWS_WITH(parse_shape("1,16,5,8,8,8"), "shape '1,16,5,8,8,8': Hq (16) is not a multiple of Hkv (5)");
    CHECK_THROWS_WITH(parse_shape("1,1,1,8,8,8,sideways"),
                      "shape '1,1,1,8,8,8,sideways': causal 'sideways' is not none, top_left, bottom_right or causal");
}

TEST_CASE("FLOP count the two products over the visible pairs", "[problems]") {
    const auto full = attnkit_bench::square(1, 2, 8, 4);
    CHECK(attnkit_bench::attention_flop(full) == 4.0 * 2 * 8 * 8 * 4);
    auto causal = full;
    causal.mode = attnkit::causal::top_left;
    CHECK(attnkit_bench::attention_flop(causal) == 2.0 * 2 * (8 * 9 / 2) * (4 + 4));
}
