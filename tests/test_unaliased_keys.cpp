// K rows whose stride makes them share L1 sets are copied one cache line
// apart before the tile engines run (detail/unaliased_keys.hpp): which strides
// are copied, what the copy holds, and that the kernels' results do not change
// by a bit, broadcast K included.
#include <cstddef>
#include <cstring>
#include <vector>

#include <catch2/catch.hpp>

#include "attnkit/attnkit.hpp"
#include "attnkit/detail/unaliased_keys.hpp"
#include "support/random.hpp"

using attnkit::index_t;
using attnkit_test::rng;

TEST_CASE("K rows are copied when their stride is a multiple of 4 KiB, and read in place otherwise", "[layout]") {
    using attnkit::tuning::key_rows_alias;
    CHECK(key_rows_alias(4096, 2));
    CHECK(key_rows_alias(3 * 4096, 2));  // a fused qkv projection's seq stride
    CHECK(key_rows_alias(-4096, 2));     // the sequence walked backwards
    CHECK_FALSE(key_rows_alias(2048, 2));
    CHECK_FALSE(key_rows_alias(4096 + 64, 2));
    CHECK_FALSE(key_rows_alias(0, 1 << 20));  // one key broadcast along seq: one line
    CHECK_FALSE(key_rows_alias(4096, 1));     // one key per head
}

TEMPLATE_TEST_CASE("the copy holds K's values one line apart and keeps broadcast dimensions broadcast", "[layout]",
                   float, double) {
    using T = TestType;
    const index_t heads_kv = 3, seq_kv = 5, head_dim = 4096 / static_cast<index_t>(sizeof(T));
    rng r(0x0a11a5ed);
    std::vector<T> k(static_cast<std::size_t>(heads_kv * seq_kv * head_dim));
    for (T& x : k) x = static_cast<T>(r.uniform(-1.0, 1.0));
    attnkit::problem<T> p;
    p.batch = 2;
    p.heads_kv = heads_kv;
    p.seq_kv = seq_kv;
    p.head_dim = head_dim;
    // Both batch entries read the same K (batch stride 0).
    p.k = attnkit::tensor4<const T>(k.data(), {2, heads_kv, seq_kv, head_dim},
                                    {0, seq_kv * head_dim, head_dim, 1});
    attnkit::detail::unaliased_keys<T> keys(p);
    REQUIRE(keys.copied());
    CHECK(keys.rows() == heads_kv * seq_kv);  // one batch entry: it is broadcast
    keys.copy();
    const attnkit::tensor4<const T>& c = keys.get().k;
    constexpr index_t line = 64 / static_cast<index_t>(sizeof(T));
    CHECK(c.stride(0) == 0);
    CHECK(c.stride(2) == head_dim + line);
    CHECK(c.stride(1) == seq_kv * (head_dim + line));
    CHECK(c.extents() == p.k.extents());
    std::size_t differ = 0;
    for (index_t b = 0; b < 2; ++b)
        for (index_t h = 0; h < heads_kv; ++h)
            for (index_t j = 0; j < seq_kv; ++j)
                for (index_t d = 0; d < head_dim; ++d) differ += c(b, h, j, d) != p.k(b, h, j, d);
    CHECK(differ == 0);

    // A stride off the 4 KiB grid is read where it is.
    p.k = attnkit::tensor4<const T>(k.data(), {1, 1, seq_kv - 1, head_dim}, {0, 0, head_dim + line, 1});
    const attnkit::detail::unaliased_keys<T> in_place(p);
    CHECK_FALSE(in_place.copied());
    CHECK(in_place.rows() == 0);
    CHECK(in_place.get().k.data() == k.data());
}

TEMPLATE_TEST_CASE("a broadcast K whose rows alias gives the bits of the same K stored per batch without aliasing",
                   "[layout]", float, double) {
    using T = TestType;
    const index_t batch = 2, heads = 2, seq_q = 19, seq_kv = 31, head_dim = 4096 / static_cast<index_t>(sizeof(T));
    const index_t padded = head_dim + 64 / static_cast<index_t>(sizeof(T));
    rng r(0x0a11a5ee);
    const auto random = [&](std::size_t n) {
        std::vector<T> x(n);
        for (T& e : x) e = static_cast<T>(r.uniform(-1.0, 1.0));
        return x;
    };
    const std::vector<T> q = random(static_cast<std::size_t>(batch * heads * seq_q * head_dim));
    const std::vector<T> v = random(static_cast<std::size_t>(batch * heads * seq_kv * head_dim));
    const std::vector<T> k_shared = random(static_cast<std::size_t>(heads * seq_kv * head_dim));
    // The same keys for both batch entries, stored twice with a padded row.
    std::vector<T> k_apart(static_cast<std::size_t>(batch * heads * seq_kv * padded), T(0));
    for (index_t b = 0; b < batch; ++b)
        for (index_t row = 0; row < heads * seq_kv; ++row)
            for (index_t d = 0; d < head_dim; ++d)
                k_apart[static_cast<std::size_t>((b * heads * seq_kv + row) * padded + d)] =
                    k_shared[static_cast<std::size_t>(row * head_dim + d)];
    const auto qv = attnkit::bhsd(q.data(), batch, heads, seq_q, head_dim);
    const auto vv = attnkit::bhsd(v.data(), batch, heads, seq_kv, head_dim);
    const attnkit::tensor4<const T> aliasing(k_shared.data(), {batch, heads, seq_kv, head_dim},
                                             {0, seq_kv * head_dim, head_dim, 1});
    const attnkit::tensor4<const T> apart(k_apart.data(), {batch, heads, seq_kv, head_dim},
                                          {heads * seq_kv * padded, seq_kv * padded, padded, 1});
    for (const attnkit::variant kernel : {attnkit::variant::blocked, attnkit::variant::flash,
                                          attnkit::variant::parallel}) {
        for (const attnkit::causal mode : {attnkit::causal::none, attnkit::causal::bottom_right}) {
            attnkit::options<T> opt;
            opt.kernel = kernel;
            opt.causal_mode = mode;
            opt.tiles.threads = 2;
            opt.tiles.block_kv = 14;  // several key tiles
            std::vector<T> want(q.size()), got(q.size());
            attnkit::sdpa<T>(qv, apart, vv, attnkit::bhsd(want.data(), batch, heads, seq_q, head_dim), opt);
            attnkit::sdpa<T>(qv, aliasing, vv, attnkit::bhsd(got.data(), batch, heads, seq_q, head_dim), opt);
            INFO("variant " << static_cast<int>(kernel) << ", causal " << static_cast<int>(mode));
            std::size_t differ = 0;
            for (std::size_t n = 0; n < want.size(); ++n) differ += std::memcmp(&want[n], &got[n], sizeof(T)) != 0;
            CHECK(differ == 0);
        }
    }
}
