// attnkit benchmarks: the machine's fused multiply-add peak, measured.
//
// The probe runs independent FMA accumulator chains (enough of them to cover
// FMA latency x issue width) with the widest vector ISA the CPU supports at run
// time, on N OpenMP threads, and reports the sum of the threads' rates. One FMA
// lane counts as 2 FLOP. The attention benchmarks divide their GFLOP/s by this
// number (same dtype, same thread count) to report a percentage of peak.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/dtype.hpp"

namespace attnkit_bench {

// The instruction sets the probe knows, widest first.
enum class fma_isa { avx512f, avx2_fma, sse2, scalar };

const char* isa_name(fma_isa isa);

// The ISAs this CPU (and OS) can run, widest first; the last is always usable.
std::vector<fma_isa> supported_isas();

// The widest entry of supported_isas().
fma_isa widest_isa();

struct fma_measurement {
    double gflops = 0;       // sum over threads of (thread's FLOP / thread's wall seconds) / 1e9
    double cpu_gflops = 0;   // sum over threads of (thread's FLOP / thread's CPU seconds) / 1e9
    double wall_gflops = 0;  // total FLOP / (last thread end - first thread start) / 1e9
    double flop = 0;         // total FLOP performed
    double seconds = 0;      // wall seconds of the parallel region's timed part
};

// One run of the probe: every one of `threads` threads performs `steps` loop
// steps, each step one FMA per accumulator chain.
fma_measurement measure_fma(dtype t, fma_isa isa, int threads, std::int64_t steps);

// FLOP performed by one thread in one loop step (chains x lanes x 2).
double flop_per_step(dtype t, fma_isa isa);

// Peak FMA throughput in GFLOP/s for `threads` threads at the widest ISA:
// calibrated, warmed up, best of several trials, each trial the sum of the
// threads' FLOP per CPU second (per wall second when threads exceed the
// processors). Measured on the first call for a (dtype, threads) pair and
// cached afterwards; thread-safe.
double fma_peak_gflops(dtype t, int threads);

// Sets the value fma_peak_gflops(t, threads) returns from now on (a peak
// measured once and reused across processes, so that %peak is comparable).
void set_fma_peak_gflops(dtype t, int threads, double gflops);

}  // namespace attnkit_bench
