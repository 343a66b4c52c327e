// attnkit: peak resident memory of one sdpa() call beyond its inputs and
// outputs. Measures the memory goal: flash at seq_q = seq_kv = 65536,
// H = 1, D = 64 must stay under 64 MiB of extra resident memory, which rules
// out any seq_q x seq_kv buffer (16 GiB here).
//
//   attnkit_memory_probe [seq] [head_dim] [variant: flash|parallel|blocked] [threads]
//
// Resident memory is read from /proc/self/status (VmHWM, the high-water mark),
// once after the inputs and outputs are allocated and touched, and once after
// the call; the difference is the kernel's own memory.
#include <attnkit/attnkit.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace {

long high_water_kib() {
    std::ifstream status("/proc/self/status");
    std::string key;
    while (status >> key) {
        if (key == "VmHWM:") {
            long kib = 0;
            status >> kib;
            return kib;
        }
        status.ignore(4096, '\n');
    }
    return -1;
}

attnkit::variant parse_variant(const std::string& name) {
    if (name == "parallel") return attnkit::variant::parallel;
    if (name == "blocked") return attnkit::variant::blocked;
    return attnkit::variant::flash;
}

}  // namespace

int main(int argc, char** argv) {
    using attnkit::index_t;
    const index_t seq = argc > 1 ? std::atol(argv[1]) : 65536;
    const index_t dim = argc > 2 ? std::atol(argv[2]) : 64;
    const std::string kernel = argc > 3 ? argv[3] : "flash";
    const int threads = argc > 4 ? std::atoi(argv[4]) : 1;

    const auto count = static_cast<std::size_t>(seq * dim);
    std::vector<float> q(count), k(count), v(count), out(count);
    std::mt19937 gen(7);
    std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
    for (auto* t : {&q, &k, &v})
        for (float& x : *t) x = uniform(gen);
    for (float& x : out) x = 0.0f;  // touched, so it counts in the baseline

    const long before = high_water_kib();
    attnkit::options<float> opt;
    opt.kernel = parse_variant(kernel);
    opt.tiles.threads = threads;
    const auto start = std::chrono::steady_clock::now();
    attnkit::sdpa<float>(attnkit::bhsd<const float>(q.data(), 1, 1, seq, dim),
                         attnkit::bhsd<const float>(k.data(), 1, 1, seq, dim),
                         attnkit::bhsd<const float>(v.data(), 1, 1, seq, dim),
                         attnkit::bhsd(out.data(), 1, 1, seq, dim), opt);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const long after = high_water_kib();

    const double extra_mib = double(after - before) / 1024.0;
    std::printf("variant %s, threads %d, seq %ld, head_dim %ld: inputs+outputs %.1f MiB, "
                "peak extra resident %.2f MiB (limit 64), %.2f s\n",
                kernel.c_str(), threads, static_cast<long>(seq), static_cast<long>(dim),
                4.0 * double(count) * sizeof(float) / (1024.0 * 1024.0), extra_mib, seconds);
    return extra_mib < 64.0 ? 0 : 1;
}
