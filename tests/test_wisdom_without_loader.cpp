// A program that does not include <attnkit/wisdom.hpp> cannot parse wisdom
// files: with ATTNKIT_WISDOM set, automatic keeps its heuristic, and
// ATTNKIT_LOG=debug says why. (This file must not include wisdom.hpp; the
// variables are read once per process, so it holds one test case.)
#include <cstdlib>
#include <string>

#include <catch2/catch.hpp>

#include "attnkit/attnkit.hpp"
#include "support/case.hpp"
#include "support/random.hpp"
#include "test_wisdom_capture.hpp"

using namespace attnkit_test;

TEST_CASE("without <attnkit/wisdom.hpp>, ATTNKIT_WISDOM is not loaded and ATTNKIT_LOG=debug says so",
          "[wisdom][environment]") {
    REQUIRE(::setenv("ATTNKIT_WISDOM", "tuned.jsonl", 1) == 0);
    REQUIRE(::setenv("ATTNKIT_LOG", "debug", 1) == 0);
    shape s;
    s.seq_q = 40;
    s.seq_kv = 40;
    rng r(9);
    const sdpa_case<float> c = make_case<float>(r, s);
    buffer4<float> out = make_buffer<float>(s.out(), layouts::bhsd());

    scratch_directory dir;
    stderr_capture capture(dir.file("stderr.txt"));
    const attnkit::automatic_decision d =
        attnkit::automatic_choice<float>(c.q.cview(), c.k.cview(), c.v.cview(), out.view);
    attnkit::sdpa<float>(c.q.cview(), c.k.cview(), c.v.cview(), out.view);
    const std::string printed = capture.finish();
    INFO("stderr:\n" << printed);

    CHECK(d.source == attnkit::choice_source::heuristic);
    CHECK(printed.find("attnkit: ATTNKIT_WISDOM=tuned.jsonl is not loaded: this program does not include "
                       "<attnkit/wisdom.hpp>, which reads wisdom files; automatic uses its heuristic\n") == 0);
    CHECK(printed.find("attnkit: automatic: ") != std::string::npos);
    CHECK_THAT(printed, Catch::EndsWith("; no wisdom loaded\n"));
}
