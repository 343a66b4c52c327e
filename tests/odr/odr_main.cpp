// Issue 15, defect 4: translation units built with different instruction sets
// or with and without OpenMP, without attnkit_add_isa_dispatch, each run their
// own copy of attnkit, whatever the link order. Before the fix the linker kept
// one copy of each inline function: linked main.o a.o b.o, the plain unit ran
// the AVX-512 unit's validate<float> (SIGILL on a CPU without AVX-512: under
// valgrind, which has none), and an OpenMP unit could run the serial copy of
// the threaded kernels. CMakeLists.txt links this file with the three units of
// odr_unit.cpp in one order (test_odr_forward) and in the other
// (test_odr_reverse); the [plain] cases also run under valgrind.
#include <string>

#include <catch2/catch.hpp>

#include "odr_unit.hpp"

using attnkit_odr::unit;

namespace {

const unit* const units[] = {&attnkit_odr::wide_omp, &attnkit_odr::plain_omp, &attnkit_odr::plain_serial};

bool cpu_runs(const unit& u) {
    if (u.compiled != attnkit::isa::avx512) return true;
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512cd");
#else
    return false;
#endif
}

}  // namespace

TEST_CASE("each unit is compiled in the namespace of its configuration", "[odr]") {
    CHECK(std::string(attnkit_odr::wide_omp.config) == "cfg_avx512bw_fma_omp");
    CHECK(attnkit_odr::wide_omp.compiled == attnkit::isa::avx512);
    CHECK(std::string(attnkit_odr::plain_omp.config) == "cfg_sse2_omp");
    CHECK(attnkit_odr::plain_omp.compiled == attnkit::isa::sse2);
    CHECK(std::string(attnkit_odr::plain_serial.config) == "cfg_sse2_serial");
    CHECK(attnkit_odr::plain_serial.compiled == attnkit::isa::sse2);
}

TEST_CASE("units built differently share no copy of an attnkit function", "[odr]") {
    for (const unit* a : units)
        for (const unit* b : units) {
            if (a == b) continue;
            INFO(a->config << " and " << b->config);
            CHECK(a->sdpa != b->sdpa);
            CHECK(a->validate != b->validate);
            CHECK(a->selected != b->selected);
            CHECK(a->workers != b->workers);
        }
}

TEST_CASE("the plain units run their own ISA and threading", "[odr][plain]") {
    for (const unit* u : {&attnkit_odr::plain_omp, &attnkit_odr::plain_serial}) {
        INFO(u->config);
        CHECK(u->selected(attnkit::isa::automatic) == attnkit::isa::sse2);
        // Two threads for eight work items with OpenMP, one without.
        CHECK(u->workers(2, 8) == (u->openmp ? 2 : 1));
        CHECK(u->wrong_outputs() == 0);
    }
}

TEST_CASE("the AVX-512 unit runs its own ISA and threading where the CPU has AVX-512", "[odr]") {
    const unit& u = attnkit_odr::wide_omp;
    if (!cpu_runs(u)) {
        SUCCEED("this CPU has no AVX-512: the unit's code is not run");
        return;
    }
    CHECK(u.selected(attnkit::isa::automatic) == attnkit::isa::avx512);
    CHECK(u.workers(2, 8) == 2);
    CHECK(u.wrong_outputs() == 0);
}
