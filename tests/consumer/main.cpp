// A program that uses attnkit as any project would; the check behind the
// consumer.* tests. Every expected value is worked out by hand.
#include <attnkit/attnkit.hpp>

#include <cmath>
#include <cstdio>
#include <exception>
#include <vector>

namespace {

int checks = 0;
int failures = 0;

void expect_near(double got, double want, double tol, const char* what, const char* kernel) {
    ++checks;
    if (!(std::fabs(got - want) <= tol)) {
        ++failures;
        std::printf("FAIL %s [%s]: got %.17g, want %.17g\n", what, kernel, got, want);
    }
}

template <class T>
double tolerance() {
    return sizeof(T) == sizeof(float) ? 1e-5 : 1e-12;
}

// One head, two keys, scale 1: the scores are 0 and ln 3, so the weights are
// 1/4 and 3/4, out = 1/4 * 1 + 3/4 * 5 = 4 in every column, and lse = ln 4.
template <class T>
void two_keys(attnkit::variant kernel, const char* name) {
    const T ln3 = static_cast<T>(std::log(3.0));
    std::vector<T> q = {1, 0, 0, 0};
    std::vector<T> k = {0, 0, 0, 0, ln3, 0, 0, 0};
    std::vector<T> v = {1, 1, 5, 5};
    std::vector<T> out(2, T(-1));
    std::vector<T> lse(1, T(-1));

    attnkit::options<T> opt;
    opt.scale = 1.0;
    opt.kernel = kernel;
    opt.lse = attnkit::bhs(lse.data(), 1, 1, 1);
    attnkit::sdpa(attnkit::bhsd(q.data(), 1, 1, 1, 4), attnkit::bhsd(k.data(), 1, 1, 2, 4),
                  attnkit::bhsd(v.data(), 1, 1, 2, 2), attnkit::bhsd(out.data(), 1, 1, 1, 2), opt);
    expect_near(out[0], 4.0, 4 * tolerance<T>(), "two_keys out[0]", name);
    expect_near(out[1], 4.0, 4 * tolerance<T>(), "two_keys out[1]", name);
    expect_near(lse[0], std::log(4.0), 4 * tolerance<T>(), "two_keys lse", name);
}

// Grouped-query attention with bottom-right causal masking. Every key of a kv
// head carries the same value row, so whatever the weights, each output row
// equals that row: out[b, h, i, d] = value(b, h / (heads_q / heads_kv), d).
template <class T>
void uniform_values(attnkit::variant kernel, const char* name) {
    const attnkit::index_t batch = 2, heads_q = 4, heads_kv = 2, seq_q = 3, seq_kv = 5, dim = 16, dim_v = 8;
    auto value = [](attnkit::index_t b, attnkit::index_t hk, attnkit::index_t d) {
        return static_cast<T>(0.5 + 0.25 * static_cast<double>(b) - 0.75 * static_cast<double>(hk) +
                              0.125 * static_cast<double>(d));
    };
    std::vector<T> q(static_cast<std::size_t>(batch * heads_q * seq_q * dim));
    std::vector<T> k(static_cast<std::size_t>(batch * heads_kv * seq_kv * dim));
    std::vector<T> v(static_cast<std::size_t>(batch * heads_kv * seq_kv * dim_v));
    std::vector<T> out(static_cast<std::size_t>(batch * heads_q * seq_q * dim_v), T(-7));
    for (std::size_t n = 0; n < q.size(); ++n) q[n] = static_cast<T>(std::sin(0.37 * static_cast<double>(n)));
    for (std::size_t n = 0; n < k.size(); ++n) k[n] = static_cast<T>(std::cos(0.11 * static_cast<double>(n)));
    const auto vv = attnkit::bhsd(v.data(), batch, heads_kv, seq_kv, dim_v);
    for (attnkit::index_t b = 0; b < batch; ++b)
        for (attnkit::index_t hk = 0; hk < heads_kv; ++hk)
            for (attnkit::index_t j = 0; j < seq_kv; ++j)
                for (attnkit::index_t d = 0; d < dim_v; ++d) vv(b, hk, j, d) = value(b, hk, d);

    attnkit::options<T> opt;
    opt.causal_mode = attnkit::causal::bottom_right;
    opt.kernel = kernel;
    const auto o = attnkit::bhsd(out.data(), batch, heads_q, seq_q, dim_v);
    attnkit::sdpa(attnkit::bhsd(q.data(), batch, heads_q, seq_q, dim), attnkit::bhsd(k.data(), batch, heads_kv, seq_kv, dim),
                  vv, o, opt);
    for (attnkit::index_t b = 0; b < batch; ++b)
        for (attnkit::index_t h = 0; h < heads_q; ++h)
            for (attnkit::index_t i = 0; i < seq_q; ++i)
                for (attnkit::index_t d = 0; d < dim_v; ++d)
                    expect_near(o(b, h, i, d), value(b, h / 2, d), 8 * tolerance<T>(), "uniform_values", name);
}

template <class T>
void run_all() {
    const struct {
        attnkit::variant kernel;
        const char* name;
    } kernels[] = {{attnkit::variant::automatic, "automatic"}, {attnkit::variant::naive, "naive"},
                   {attnkit::variant::blocked, "blocked"},     {attnkit::variant::flash, "flash"},
                   {attnkit::variant::parallel, "parallel"},   {attnkit::variant::decode, "decode"}};
    for (const auto& kn : kernels) {
        try {
            two_keys<T>(kn.kernel, kn.name);
            uniform_values<T>(kn.kernel, kn.name);
        } catch (const std::exception& e) {
            ++failures;
            std::printf("FAIL [%s]: threw %s\n", kn.name, e.what());
        }
    }
}

}  // namespace

int main() {
    run_all<float>();
    run_all<double>();
    std::printf("consumer: attnkit %d.%d.%d, %d checks, %d failed\n", attnkit::version.major,
                attnkit::version.minor, attnkit::version.patch, checks, failures);
    return failures == 0 ? 0 : 1;
}
