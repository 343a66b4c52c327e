// Robust summaries of repeated timings: the median, a distribution-free
// confidence interval for it, and the coefficient of variation. Timings are
// skewed (interruptions only ever add time), so the engine compares medians and
// decides "indistinguishable" with intervals that assume no distribution.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace attnkit_bench {
namespace search {

struct interval {
    double low = 0;
    double high = 0;
};

inline bool overlaps(const interval& a, const interval& b) noexcept { return a.low <= b.high && b.low <= a.high; }

namespace detail {

inline void require_nonempty(const std::vector<double>& xs, const char* what) {
    if (xs.empty()) throw std::invalid_argument(std::string(what) + ": the sample is empty");
}

}  // namespace detail

// The middle value; the mean of the two middle values for an even count.
inline double median(std::vector<double> xs) {
    detail::require_nonempty(xs, "median");
    const auto n = xs.size();
    const auto mid = xs.begin() + static_cast<std::ptrdiff_t>(n / 2);
    std::nth_element(xs.begin(), mid, xs.end());
    if (n % 2 == 1) return *mid;
    const double upper = *mid;
    const double lower = *std::max_element(xs.begin(), mid);
    return lower + (upper - lower) / 2;
}

// The p-quantile with linear interpolation between order statistics (the
// "type 7" definition of R and NumPy's default), p in [0, 1].
inline double quantile(std::vector<double> xs, double p) {
    detail::require_nonempty(xs, "quantile");
    if (!(p >= 0 && p <= 1)) throw std::invalid_argument("quantile: p (" + std::to_string(p) + ") is not in [0, 1]");
    std::sort(xs.begin(), xs.end());
    const double position = p * static_cast<double>(xs.size() - 1);
    const auto below = static_cast<std::size_t>(std::floor(position));
    const auto above = std::min(below + 1, xs.size() - 1);
    const double weight = position - static_cast<double>(below);
    if (weight == 0 || xs[above] == xs[below]) return xs[below];  // also keeps inf - inf out
    return xs[below] + weight * (xs[above] - xs[below]);
}

// A confidence interval for the population median from order statistics: with
// x(1) <= ... <= x(n), the interval [x(j), x(n+1-j)] covers the median with
// probability 1 - 2 P(B <= j-1), B ~ Binomial(n, 1/2), whatever the
// distribution (continuous). j is the largest rank whose coverage is still at
// least `confidence`. For n so small that even the sample range covers with
// less than `confidence` (n <= 5 at 95 %), the sample range is returned: the
// widest interval the data can give.
inline interval median_confidence_interval(std::vector<double> xs, double confidence = 0.95) {
    detail::require_nonempty(xs, "median_confidence_interval");
    if (!(confidence > 0 && confidence < 1))
        throw std::invalid_argument("median_confidence_interval: confidence (" + std::to_string(confidence) +
                                    ") is not in (0, 1)");
    std::sort(xs.begin(), xs.end());
    const auto n = xs.size();
    const double alpha = 1 - confidence;
    // Binomial(n, 1/2) probabilities in logarithms: 0.5^n underflows past n = 1074.
    const double log_total = static_cast<double>(n) * std::log(2.0);
    const double log_n_factorial = std::lgamma(static_cast<double>(n) + 1);
    auto pmf = [&](std::size_t i) {
        const double k = static_cast<double>(i);
        return std::exp(log_n_factorial - std::lgamma(k + 1) - std::lgamma(static_cast<double>(n) - k + 1) -
                        log_total);
    };
    std::size_t j = 1;        // rank of the lower end, 1-based
    double tail = pmf(0);     // P(B <= j - 1)
    while (j + 1 <= n / 2) {  // keep x(j) strictly below x(n+1-j)
        const double next_tail = tail + pmf(j);
        if (2 * next_tail > alpha) break;
        tail = next_tail;
        ++j;
    }
    return {xs[j - 1], xs[n - j]};
}

// Sample standard deviation (n - 1) over the mean: 0 for fewer than two values;
// +inf when the mean is 0 and the values are not all 0.
inline double coefficient_of_variation(const std::vector<double>& xs) {
    detail::require_nonempty(xs, "coefficient_of_variation");
    if (xs.size() < 2) return 0;
    double mean = 0;
    for (double x : xs) mean += x;
    mean /= static_cast<double>(xs.size());
    double squares = 0;
    for (double x : xs) squares += (x - mean) * (x - mean);
    const double deviation = std::sqrt(squares / static_cast<double>(xs.size() - 1));
    if (deviation == 0) return 0;
    if (mean == 0) return std::numeric_limits<double>::infinity();
    return deviation / std::abs(mean);
}

}  // namespace search
}  // namespace attnkit_bench
