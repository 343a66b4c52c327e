// variant::automatic with wisdom loaded: the nearest tuned problem of the same
// key decides within the maximum distance, the heuristic beyond it; the
// caller's tiles and the thread budget are respected; automatic_choice() says
// which decided; the results are those of the chosen variant run explicitly;
// lookups are safe while another thread loads.
#include <atomic>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "attnkit/wisdom.hpp"
#include "support/case.hpp"
#include "support/variants.hpp"
#include "test_wisdom_support.hpp"

using namespace attnkit_test;
using attnkit::causal;
using attnkit::choice_source;
using attnkit::mask_kind;
using attnkit::variant;

namespace {

shape base_shape() {
    shape s;
    s.batch = 1;
    s.heads_q = 4;
    s.heads_kv = 2;
    s.seq_q = 64;
    s.seq_kv = 64;
    s.head_dim = 16;
    s.head_dim_v = 16;
    return s;
}

// Writes entries to a file in dir and loads it into a table emptied first.
std::string load_entries(const scratch_directory& dir, const std::vector<attnkit::wisdom_entry>& entries,
                         const std::string& name = "wisdom.jsonl") {
    attnkit::clear_wisdom();
    const std::string path = dir.file(name);
    attnkit::write_wisdom_file(path, entries);
    const attnkit::wisdom_report report = attnkit::load_wisdom(path);
    REQUIRE(report.skipped == 0);
    REQUIRE(report.loaded == entries.size());
    return path;
}

template <class T>
sdpa_case<T> case_of(const shape& s, std::uint64_t seed = 7) {
    rng r(seed);
    return make_case<T>(r, s);
}

template <class T>
attnkit::automatic_decision decision_for(const sdpa_case<T>& c, variant kernel = variant::automatic) {
    buffer4<T> out = make_buffer<T>(c.dims.out(), c.out_layout);
    attnkit::options<T> opt = c.options();
    opt.kernel = kernel;
    const attnkit::automatic_decision d = attnkit::automatic_choice<T>(c.q.cview(), c.k.cview(), c.v.cview(), out.view, opt);
    INFO("reason: " << d.reason);
    return d;
}

// Runs c with automatic, then with the variant and tiles automatic chose named
// explicitly (c keeps those tiles): the outputs must be the same bits.
template <class T>
void check_same_as_named(sdpa_case<T>& c) {
    const attnkit::automatic_decision d = decision_for(c);
    INFO("case: " << c.describe() << "\nreason: " << d.reason);
    REQUIRE(d.source == choice_source::wisdom);
    const run_output<T> automatic = run_variant(c, variant::automatic);
    c.tiles = d.tiles;
    const run_output<T> named = run_variant(c, d.kernel);
    CHECK(bitwise_equal(automatic.out.cview(), named.out.cview()));
    CHECK(bitwise_equal(*automatic.lse_view(), *named.lse_view()));
}

}  // namespace

TEST_CASE("without wisdom, automatic_choice reports the heuristic's variant and why", "[wisdom][automatic]") {
    attnkit::clear_wisdom();
    const auto prefill = decision_for(case_of<float>(base_shape()));
    CHECK(prefill.source == choice_source::heuristic);
    CHECK((prefill.kernel == variant::flash || prefill.kernel == variant::parallel));
    // The heuristic sets parallel's query tile and threads (within the budget,
    // tuning.hpp); flash keeps the kernel's defaults (0).
    if (prefill.kernel == variant::parallel) {
        CHECK(prefill.tiles.block_q > 0);
        CHECK(prefill.tiles.threads >= 2);
        CHECK(prefill.tiles.threads <= prefill.thread_budget);
    } else {
        CHECK(prefill.tiles.block_q == 0);
        CHECK(prefill.tiles.threads == 0);
    }
    CHECK(prefill.tiles.block_kv == 0);
    CHECK(prefill.wisdom_origin.empty());
    CHECK(prefill.wisdom_distance == -1.0);
    CHECK_THAT(prefill.reason, Catch::StartsWith("automatic: ") && Catch::Contains("by the heuristic") &&
                                   Catch::EndsWith("; no wisdom loaded"));

    const auto decoding = decision_for(case_of<float>(with_seq(base_shape(), 1, 300)));
    CHECK(decoding.kernel == variant::decode);
    CHECK_THAT(decoding.reason, Catch::Contains("seq_q <= tuning::decode_max_seq_q (16)"));
}

TEST_CASE("an entry for the exact problem gives the variant and the tiles", "[wisdom][automatic]") {
    scratch_directory dir;
    const int budget = attnkit::detail::thread_budget(0);
    const std::string path =
        load_entries(dir, {entry_for<float>(base_shape(), variant::blocked, 32, 48, budget)});

    const auto d = decision_for(case_of<float>(base_shape()));
    CHECK(d.source == choice_source::wisdom);
    CHECK(d.kernel == variant::blocked);
    CHECK(d.tiles.block_q == 32);
    CHECK(d.tiles.block_kv == 48);
    CHECK(d.tiles.threads == budget);
    CHECK(d.thread_budget == budget);
    CHECK(d.wisdom_origin == path + ":1");
    CHECK(d.wisdom_distance == 0.0);
    CHECK_THAT(d.reason, Catch::Equals("automatic: blocked, block_q 32, block_kv 48, threads " +
                                       std::to_string(budget) + " from wisdom entry " + path + ":1 (distance 0)"));
    // Another element type is another key.
    CHECK(decision_for(case_of<double>(base_shape())).source == choice_source::heuristic);
    attnkit::clear_wisdom();
}

TEST_CASE("the nearest entry of the key decides: sum of |log2 ratio| over the bucket's extents",
          "[wisdom][automatic]") {
    scratch_directory dir;
    const std::string path = load_entries(dir, {entry_for<float>(with_seq(base_shape(), 64, 64), variant::flash, 16, 16),
                                                entry_for<float>(with_seq(base_shape(), 256, 256), variant::blocked, 32, 32),
                                                entry_for<float>(with_seq(base_shape(), 1024, 64), variant::flash, 64, 64)});
    struct probe {
        attnkit::index_t seq_q, seq_kv;
        std::string origin;
        double distance;
    };
    const std::vector<probe> probes{
        {64, 64, path + ":1", 0.0},
        {96, 96, path + ":1", 2 * std::log2(96.0 / 64)},     // 1.17 to the first, 2.83 to the second
        {200, 200, path + ":2", 2 * std::log2(256.0 / 200)}, // 0.71 to the second
        {128, 128, path + ":1", 2.0},                        // a tie at 2: the first in the file
        {700, 80, path + ":3", std::log2(1024.0 / 700) + std::log2(80.0 / 64)},
    };
    for (const probe& p : probes) {
        INFO("seq_q " << p.seq_q << ", seq_kv " << p.seq_kv);
        const auto d = decision_for(case_of<float>(with_seq(base_shape(), p.seq_q, p.seq_kv)));
        CHECK(d.source == choice_source::wisdom);
        CHECK(d.wisdom_origin == p.origin);
        CHECK(d.wisdom_distance == Approx(p.distance));
    }
    // The other extents count alike: head_dim and head_dim_v doubled is distance 2.
    shape wide = base_shape();
    wide.head_dim = 32;
    wide.head_dim_v = 32;
    const auto d = decision_for(case_of<float>(wide));
    CHECK(d.wisdom_origin == path + ":1");
    CHECK(d.wisdom_distance == 2.0);
    attnkit::clear_wisdom();
}

TEST_CASE("beyond the maximum distance the heuristic decides, and says how far the nearest entry is",
          "[wisdom][automatic]") {
    REQUIRE(attnkit::process_wide::wisdom_max_distance == 2.0);
    scratch_directory dir;
    const std::string path = load_entries(dir, {entry_for<float>(base_shape(), variant::blocked, 32, 32)});

    const auto at_limit = decision_for(case_of<float>(with_seq(base_shape(), 128, 128)));  // distance 2
    CHECK(at_limit.source == choice_source::wisdom);

    const auto beyond = decision_for(case_of<float>(with_seq(base_shape(), 128, 256)));  // distance 3
    CHECK(beyond.source == choice_source::heuristic);
    CHECK(beyond.kernel != variant::blocked);
    CHECK(beyond.wisdom_origin == path + ":1");
    CHECK(beyond.wisdom_distance == 3.0);
    CHECK_THAT(beyond.reason, Catch::EndsWith("; nearest wisdom entry " + path + ":1 is at distance 3 > 2"));
    attnkit::clear_wisdom();
}

TEST_CASE("entries of another causal mode, mask kind, thread budget or ISA do not apply", "[wisdom][automatic]") {
    scratch_directory dir;
    const shape s = base_shape();
    const int budget = attnkit::detail::thread_budget(0);
    attnkit::wisdom_entry other_isa = entry_for<float>(s, variant::blocked, 32, 32);
    other_isa.key.isa = other_isa.key.isa == "sse2" ? "avx2" : "sse2";
    load_entries(dir, {entry_for<float>(s, variant::blocked, 32, 32, 0, 0, causal::top_left),
                       entry_for<float>(s, variant::blocked, 32, 32, 0, 0, causal::none, mask_kind::boolean),
                       entry_for<float>(s, variant::blocked, 32, 32, 0, budget + 1), other_isa});

    const auto d = decision_for(case_of<float>(s));
    CHECK(d.source == choice_source::heuristic);
    CHECK(d.wisdom_origin.empty());
    CHECK_THAT(d.reason, Catch::EndsWith("; no wisdom for isa " + std::string(attnkit::isa_name(attnkit::selected_isa())) +
                                         ", threads " + std::to_string(budget) + ", f32, causal none, mask none"));

    // The same problem with the top_left causal mask finds its entry.
    sdpa_case<float> causal_case = case_of<float>(s);
    causal_case.causal_mode = causal::top_left;
    CHECK(decision_for(causal_case).source == choice_source::wisdom);
    attnkit::clear_wisdom();
}

TEST_CASE("buckets compare the causal masking the rows get, not the option's spelling", "[wisdom][automatic]") {
    scratch_directory dir;
    const shape square = base_shape();
    const shape decoding = with_seq(base_shape(), 1, 200);
    load_entries(dir, {entry_for<float>(square, variant::blocked, 32, 32, 0, 0, causal::top_left),
                       entry_for<float>(decoding, variant::flash, 16, 16, 0, 0, causal::none)});

    // bottom_right with seq_q == seq_kv is top_left.
    sdpa_case<float> c = case_of<float>(square);
    c.causal_mode = causal::bottom_right;
    CHECK(decision_for(c).kernel == variant::blocked);
    // bottom_right with one query row hides no key: no causal masking.
    sdpa_case<float> one_row = case_of<float>(decoding);
    one_row.causal_mode = causal::bottom_right;
    const auto d = decision_for(one_row);
    CHECK(d.source == choice_source::wisdom);
    CHECK(d.kernel == variant::flash);
    // top_left with one query row sees one key: causal masking.
    one_row.causal_mode = causal::top_left;
    CHECK(decision_for(one_row).source == choice_source::heuristic);
    attnkit::clear_wisdom();
}

TEST_CASE("tiles the caller set are kept and threads are a budget, wisdom fills the rest", "[wisdom][automatic]") {
    scratch_directory dir;
    const int budget = attnkit::detail::thread_budget(0);
    load_entries(dir, {entry_for<float>(base_shape(), variant::parallel, 32, 48, 1),
                       entry_for<float>(base_shape(), variant::flash, 16, 96, 2, 3)});

    sdpa_case<float> c = case_of<float>(base_shape());
    c.tiles.block_q = 8;
    const auto d = decision_for(c);
    CHECK(d.source == choice_source::wisdom);
    CHECK(d.kernel == variant::parallel);
    CHECK(d.tiles.block_q == 8);
    CHECK(d.tiles.block_kv == 48);
    CHECK(d.tiles.threads == std::min(1, budget));

    // config.threads = 3 is a thread budget of 3: the entry tuned for it applies,
    // with the 2 threads it was fastest with (automatic may use fewer threads
    // than the budget, never more).
    c.tiles.threads = 3;
    const auto with_threads = decision_for(c);
    CHECK(with_threads.thread_budget == 3);
    CHECK(with_threads.kernel == variant::flash);
    CHECK(with_threads.tiles.block_q == 8);
    CHECK(with_threads.tiles.block_kv == 96);
    CHECK(with_threads.tiles.threads == 2);
    attnkit::clear_wisdom();
}

TEST_CASE("wisdom never asks for more threads than the budget it was tuned for", "[wisdom][automatic]") {
    scratch_directory dir;
    const int budget = attnkit::detail::thread_budget(0);
    load_entries(dir, {entry_for<float>(base_shape(), variant::parallel, 32, 48, budget)});
    const auto d = decision_for(case_of<float>(base_shape()));
    CHECK(d.tiles.threads == budget);
    CHECK(d.tiles.threads <= d.thread_budget);

    // A file asking for more is refused line by line.
    auto greedy = nlohmann::json::parse(attnkit::wisdom_line(entry_for<float>(base_shape(), variant::parallel, 32, 48)));
    greedy["choice"]["threads"] = budget + 1;
    const std::string path = dir.file("greedy.jsonl");
    write_text(path, greedy.dump() + "\n");
    const auto report = attnkit::load_wisdom(path);
    CHECK(report.loaded == 0);
    REQUIRE(report.warnings.size() == 1);
    CHECK_THAT(report.warnings[0].reason, Catch::Contains("exceeds key.threads"));
    attnkit::clear_wisdom();
}

TEST_CASE("a named variant is the caller's choice, and strided head_dim stays naive", "[wisdom][automatic]") {
    scratch_directory dir;
    const shape s = base_shape();
    load_entries(dir, {entry_for<float>(s, variant::blocked, 32, 32)});

    const auto named = decision_for(case_of<float>(s), variant::flash);
    CHECK(named.source == choice_source::caller);
    CHECK(named.kernel == variant::flash);
    CHECK(named.reason == "the caller named the flash variant");

    rng r(3);
    const sdpa_case<float> strided = make_case<float>(r, s, layouts::strided_dim());
    const auto d = decision_for(strided);
    CHECK(d.source == choice_source::heuristic);
    CHECK(d.kernel == variant::naive);
    CHECK_THAT(d.reason, Catch::Contains("head_dim is strided"));
    attnkit::clear_wisdom();
}

TEST_CASE("with wisdom, automatic computes what the chosen variant computes when named", "[wisdom][automatic]") {
    scratch_directory dir;
    const shape prefill = with_seq(base_shape(), 70, 90);
    const shape decoding = with_seq(base_shape(), 3, 150);
    const shape wide = [] {
        shape s = base_shape();
        s.heads_q = 4;
        s.heads_kv = 4;
        s.seq_q = 40;
        s.seq_kv = 33;
        s.head_dim = 24;
        s.head_dim_v = 8;
        return s;
    }();
    load_entries(dir, {entry_for<float>(prefill, variant::blocked, 16, 24),
                       entry_for<float>(prefill, variant::flash, 8, 20, 0, 0, causal::top_left),
                       entry_for<double>(wide, variant::parallel, 8, 12, std::min(2, attnkit::detail::thread_budget(0))),
                       entry_for<float>(decoding, variant::decode, 4, 32, 0, 0, causal::none, mask_kind::additive)});

    sdpa_case<float> plain = case_of<float>(prefill);
    check_same_as_named(plain);
    sdpa_case<float> causal_case = case_of<float>(prefill);
    causal_case.causal_mode = causal::top_left;
    check_same_as_named(causal_case);
    sdpa_case<double> in_double = case_of<double>(wide);
    check_same_as_named(in_double);
    rng r(11);
    sdpa_case<float> masked = case_of<float>(decoding);
    masked.additive_mask = random_additive_mask<float>(r, decoding.mask_full(), -2, 2, 0.2);
    check_same_as_named(masked);
    attnkit::clear_wisdom();
}

TEST_CASE("lookups from many threads stay consistent while another thread loads and clears", "[wisdom][automatic]") {
    scratch_directory dir;
    const shape s = base_shape();
    const std::string path = dir.file("wisdom.jsonl");
    attnkit::write_wisdom_file(path, {entry_for<float>(s, variant::blocked, 32, 48)});
    attnkit::clear_wisdom();
    const attnkit::variant heuristic = decision_for(case_of<float>(s)).kernel;
    REQUIRE(heuristic != variant::blocked);

    const sdpa_case<float> c = case_of<float>(s);
    std::atomic<bool> done{false};
    std::atomic<int> inconsistent{0}, from_wisdom{0}, from_heuristic{0};
    std::vector<std::thread> readers;
    for (int t = 0; t < 4; ++t)
        readers.emplace_back([&] {
            buffer4<float> out = make_buffer<float>(s.out(), layouts::bhsd());
            const attnkit::options<float> opt = c.options();
            for (int n = 0; n < 400 || !done.load(); ++n) {
                const auto d = attnkit::automatic_choice<float>(c.q.cview(), c.k.cview(), c.v.cview(), out.view, opt);
                const bool tuned = d.source == choice_source::wisdom && d.kernel == variant::blocked &&
                                   d.tiles.block_q == 32 && d.tiles.block_kv == 48 && d.wisdom_origin == path + ":1";
                const bool heuristic_choice = d.source == choice_source::heuristic && d.kernel == heuristic;
                (tuned ? from_wisdom : from_heuristic)++;
                if (!tuned && !heuristic_choice) inconsistent++;
                if (n % 50 == 0) attnkit::sdpa<float>(c.q.cview(), c.k.cview(), c.v.cview(), out.view, opt);
                if (n > 100000) break;
            }
        });
    for (int round = 0; round < 20; ++round) {
        attnkit::load_wisdom(path);
        std::this_thread::yield();
        attnkit::clear_wisdom();
    }
    attnkit::load_wisdom(path);
    done = true;
    for (std::thread& t : readers) t.join();
    CHECK(inconsistent == 0);
    CHECK(from_wisdom + from_heuristic >= 1600);
    // After the last load every lookup finds the entry.
    CHECK(decision_for(c).source == choice_source::wisdom);
    attnkit::clear_wisdom();
}
