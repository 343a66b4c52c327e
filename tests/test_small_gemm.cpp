// The tile engines' optional LIBXSMM backend (detail/small_gemm.hpp): a
// column-major product C = A B (or C += A B), as BLAS writes it, at the shapes
// and leading dimensions the engines pass; no kernel where the backend is not
// compiled in or the shape is empty. The engines' results with the backend are
// checked by every conformance test of a build that has it (the release
// preset) and without it by the sanitizer presets.
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include <catch2/catch.hpp>

#include "attnkit/detail/small_gemm.hpp"
#include "support/random.hpp"

using attnkit::index_t;
using attnkit::detail::small_gemm;
using attnkit::detail::small_gemm_compiled_in;
using attnkit_test::rng;

namespace {

struct shape {
    index_t m, n, k, lda, ldb, ldc;
    bool accumulate;  // C += A B, else C = A B
};

// The product in long double (the oracle) and in T by a plain loop over k
// with fma, the same precision's naive baseline.
template <class T>
void check_product(const shape& s) {
    rng r(0x5e11a7e5u + static_cast<unsigned>(s.m * 31 + s.n * 7 + s.k));
    std::vector<T> a(static_cast<std::size_t>(s.lda * s.k)), b(static_cast<std::size_t>(s.ldb * s.n)),
        c(static_cast<std::size_t>(s.ldc * s.n));
    for (T& x : a) x = static_cast<T>(r.uniform(-1.0, 1.0));
    for (T& x : b) x = static_cast<T>(r.uniform(-1.0, 1.0));
    for (T& x : c) x = static_cast<T>(r.uniform(-1.0, 1.0));
    const auto b_at = [&](index_t kk, index_t j) { return b[static_cast<std::size_t>(j * s.ldb + kk)]; };
    std::vector<T> naive = c;
    std::vector<long double> oracle(c.begin(), c.end());
    for (index_t j = 0; j < s.n; ++j)
        for (index_t i = 0; i < s.m; ++i) {
            const auto at = static_cast<std::size_t>(j * s.ldc + i);
            T sum = s.accumulate ? c[at] : T(0);
            long double exact = s.accumulate ? static_cast<long double>(c[at]) : 0.0L;
            for (index_t kk = 0; kk < s.k; ++kk) {
                const T x = a[static_cast<std::size_t>(kk * s.lda + i)], y = b_at(kk, j);
                sum = std::fma(x, y, sum);
                exact += static_cast<long double>(x) * static_cast<long double>(y);
            }
            naive[at] = sum;
            oracle[at] = exact;
        }
    double naive_error = 0;
    for (index_t j = 0; j < s.n; ++j)
        for (index_t i = 0; i < s.m; ++i) {
            const auto at = static_cast<std::size_t>(j * s.ldc + i);
            naive_error = std::fmax(naive_error, static_cast<double>(std::fabs(naive[at] - oracle[at])));
        }

    const small_gemm<T> product(s.m, s.n, s.k, s.lda, s.ldb, s.ldc, s.accumulate);
    REQUIRE(static_cast<bool>(product));
    const std::vector<T> before = c;
    product(a.data(), b.data(), c.data());
    // Within twice the naive loop's worst error (plus one ulp of the sums'
    // scale, for a naive loop that happens to be exact), and the padding
    // between columns of C untouched.
    const double bound = 2 * naive_error + 8 * static_cast<double>(s.k) * std::numeric_limits<T>::epsilon();
    double worst = 0;
    for (index_t j = 0; j < s.n; ++j)
        for (index_t i = 0; i < s.ldc; ++i) {
            const auto at = static_cast<std::size_t>(j * s.ldc + i);
            if (i < s.m)
                worst = std::fmax(worst, static_cast<double>(std::fabs(c[at] - oracle[at])));
            else
                REQUIRE(c[at] == before[at]);
        }
    INFO("m " << s.m << " n " << s.n << " k " << s.k << ": error " << worst << ", bound " << bound);
    CHECK(worst <= bound);
}

}  // namespace

TEMPLATE_TEST_CASE("small_gemm: C = A B (+ C) column-major, at the tile engines' shapes", "[small_gemm]", float,
                   double) {
    using T = TestType;
    if (!small_gemm_compiled_in) {
        // Without ATTNKIT_WITH_LIBXSMM there is never a kernel: the engines
        // keep their micro-kernels.
        CHECK_FALSE(static_cast<bool>(small_gemm<T>(16, 16, 16, 16, 16, 16)));
        return;
    }
    // Scores: S (width x keys) = Q (qt_, ld block_q + pad) K^T (K's rows, ld
    // head_dim or the K copy's padded stride), overwriting S.
    check_product<T>({32, 28, 64, 48, 64, 48, false});
    check_product<T>({128, 252, 128, 144, 144, 144, false});
    check_product<T>({16, 5, 80, 32, 1040, 32, false});  // a short last key tile, a long K stride
    // P V: O^T (head_dim_v x width, ld o_'s padded row) += V^T (V's rows, ld
    // head_dim_v or a longer row stride) P^T (pt_, keys x width, ld block_kv
    // rounded up to a vector), accumulating onto O.
    check_product<T>({256, 128, 252, 256, 256, 256, true});
    check_product<T>({1024, 48, 100, 1088, 256, 1024, true});
}

TEST_CASE("small_gemm: an empty product, or leading dimensions short of BLAS's contract, has no kernel",
          "[small_gemm]") {
    CHECK_FALSE(static_cast<bool>(small_gemm<float>(0, 16, 16, 16, 16, 16)));
    CHECK_FALSE(static_cast<bool>(small_gemm<float>(16, 0, 16, 16, 16, 16)));
    CHECK_FALSE(static_cast<bool>(small_gemm<double>(16, 16, 0, 16, 16, 16)));
    CHECK_FALSE(static_cast<bool>(small_gemm<double>()));
    // A K row stride of 0 (one key broadcast along seq) or below head_dim
    // (negative: the sequence walked backwards) goes to the micro-kernels.
    CHECK_FALSE(static_cast<bool>(small_gemm<float>(16, 16, 16, 16, 0, 16)));
    CHECK_FALSE(static_cast<bool>(small_gemm<float>(16, 16, 16, 16, -16, 16)));
    CHECK_FALSE(static_cast<bool>(small_gemm<float>(16, 16, 16, 8, 16, 16)));
}

TEST_CASE("small_gemm_verdicts: each shape's check runs once per process and its answer is kept", "[small_gemm]") {
    using verdicts = attnkit::detail::small_gemm_verdicts<float>;
    int checks = 0;
    const auto answer = [&checks](bool same) {
        return [&checks, same] {
            ++checks;
            return same;
        };
    };
    const verdicts::shape yes{3, 5, 7, 11, 13, 4, false}, no{3, 5, 7, 11, 13, 8, false},
        accumulating{3, 5, 7, 11, 13, 4, true};
    CHECK(verdicts::of(yes, answer(true)));
    CHECK(verdicts::of(yes, answer(false)));  // the first answer stands
    CHECK_FALSE(verdicts::of(no, answer(false)));
    CHECK_FALSE(verdicts::of(no, answer(true)));
    // The same shape accumulating is another kernel, with its own verdict.
    CHECK_FALSE(verdicts::of(accumulating, answer(false)));
    CHECK(checks == 3);
}
