#include "probes/read_bandwidth.hpp"

#include <omp.h>

#include <algorithm>
#include <limits>
#include <map>
#include <memory>
#include <mutex>

#include "common/machine.hpp"

namespace attnkit_bench {
namespace {

std::size_t g_probe_bytes = 0;  // 0: max(1 GiB, 8 x LLC)

// The probe's buffer, allocated and first touched once, each thread writing
// the slice it later reads (on a NUMA machine its pages are then local).
class probe_buffer {
public:
    static probe_buffer& get() {
        static probe_buffer b;
        return b;
    }
    const double* data() const { return data_.get(); }
    std::size_t count() const { return count_; }

private:
    probe_buffer() : count_(probe_bytes() / sizeof(double)), data_(new double[count_]) {
        double* p = data_.get();
        const std::size_t n = count_;
#pragma omp parallel
        {
            const std::size_t t = static_cast<std::size_t>(omp_get_thread_num());
            const std::size_t team = static_cast<std::size_t>(omp_get_num_threads());
            for (std::size_t i = n * t / team; i < n * (t + 1) / team; ++i) p[i] = double(i % 1024) * 0x1p-10;
        }
    }
    std::size_t count_;
    std::unique_ptr<double[]> data_;
};

volatile double g_sink = 0;
std::mutex g_bw_mutex;
std::map<int, double> g_bw;  // threads -> GB/s, measured or given

}  // namespace

std::size_t probe_bytes() {
    if (g_probe_bytes) return g_probe_bytes;
    return std::max<std::size_t>(std::size_t(1) << 30, 8 * last_level_cache_bytes());
}

void set_probe_bytes(std::size_t bytes) { g_probe_bytes = bytes; }

double probe_pass(int threads) {
    const probe_buffer& b = probe_buffer::get();
    const double* p = b.data();
    const std::size_t n = b.count();
    double total = 0;
    const double t0 = omp_get_wtime();
#pragma omp parallel num_threads(threads) reduction(+ : total)
    {
        const std::size_t t = static_cast<std::size_t>(omp_get_thread_num());
        const std::size_t team = static_cast<std::size_t>(omp_get_num_threads());
        const std::size_t first = n * t / team, last = n * (t + 1) / team;
        double s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        std::size_t i = first;
        for (; i + 8 <= last; i += 8)
            for (int k = 0; k < 8; ++k) s[k] += p[i + static_cast<std::size_t>(k)];
        for (; i < last; ++i) s[0] += p[i];
        total += ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    }
    const double seconds = omp_get_wtime() - t0;
    g_sink = total;
    return seconds;
}

double read_bandwidth_gbps(int threads) {
    std::lock_guard<std::mutex> lock(g_bw_mutex);
    const auto it = g_bw.find(threads);
    if (it != g_bw.end()) return it->second;
    probe_pass(threads);
    double best = std::numeric_limits<double>::infinity();
    for (int pass = 0; pass < 5; ++pass) best = std::min(best, probe_pass(threads));
    const double gbps = double(probe_buffer::get().count() * sizeof(double)) / best * 1e-9;
    g_bw[threads] = gbps;
    return gbps;
}

void set_read_bandwidth(int threads, double gbps) {
    std::lock_guard<std::mutex> lock(g_bw_mutex);
    g_bw[threads] = gbps;
}

}  // namespace attnkit_bench
