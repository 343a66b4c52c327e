// The race check's canary: proves, on every run of the race check, that the
// detector (ThreadSanitizer with the OpenMP runtime's Archer tool) is alive.
// Built only by the race-check build (ATTNKIT_RACE_CANARY), with its flags.
//
//   race_canary racy          two threads write one int unsynchronised: a
//                             real data race, which must be reported
//   race_canary synchronized  the patterns of attnkit's parallel kernels
//                             (dynamic and static worksharing loops, the
//                             implicit barrier between them, per-thread
//                             scratch): correct, so nothing may be reported;
//                             without Archer, TSan reports the barrier as a race
#include <omp.h>

#include <cstdio>
#include <cstring>
#include <vector>

namespace {

int racy() {
    int shared = 0;
#pragma omp parallel num_threads(4)
    {
        // Every thread reads and writes `shared` without synchronisation.
        shared += omp_get_thread_num() + 1;
    }
    std::printf("racy: %d\n", shared);
    return 0;
}

int synchronized() {
    const int n = 4096;
    std::vector<int> partial(static_cast<std::size_t>(n)), merged(static_cast<std::size_t>(n));
    std::vector<int> scratch(4);
#pragma omp parallel num_threads(4)
    {
        const int t = omp_get_thread_num();
#pragma omp for schedule(dynamic, 1)
        for (int i = 0; i < n; ++i) {
            scratch[static_cast<std::size_t>(t)] = i;  // this thread's slot only
            partial[static_cast<std::size_t>(i)] = scratch[static_cast<std::size_t>(t)] * 2;
        }
        // Implicit barrier: every partial is written before any is read below.
#pragma omp for schedule(static)
        for (int i = 0; i < n; ++i)
            merged[static_cast<std::size_t>(i)] = partial[static_cast<std::size_t>(n - 1 - i)] + 1;
    }
    std::printf("synchronized: %d\n", merged[0]);
    return merged[0] == 2 * (n - 1) + 1 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 2 && std::strcmp(argv[1], "racy") == 0) return racy();
    if (argc == 2 && std::strcmp(argv[1], "synchronized") == 0) return synchronized();
    std::fprintf(stderr, "usage: race_canary racy|synchronized\n");
    return 2;
}
