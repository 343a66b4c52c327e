// No call allocates more than the documented bound beyond its outputs
// (README, "Rejected inputs": memory), measured as the growth of the
// process's peak resident memory over one call with the largest tile sizes
// and thread counts accepted (issue 15, defects 1 and 2 and their class).
// Linux only: the peak (VmHWM of /proc/self/status) is reset before each call
// by writing 5 to /proc/self/clear_refs. Under AddressSanitizer (shadow
// memory, quarantine, redzones) resident memory says nothing about the
// library's allocations: there the calls are only checked for their results.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <limits>
#include <string>

#include <catch2/catch.hpp>

#include "support/case.hpp"
#include "support/random.hpp"
#include "support/variants.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define ATTNKIT_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ATTNKIT_TEST_ASAN 1
#endif
#endif

using namespace attnkit_test;
using attnkit::index_t;
using attnkit::variant;

namespace {

constexpr index_t imax = std::numeric_limits<index_t>::max();

// kB figures of /proc/self/status; -1 where absent.
long status_kib(const char* field) {
    std::ifstream status("/proc/self/status");
    std::string line;
    const std::string key = std::string(field) + ":";
    while (std::getline(status, line))
        if (line.rfind(key, 0) == 0) return std::stol(line.substr(key.size()));
    return -1;
}

bool reset_peak_resident() {
    std::ofstream clear("/proc/self/clear_refs");
    clear << "5" << std::flush;
    return clear.good();
}

// The documented bounds, in elements of T (README, "Rejected inputs").
// Tile engine (flash, blocked; parallel per worker): block_q, block_kv as fitted.
double tile_engine_bound(index_t block_q, index_t block_kv, index_t head_dim, index_t head_dim_v) {
    return double(block_q + 32) * double(head_dim + head_dim_v + block_kv + 32);
}
// Decode, per worker: rows = packed rows of one item, block_q and block_kv as fitted.
double decode_bound(index_t rows, index_t block_q, index_t block_kv, index_t head_dim, index_t head_dim_v) {
    return double(rows + 48) * double(head_dim + 2 * head_dim_v + 64) + double(block_kv + 32) * double(block_q + 16);
}

// What a thread of the OpenMP runtime takes besides the library's scratch
// (its stack pages, its runtime state), and what the first call into code not
// yet paged in may fault in: an allowance, measured on Debian 12 (GCC 12's
// libgomp, LLVM 14's libomp) at about 20 KiB a thread.
constexpr double per_thread_allowance_kib = 64;
constexpr double fixed_allowance_kib = 1024;

// Runs c with variant v once unmeasured (code paged in, OpenMP's pool made),
// then measured with `tiles`; checks the result and, outside ASan builds, that
// peak resident memory grew by at most bound_bytes + the allowances.
template <class T>
void check_peak(sdpa_case<T> c, variant v, const attnkit::config& tiles, double bound_elements, int workers) {
    const expectation e = expect(c);
    run_case(c, e, v);
    c.tiles = tiles;
    // run_case allocates out and lse (and their poisoned copies) inside the
    // measured window: twice their size is allowed besides the bound.
    const double outputs_kib =
        double(c.dims.batch * c.dims.heads_q * c.dims.seq_q * (c.dims.head_dim_v + 1)) * sizeof(T) * 2 / 1024;
    const bool can_measure = reset_peak_resident() && status_kib("VmHWM") > 0;
    const long before = status_kib("VmRSS");
    run_case(c, e, v);
    const long peak = status_kib("VmHWM");
    const double bound_kib = bound_elements * double(sizeof(T)) / 1024;
    const double allowed = bound_kib + outputs_kib + fixed_allowance_kib + per_thread_allowance_kib * workers;
    INFO("variant " << variant_name(v) << ": resident " << before << " KiB before, peak " << peak
                    << " KiB during the call; growth allowed " << allowed << " KiB (bound " << bound_kib
                    << " KiB, " << workers << " workers)");
#ifdef ATTNKIT_TEST_ASAN
    (void)can_measure;
    (void)allowed;
    SUCCEED("not measured under AddressSanitizer");
#else
    REQUIRE(can_measure);
    CHECK(double(peak - before) <= allowed);
#endif
}

int omp_workers(int requested, index_t items) {
#ifdef _OPENMP
    return static_cast<int>(std::min<index_t>(requested, items));
#else
    (void)requested;
    (void)items;
    return 1;
#endif
}

}  // namespace

// Defect 1's problem: one query, 1000 keys. Before the fix block_q = 1e9 took
// 3.9 GB here and block_kv = INT64_MAX overran the heap.
TEMPLATE_TEST_CASE("decode's peak memory with the largest tiles and threads accepted", "[reliability][memory]", float,
                   double) {
    using T = TestType;
    shape s;
    s.seq_q = 1;
    s.seq_kv = 1000;
    s.head_dim = 64;
    s.head_dim_v = 64;
    rng r(0x15000101);
    attnkit::config tiles;
    tiles.block_q = imax;
    tiles.block_kv = imax;
    tiles.threads = attnkit::config::max_threads;
    // One item (1000 keys are one split): one worker.
    for (const variant v : {variant::decode, variant::automatic})
        check_peak(make_case<T>(r, s), v, tiles, decode_bound(1, 1, 1000, 64, 64), omp_workers(tiles.threads, 1));
}

// Defect 2's problem: 4 work items. Before the fix config.threads = 30,000
// took 597 MB here (one engine and one OpenMP thread per requested thread).
TEMPLATE_TEST_CASE("parallel's peak memory with the largest tiles and threads accepted", "[reliability][memory]",
                   float, double) {
    using T = TestType;
    shape s;
    s.heads_q = 4;
    s.heads_kv = 4;
    s.seq_q = 16;
    s.seq_kv = 16;
    s.head_dim = 64;
    s.head_dim_v = 64;
    rng r(0x15000102);
    attnkit::config tiles;
    tiles.block_q = imax;
    tiles.block_kv = imax;
    tiles.threads = attnkit::config::max_threads;
    const int workers = omp_workers(tiles.threads, 4);
    check_peak(make_case<T>(r, s), variant::parallel, tiles, workers * tile_engine_bound(16, 16, 64, 64), workers);
}

// As many work items as config::max_threads: every accepted thread runs.
TEMPLATE_TEST_CASE("parallel's peak memory on config::max_threads threads", "[reliability][memory][threads]", float,
                   double) {
    using T = TestType;
    shape s;
    s.heads_q = attnkit::config::max_threads;
    s.heads_kv = 1;
    s.seq_q = 1;
    s.seq_kv = 8;
    s.head_dim = 8;
    s.head_dim_v = 8;
    rng r(0x15000103);
    attnkit::config tiles;
    tiles.block_q = imax;
    tiles.block_kv = imax;
    tiles.threads = attnkit::config::max_threads;
    const int workers = omp_workers(tiles.threads, s.heads_q);
    check_peak(make_case<T>(r, s), variant::parallel, tiles, workers * tile_engine_bound(1, 8, 8, 8), workers);
}

// One tile engine whose tiles are the whole problem.
TEMPLATE_TEST_CASE("flash's and blocked's peak memory with the largest tiles accepted", "[reliability][memory]",
                   float, double) {
    using T = TestType;
    shape s;
    s.seq_q = 200;
    s.seq_kv = 300;
    s.head_dim = 32;
    s.head_dim_v = 48;
    rng r(0x15000104);
    attnkit::config tiles;
    tiles.block_q = imax;
    tiles.block_kv = imax;
    for (const variant v : {variant::flash, variant::blocked})
        check_peak(make_case<T>(r, s), v, tiles, tile_engine_bound(200, 300, 32, 48), 1);
}
