// attnkit: xsimd::exp against attnkit's exp_nonpositive (detail/exp.hpp), on
// the softmax's own domain (x <= 0), as throughput: four independent vectors in
// flight per iteration, as in online_softmax::exp_sub_sum. The kernels keep
// whichever is faster while passing the accuracy tests (test_exp.cpp).
//
// This binary is compiled for AVX-512 (the ISA the goals are measured at); it
// checks the CPU before running anything and exits with a message otherwise.
#include <attnkit/detail/exp.hpp>

#include <benchmark/benchmark.h>

#include <cstdio>
#include <vector>

namespace {

using arch = xsimd::avx512bw;

enum class exp_kind { polynomial, xsimd, chosen };

template <class T, exp_kind Kind>
void BM_exp(benchmark::State& state) {
    using batch = xsimd::batch<T, arch>;
    constexpr std::size_t W = batch::size;
    // 16 KiB of arguments in [-30, 0]: L1-resident, so the exp is what is timed.
    std::vector<T> x(16384 / sizeof(T));
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = -T(30) * T(i % 997) / T(997);
    for (auto _ : state) {
        batch s0(T(0)), s1(T(0)), s2(T(0)), s3(T(0));
        for (std::size_t i = 0; i + 4 * W <= x.size(); i += 4 * W) {
            const batch a0 = batch::load_unaligned(&x[i]), a1 = batch::load_unaligned(&x[i + W]);
            const batch a2 = batch::load_unaligned(&x[i + 2 * W]), a3 = batch::load_unaligned(&x[i + 3 * W]);
            if constexpr (Kind == exp_kind::chosen) {
                s0 += attnkit::detail::exp_nonpositive<T, arch>(a0);
                s1 += attnkit::detail::exp_nonpositive<T, arch>(a1);
                s2 += attnkit::detail::exp_nonpositive<T, arch>(a2);
                s3 += attnkit::detail::exp_nonpositive<T, arch>(a3);
            } else if constexpr (Kind == exp_kind::polynomial) {
                s0 += attnkit::detail::exp_polynomial<T, arch>(a0);
                s1 += attnkit::detail::exp_polynomial<T, arch>(a1);
                s2 += attnkit::detail::exp_polynomial<T, arch>(a2);
                s3 += attnkit::detail::exp_polynomial<T, arch>(a3);
            } else {
                s0 += xsimd::exp(a0);
                s1 += xsimd::exp(a1);
                s2 += xsimd::exp(a2);
                s3 += xsimd::exp(a3);
            }
        }
        benchmark::DoNotOptimize((s0 + s1) + (s2 + s3));
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(x.size()));
}

BENCHMARK_TEMPLATE(BM_exp, float, exp_kind::polynomial)->Name("exp/f32/polynomial");
BENCHMARK_TEMPLATE(BM_exp, float, exp_kind::xsimd)->Name("exp/f32/xsimd");
BENCHMARK_TEMPLATE(BM_exp, float, exp_kind::chosen)->Name("exp/f32/chosen");
BENCHMARK_TEMPLATE(BM_exp, double, exp_kind::polynomial)->Name("exp/f64/polynomial");
BENCHMARK_TEMPLATE(BM_exp, double, exp_kind::xsimd)->Name("exp/f64/xsimd");
BENCHMARK_TEMPLATE(BM_exp, double, exp_kind::chosen)->Name("exp/f64/chosen");

}  // namespace

int main(int argc, char** argv) {
    if (!__builtin_cpu_supports("avx512bw")) {
        std::printf("attnkit_bench_exp: this CPU has no AVX-512BW; nothing to measure\n");
        return 0;
    }
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
