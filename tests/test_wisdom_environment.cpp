// ATTNKIT_WISDOM and ATTNKIT_LOG=debug in a program that includes
// <attnkit/wisdom.hpp>: the file is loaded on the first automatic call, and
// every automatic decision is one line on stderr. Both variables are read once
// per process, so this file holds one test case, which sets them before the
// process's first automatic call.
#include <cstdlib>
#include <string>

#include <catch2/catch.hpp>

#include "attnkit/wisdom.hpp"
#include "support/case.hpp"
#include "test_wisdom_support.hpp"

using namespace attnkit_test;
using attnkit::variant;

TEST_CASE("ATTNKIT_WISDOM is loaded on the first automatic call and ATTNKIT_LOG=debug explains each decision",
          "[wisdom][environment]") {
    shape s;
    s.heads_q = 2;
    s.heads_kv = 2;
    s.seq_q = 48;
    s.seq_kv = 80;
    s.head_dim = 16;
    s.head_dim_v = 16;
    scratch_directory dir;
    const std::string path = dir.file("wisdom.jsonl");
    write_text(path, attnkit::wisdom_line(entry_for<float>(s, variant::blocked, 16, 40)) + "\n{broken\n");
    REQUIRE(::setenv("ATTNKIT_WISDOM", path.c_str(), 1) == 0);
    REQUIRE(::setenv("ATTNKIT_LOG", "debug", 1) == 0);

    rng r(5);
    const sdpa_case<float> c = make_case<float>(r, s);
    buffer4<float> out = make_buffer<float>(s.out(), layouts::bhsd());
    stderr_capture capture(dir.file("stderr.txt"));
    attnkit::sdpa<float>(c.q.cview(), c.k.cview(), c.v.cview(), out.view);
    attnkit::sdpa<float>(c.q.cview(), c.k.cview(), c.v.cview(), out.view);
    attnkit::clear_wisdom();
    attnkit::sdpa<float>(c.q.cview(), c.k.cview(), c.v.cview(), out.view);
    const std::string printed = capture.finish();
    INFO("stderr:\n" << printed);

    // The load: its skipped line and its summary.
    const auto skipped = lines_with(printed, "attnkit: wisdom: skipped " + path + ":2: not JSON");
    CHECK(skipped.size() == 1);
    CHECK(lines_with(printed, "attnkit: wisdom: loaded 1 entries from " + path + " (1 lines skipped)").size() == 1);
    // One line per decision: two from the file's entry, one by the heuristic after the clear.
    const auto decisions = lines_with(printed, "attnkit: automatic: ");
    REQUIRE(decisions.size() == 3);
    const std::string tuned = "attnkit: automatic: blocked, block_q 16, block_kv 40, threads default from wisdom entry " +
                              path + ":1 (distance 0)";
    CHECK(decisions[0] == tuned);
    CHECK(decisions[1] == tuned);
    CHECK_THAT(decisions[2], Catch::Contains("by the heuristic") && Catch::EndsWith("; no wisdom loaded"));
    // The environment is read once: the clear is not undone.
    CHECK(attnkit::loaded_wisdom_entries() == 0);
}
