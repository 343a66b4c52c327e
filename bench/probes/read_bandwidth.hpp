// attnkit benchmarks: the machine's read bandwidth, measured, so that decoding
// (limited by reading K and V) reads as a percentage of what the memory gives.
//
// The probe is a streaming sum over a buffer of max(1 GiB, 8 x the last-level
// cache) (set_probe_bytes changes it), each of n OpenMP threads summing its own
// contiguous slice with eight independent accumulators; one pass per call.
#pragma once

#include <cstddef>

namespace attnkit_bench {

// The probe buffer's size in bytes (set_probe_bytes, else the default above).
std::size_t probe_bytes();
void set_probe_bytes(std::size_t bytes);

// One pass over the buffer on `threads` threads; its wall-clock seconds.
double probe_pass(int threads);

// GB/s at `threads` threads: best of 5 passes after a warm-up, measured once
// per thread count and cached (or the value given to set_read_bandwidth).
double read_bandwidth_gbps(int threads);
void set_read_bandwidth(int threads, double gbps);

}  // namespace attnkit_bench
