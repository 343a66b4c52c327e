// The search engine's one random number generator: xoshiro256** seeded through
// splitmix64. Every strategy draws only from the rng it is given, and every
// draw goes through the members below rather than <random>'s distributions,
// whose algorithms the standard leaves to each library: the same seed gives
// the same sequence of evaluations with any compiler and standard library.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <utility>
#include <vector>

namespace attnkit_bench {
namespace search {

class rng {
 public:
    using result_type = std::uint64_t;

    explicit rng(std::uint64_t seed) noexcept {
        // splitmix64 spreads any seed (0 and 1 included) over the whole state,
        // which xoshiro needs not to be all zero.
        for (auto& word : state_) word = splitmix64(seed);
    }

    static constexpr result_type min() noexcept { return 0; }
    static constexpr result_type max() noexcept { return std::numeric_limits<result_type>::max(); }

    // xoshiro256** (Blackman and Vigna): 256 bits of state, period 2^256 - 1.
    result_type operator()() noexcept {
        const std::uint64_t result = rotate_left(state_[1] * 5, 7) * 9;
        const std::uint64_t t = state_[1] << 17;
        state_[2] ^= state_[0];
        state_[3] ^= state_[1];
        state_[1] ^= state_[2];
        state_[0] ^= state_[3];
        state_[2] ^= t;
        state_[3] = rotate_left(state_[3], 45);
        return result;
    }

    // Uniform in [0, n), without modulo bias: draws below the largest multiple
    // of n that fits are rejected.
    std::uint64_t below(std::uint64_t n) {
        if (n == 0) throw std::invalid_argument("rng::below: n must be >= 1 (got 0)");
        const std::uint64_t threshold = (0 - n) % n;  // 2^64 mod n
        for (;;) {
            const std::uint64_t r = (*this)();
            if (r >= threshold) return r % n;
        }
    }

    // Uniform index into a container of `size` elements.
    std::size_t index(std::size_t size) { return static_cast<std::size_t>(below(static_cast<std::uint64_t>(size))); }

    // Uniform in [0, 1) with 53 random bits.
    double uniform() noexcept { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }

    // true with probability p (p <= 0: never, p >= 1: always).
    bool bernoulli(double p) noexcept { return uniform() < p; }

    // Fisher-Yates: every permutation equally likely.
    template <class T>
    void shuffle(std::vector<T>& items) {
        for (std::size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[index(i)]);
    }

 private:
    static std::uint64_t rotate_left(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }

    static std::uint64_t splitmix64(std::uint64_t& x) noexcept {
        std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }

    std::uint64_t state_[4]{};
};

// An independent seed derived from `seed` for a second stream (e.g. the noise of
// a recorded objective next to the strategy's own draws), so that the two
// never share a sequence.
inline std::uint64_t derived_seed(std::uint64_t seed, std::uint64_t stream) noexcept {
    rng mixer(seed ^ (0xd1b54a32d192ed03ULL * (stream + 1)));
    return mixer();
}

}  // namespace search
}  // namespace attnkit_bench
