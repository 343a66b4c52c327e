// The wisdom file format (<attnkit/wisdom.hpp>): what the writer writes the
// reader reads back, which lines a reader skips and why, foreign keys, merging,
// the atomic write, the errors that name the path, and this process's key.
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "attnkit/wisdom.hpp"
#include "support/case.hpp"
#include "test_wisdom_support.hpp"

using namespace attnkit_test;
using attnkit::causal;
using attnkit::mask_kind;
using attnkit::variant;

namespace {

shape test_shape() {
    shape s;
    s.batch = 2;
    s.heads_q = 8;
    s.heads_kv = 2;
    s.seq_q = 300;
    s.seq_kv = 500;
    s.head_dim = 64;
    s.head_dim_v = 32;
    return s;
}

// An entry with every field away from its default, provenance of every JSON type.
attnkit::wisdom_entry full_entry() {
    attnkit::wisdom_entry e =
        entry_for<double>(test_shape(), variant::parallel, 64, 126, 3, 4, causal::bottom_right, mask_kind::additive);
    e.provenance = {{"median_s", 0.00125},   {"default_median_s", 0.0015}, {"speedup", 1.2},
                    {"strategy", "anneal"}, {"evaluations", 40},          {"commit", "0123abc"},
                    {"time", "2026-12-02T01:00:00Z"}, {"exact", true},    {"notes", {1, 2, 3}}};
    return e;
}

void check_same_entry(const attnkit::wisdom_entry& got, const attnkit::wisdom_entry& want) {
    CHECK(got.key == want.key);
    CHECK(got.problem == want.problem);
    CHECK(got.choice.kernel == want.choice.kernel);
    CHECK(got.choice.block_q == want.choice.block_q);
    CHECK(got.choice.block_kv == want.choice.block_kv);
    CHECK(got.choice.threads == want.choice.threads);
    CHECK(got.provenance == want.provenance);
}

// A valid line with one field replaced (or removed, when value is "REMOVE").
std::string line_with(const std::string& object, const std::string& field, const nlohmann::ordered_json& value) {
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(attnkit::wisdom_line(full_entry()));
    nlohmann::ordered_json& target = object.empty() ? j : j[object];
    if (value == "REMOVE")
        target.erase(field);
    else
        target[field] = value;
    return j.dump();
}

}  // namespace

TEST_CASE("a written wisdom file reads back entry for entry, provenance included", "[wisdom][format]") {
    scratch_directory dir;
    const std::string path = dir.file("wisdom.jsonl");
    std::vector<attnkit::wisdom_entry> entries{full_entry(), entry_for<float>(test_shape(), variant::decode, 0, 0)};
    entries[1].provenance = nlohmann::ordered_json::object();

    attnkit::write_wisdom_file(path, entries);
    const attnkit::wisdom_file file = attnkit::read_wisdom_file(path);

    CHECK(file.report.path == path);
    CHECK(file.report.loaded == 2);
    CHECK(file.report.skipped == 0);
    CHECK(file.report.warnings.empty());
    REQUIRE(file.entries.size() == 2);
    for (std::size_t n = 0; n < entries.size(); ++n) {
        INFO("entry " << n);
        check_same_entry(file.entries[n], entries[n]);
        CHECK(file.entries[n].line == n + 1);
    }
}

TEST_CASE("each line of a wisdom file is one JSON object with a format tag", "[wisdom][format]") {
    const std::string line = attnkit::wisdom_line(full_entry());
    CHECK(line.find('\n') == std::string::npos);
    const auto j = nlohmann::json::parse(line);
    CHECK(j.at("format") == attnkit::wisdom_format);
    CHECK(j.at("format_version") == attnkit::wisdom_format_version);
    CHECK(j.at("key").at("dtype") == "f64");
    CHECK(j.at("problem").at("causal") == "bottom_right");
    CHECK(j.at("problem").at("mask") == "additive");
    CHECK(j.at("choice").at("variant") == "parallel");
    check_same_entry(attnkit::parse_wisdom_line(line), full_entry());
}

TEST_CASE("parse_wisdom_line throws attnkit::error saying what is wrong", "[wisdom][format]") {
    CHECK_THROWS_WITH(attnkit::parse_wisdom_line(line_with("choice", "threads", "REMOVE")),
                      "attnkit: wisdom line: choice.threads is missing");
    CHECK_THROWS_AS(attnkit::parse_wisdom_line("{"), attnkit::error);
}

TEST_CASE("every kind of bad line is skipped with a warning naming its line and the reason", "[wisdom][format]") {
    struct bad_line {
        std::string text;
        std::string reason;  // what the warning must contain
    };
    const std::vector<bad_line> bad{
        {"{\"format\": \"attnkit-wisdom\", ", "not JSON: parse error"},
        {"[1, 2, 3]", "not a JSON object"},
        {line_with("", "format", "fftw-wisdom"), "format \"fftw-wisdom\" is not \"attnkit-wisdom\""},
        {line_with("", "format", "REMOVE"), "format is missing"},
        {line_with("", "format_version", 2), "format_version 2 is not supported (this reader reads 1)"},
        {line_with("", "key", "REMOVE"), "key is missing"},
        {line_with("", "choice", 7), "choice is not an object (7)"},
        {line_with("key", "cpu", "REMOVE"), "key.cpu is missing"},
        {line_with("key", "threads", "16"), "key.threads is not an integer (\"16\")"},
        {line_with("key", "threads", 0), "key.threads (0) is less than 1"},
        {line_with("key", "isa", "avx9"), "key.isa 'avx9' is not one of sse2, avx2, avx512, neon"},
        {line_with("key", "dtype", "f16"), "key.dtype 'f16' is not f32 or f64"},
        {line_with("problem", "seq_q", -3), "problem.seq_q (-3) is negative"},
        {line_with("problem", "head_dim", 64.5), "problem.head_dim is not an integer (64.5)"},
        {line_with("problem", "heads_kv", 3), "problem.heads_q (8) is not a multiple of problem.heads_kv (3)"},
        {line_with("problem", "causal", "lower"), "problem.causal 'lower' is not one of none, top_left, bottom_right"},
        {line_with("problem", "mask", "float"), "problem.mask 'float' is not one of none, bool, additive"},
        {line_with("choice", "variant", "turbo"), "choice.variant 'turbo' is not one of naive, blocked, flash"},
        {line_with("choice", "variant", "automatic"), "choice.variant 'automatic' is not one of"},
        {line_with("choice", "block_kv", -1), "choice.block_kv (-1) is negative"},
        {line_with("choice", "threads", 5), "choice.threads (5) exceeds key.threads (4), the thread budget"},
        {line_with("", "provenance", "fast"), "provenance is not an object (\"fast\")"},
    };
    // Line 1 good, then the bad ones, a blank line (ignored, no warning), a good one last.
    std::string text = attnkit::wisdom_line(full_entry()) + "\n";
    for (const bad_line& b : bad) text += b.text + "\n";
    text += "   \n" + attnkit::wisdom_line(full_entry()) + "\n";
    scratch_directory dir;
    const std::string path = dir.file("bad.jsonl");
    write_text(path, text);

    attnkit::wisdom_file file;
    REQUIRE_NOTHROW(file = attnkit::read_wisdom_file(path));
    REQUIRE(file.entries.size() == 2);
    CHECK(file.entries[0].line == 1);
    CHECK(file.entries[1].line == bad.size() + 3);
    CHECK(file.report.skipped == bad.size());
    REQUIRE(file.report.warnings.size() == bad.size());
    for (std::size_t n = 0; n < bad.size(); ++n) {
        const attnkit::wisdom_warning& w = file.report.warnings[n];
        INFO("line " << n + 2 << ": " << bad[n].text << "\nwarning: " << w.reason);
        CHECK(w.line == n + 2);
        CHECK(w.reason.find(bad[n].reason) != std::string::npos);
    }
    CHECK(attnkit::to_string(path, file.report.warnings[0]).rfind(path + ":2: not JSON", 0) == 0);
}

TEST_CASE("entries of another library version, compiler or CPU are kept by the reader, skipped by the loader",
          "[wisdom][format]") {
    attnkit::clear_wisdom();
    attnkit::wisdom_entry own = entry_for<float>(test_shape(), variant::flash, 32, 64);
    attnkit::wisdom_entry other_cpu = own, other_compiler = own, other_library = own;
    other_cpu.key.cpu = "Imaginary CPU 9000";
    other_compiler.key.compiler = "GCC 1.0.0";
    other_library.key.library = "99.0.0";
    scratch_directory dir;
    const std::string path = dir.file("mixed.jsonl");
    attnkit::write_wisdom_file(path, {other_cpu, own, other_compiler, other_library});

    CHECK(attnkit::read_wisdom_file(path).entries.size() == 4);

    const attnkit::wisdom_report report = attnkit::load_wisdom(path);
    CHECK(report.loaded == 1);
    CHECK(report.skipped == 3);
    REQUIRE(report.warnings.size() == 3);
    CHECK(report.warnings[0].line == 1);
    CHECK(report.warnings[0].reason ==
          "foreign key: key.cpu 'Imaginary CPU 9000' is not this process's '" + own.key.cpu + "'");
    CHECK(report.warnings[1].line == 3);
    CHECK(report.warnings[1].reason.rfind("foreign key: key.compiler 'GCC 1.0.0'", 0) == 0);
    CHECK(report.warnings[2].line == 4);
    CHECK(report.warnings[2].reason.rfind("foreign key: key.library '99.0.0'", 0) == 0);
    CHECK(attnkit::loaded_wisdom_entries() == 1);
    attnkit::clear_wisdom();
    CHECK(attnkit::loaded_wisdom_entries() == 0);
}

TEST_CASE("merging: an entry of the same key and exact problem is replaced by the newer one", "[wisdom][format]") {
    const attnkit::wisdom_entry a = entry_for<float>(test_shape(), variant::flash, 32, 64);
    const attnkit::wisdom_entry b = entry_for<float>(with_seq(test_shape(), 1, 500), variant::decode, 0, 0);
    attnkit::wisdom_entry a_newer = a;
    a_newer.choice.kernel = variant::blocked;
    attnkit::wisdom_entry a_other_threads = a;  // another key: kept beside a
    a_other_threads.key.threads = a.key.threads + 1;
    const attnkit::wisdom_entry c = entry_for<double>(test_shape(), variant::parallel, 64, 126);

    const auto merged = attnkit::merge_wisdom({a, b, a_other_threads}, {c, a_newer});
    REQUIRE(merged.size() == 4);
    CHECK(merged[0].choice.kernel == variant::blocked);  // a, replaced in place
    CHECK(merged[1].problem == b.problem);
    CHECK(merged[2].key == a_other_threads.key);
    CHECK(merged[3].key == c.key);

    attnkit::wisdom_entry a_newest = a;
    a_newest.choice.block_q = 16;
    const auto within = attnkit::merge_wisdom({}, {a, a_newer, a_newest});
    REQUIRE(within.size() == 1);
    CHECK(within[0].choice.block_q == 16);
}

TEST_CASE("writing a wisdom file replaces it whole and leaves no temporary file", "[wisdom][format]") {
    scratch_directory dir;
    const std::string path = dir.file("wisdom.jsonl");
    write_text(path, "old content\n");

    const std::vector<attnkit::wisdom_entry> entries(3, full_entry());
    attnkit::write_wisdom_file(path, entries);

    CHECK(dir.listing() == std::vector<std::string>{"wisdom.jsonl"});
    const std::string line = attnkit::wisdom_line(full_entry()) + "\n";
    CHECK(read_text(path) == line + line + line);

    attnkit::write_wisdom_file(path, {});
    CHECK(dir.listing() == std::vector<std::string>{"wisdom.jsonl"});
    CHECK(read_text(path).empty());
}

TEST_CASE("a wisdom file that cannot be read or written throws attnkit::error naming the path", "[wisdom][format]") {
    scratch_directory dir;
    const std::string missing = dir.file("missing.jsonl");
    CHECK_THROWS_WITH(attnkit::read_wisdom_file(missing), "attnkit: wisdom file '" + missing + "' does not exist");
    CHECK_THROWS_WITH(attnkit::load_wisdom(missing), "attnkit: wisdom file '" + missing + "' does not exist");
    CHECK_THROWS_WITH(attnkit::read_wisdom_file(dir.path().string()),
                      "attnkit: wisdom file '" + dir.path().string() + "' is a directory");

    const std::string unwritable = dir.file("no_such_directory/wisdom.jsonl");
    CHECK_THROWS_WITH(attnkit::write_wisdom_file(unwritable, {full_entry()}),
                      Catch::StartsWith("attnkit: wisdom file '" + unwritable + "' cannot be written"));
    CHECK(dir.listing().empty());
}

TEST_CASE("ATTNKIT_WISDOM's loader reports an unreadable file on stderr and throws nothing", "[wisdom][format]") {
    attnkit::clear_wisdom();
    scratch_directory dir;
    const std::string missing = dir.file("missing.jsonl");
    stderr_capture capture(dir.file("stderr.txt"));
    attnkit::detail::load_wisdom_from_environment(missing.c_str());
    const std::string printed = capture.finish();
    // ATTNKIT_LOG is not set in the test, so the level is warn, the default.
    CHECK(printed == "attnkit: ATTNKIT_WISDOM: wisdom file '" + missing +
                         "' does not exist; automatic uses its heuristic\n");
    CHECK(attnkit::loaded_wisdom_entries() == 0);
}

TEST_CASE("the loader used by ATTNKIT_WISDOM loads the file's entries", "[wisdom][format]") {
    attnkit::clear_wisdom();
    scratch_directory dir;
    const std::string path = dir.file("wisdom.jsonl");
    write_text(path, attnkit::wisdom_line(entry_for<float>(test_shape(), variant::flash, 32, 64)) + "\nnot json\n");
    stderr_capture capture(dir.file("stderr.txt"));
    attnkit::detail::load_wisdom_from_environment(path.c_str());
    const std::string printed = capture.finish();
    CHECK(attnkit::loaded_wisdom_entries() == 1);
    CHECK(printed.rfind("attnkit: wisdom: skipped " + path + ":2: not JSON: ", 0) == 0);
    attnkit::clear_wisdom();
}

TEST_CASE("this process's wisdom key names the library, compiler, CPU, ISA, thread budget and dtype",
          "[wisdom][format]") {
    const attnkit::wisdom_key key = attnkit::current_wisdom_key<float>(3, attnkit::isa::automatic);
    CHECK(key.library == std::to_string(ATTNKIT_VERSION_MAJOR) + "." + std::to_string(ATTNKIT_VERSION_MINOR) + "." +
                             std::to_string(ATTNKIT_VERSION_PATCH));
    // The compiler as its own macros name it (no <regex>: GCC 12's -Wmaybe-uninitialized
    // fires inside std::regex at -O1 with the sanitizers, and the tests build with -Werror).
#if defined(__clang__)
    const std::string compiler = "Clang " + std::to_string(__clang_major__) + "." + std::to_string(__clang_minor__) +
                                 "." + std::to_string(__clang_patchlevel__);
#else
    const std::string compiler = "GCC " + std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) + "." +
                                 std::to_string(__GNUC_PATCHLEVEL__);
#endif
    CHECK(key.compiler == compiler);
    CHECK(!key.cpu.empty());
    CHECK(key.isa == attnkit::isa_name(attnkit::selected_isa()));
    CHECK(key.threads == 3);
    CHECK(key.dtype == "f32");
    CHECK(attnkit::current_wisdom_key<double>(1).dtype == "f64");
    CHECK(attnkit::current_wisdom_key<float>(0).threads == attnkit::detail::thread_budget(0));
    CHECK(attnkit::current_wisdom_key<float>(1, attnkit::isa::sse2).isa ==
          attnkit::isa_name(attnkit::selected_isa(attnkit::isa::sse2)));
}

TEST_CASE("the CPU model is the brand string that /proc/cpuinfo shows as model name", "[wisdom][format]") {
    const std::string model_name = attnkit::detail::cpuinfo_model_name();
    if (model_name.empty()) {
        WARN("no model name in /proc/cpuinfo here: only checked that the model is not empty");
        CHECK(!attnkit::detail::cpu_model().empty());
        return;
    }
    CHECK(attnkit::detail::cpu_model() == model_name);
}
