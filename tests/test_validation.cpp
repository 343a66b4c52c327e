// Every broken input is rejected at the front door with attnkit::error and an
// exact message naming the tensor, the dimension and the values, before any
// kernel runs: after a rejected call every buffer (out and lse above all) holds
// exactly the bytes it held before.
//
// The valid call the sections start from:
//   q [2, 4, 5, 6]  k [2, 2, 7, 6]  v [2, 2, 7, 3]  out [2, 4, 5, 3]  lse [2, 4, 5]
// (batch 2, heads_q 4, heads_kv 2, seq_q 5, seq_kv 7, head_dim 6, head_dim_v 3).
#include <array>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include <catch2/catch.hpp>

#include "support/case.hpp"
#include "support/random.hpp"
#include "support/variants.hpp"

using namespace attnkit_test;
using attnkit::index_t;
using attnkit::variant;

namespace {

constexpr index_t imax = std::numeric_limits<index_t>::max();
constexpr index_t imin = std::numeric_limits<index_t>::min();

// Validation happens before a variant is chosen, so every variant, whether in
// kernel_variants() yet or not, gives the same verdict (but for the head_dim
// stride, which only the SIMD variants require).
const std::vector<variant> all_variants{variant::automatic, variant::naive, variant::blocked, variant::parallel,
                                        variant::flash,     variant::decode};

// A valid call and the storage behind it; sections break one thing each.
template <class T>
struct fixture {
    shape s;
    std::vector<buffer4<T>> buffers;  // every T storage a view may point into
    std::vector<buffer3<T>> buffers3;
    std::vector<buffer4<bool>> bool_buffers;
    rng r{0x7a11d000};

    attnkit::tensor4<const T> q, k, v;
    attnkit::tensor4<T> out;
    attnkit::options<T> opt;

    fixture() {
        s.batch = 2;
        s.heads_q = 4;
        s.heads_kv = 2;
        s.seq_q = 5;
        s.seq_kv = 7;
        s.head_dim = 6;
        s.head_dim_v = 3;
        q = input(s.q());
        k = input(s.k());
        v = input(s.v());
        out = output(s.out());
        opt.lse = output3(s.lse());
    }

    // A new input tensor of the given extents (BHSD, random values).
    attnkit::tensor4<T> input(const std::array<index_t, 4>& extents, const layout<4>& l = layouts::bhsd()) {
        buffers.push_back(make_input<T>(r, extents, l));
        return buffers.back().view;
    }
    // A new output tensor, poisoned.
    attnkit::tensor4<T> output(const std::array<index_t, 4>& extents, const layout<4>& l = layouts::bhsd()) {
        buffers.push_back(make_buffer<T>(extents, l));
        buffers.back().mem.fill(sentinel<T>());
        return buffers.back().view;
    }
    attnkit::tensor3<T> output3(const std::array<index_t, 3>& extents) {
        buffers3.push_back(make_buffer<T>(extents, layouts::bhs()));
        buffers3.back().mem.fill(sentinel<T>());
        return buffers3.back().view;
    }
    attnkit::tensor4<const bool> bool_mask(const std::array<index_t, 4>& extents) {
        bool_buffers.push_back(random_bool_mask(r, extents, 0.5));
        return bool_buffers.back().view;
    }

    // The bytes of every storage.
    std::vector<unsigned char> snapshot() const {
        std::vector<unsigned char> bytes;
        const auto add = [&](const void* p, std::size_t n) {
            const auto* c = static_cast<const unsigned char*>(p);
            bytes.insert(bytes.end(), c, c + n);
        };
        for (const auto& b : buffers) add(b.mem.data(), b.mem.size() * sizeof(T));
        for (const auto& b : buffers3) add(b.mem.data(), b.mem.size() * sizeof(T));
        for (const auto& b : bool_buffers) add(b.mem.data(), b.mem.size() * sizeof(bool));
        return bytes;
    }
};

// The call is rejected with attnkit::error and exactly this message by every
// variant in kernels, and no byte of any buffer changes.
template <class T>
void check_rejected(const fixture<T>& c, const std::string& message,
                    const std::vector<variant>& kernels = all_variants) {
    for (const variant kernel : kernels) {
        INFO("variant: " << variant_name(kernel));
        attnkit::options<T> opt = c.opt;
        opt.kernel = kernel;
        const std::vector<unsigned char> before = c.snapshot();
        CHECK_THROWS_AS(attnkit::sdpa(c.q, c.k, c.v, c.out, opt), attnkit::error);
        CHECK_THROWS_WITH(attnkit::sdpa(c.q, c.k, c.v, c.out, opt), message);
        CHECK(c.snapshot() == before);
    }
}

template <class T>
void check_accepted(const fixture<T>& c, const std::vector<variant>& kernels = all_variants) {
    for (const variant kernel : kernels) {
        INFO("variant: " << variant_name(kernel));
        attnkit::options<T> opt = c.opt;
        opt.kernel = kernel;
        CHECK_NOTHROW(attnkit::sdpa(c.q, c.k, c.v, c.out, opt));
    }
}

// A view like t with one extent changed (same data and strides).
template <class E>
attnkit::tensor4<E> with_extent(const attnkit::tensor4<E>& t, std::size_t dim, index_t extent) {
    std::array<index_t, 4> e = t.extents();
    e[dim] = extent;
    return attnkit::tensor4<E>(t.data(), e, t.strides());
}
template <class E>
attnkit::tensor3<E> with_extent(const attnkit::tensor3<E>& t, std::size_t dim, index_t extent) {
    std::array<index_t, 3> e = t.extents();
    e[dim] = extent;
    return attnkit::tensor3<E>(t.data(), e, t.strides());
}
template <class E, std::size_t Rank>
attnkit::strided_view<E, Rank> with_strides(const attnkit::strided_view<E, Rank>& t,
                                            const std::array<index_t, Rank>& strides) {
    return attnkit::strided_view<E, Rank>(t.data(), t.extents(), strides);
}
template <class E, std::size_t Rank>
attnkit::strided_view<E, Rank> with_data(const attnkit::strided_view<E, Rank>& t, E* data) {
    return attnkit::strided_view<E, Rank>(data, t.extents(), t.strides());
}

}  // namespace

TEMPLATE_TEST_CASE("the valid call the sections start from is accepted", "[validation]", float, double) {
    fixture<TestType> c;
    check_accepted(c);
    c.opt.mask = c.bool_mask(c.s.mask_full());
    check_accepted(c);
}

TEMPLATE_TEST_CASE("negative extents", "[validation]", float, double) {
    using T = TestType;
    const std::array<const char*, 4> q_dims{"batch", "heads_q", "seq_q", "head_dim"};
    const std::array<const char*, 4> k_dims{"batch", "heads_kv", "seq_kv", "head_dim"};
    const std::array<const char*, 4> v_dims{"batch", "heads_kv", "seq_kv", "head_dim_v"};
    const std::array<const char*, 4> out_dims{"batch", "heads_q", "seq_q", "head_dim_v"};
    const std::array<const char*, 4> mask_dims{"batch", "heads_q", "seq_q", "seq_kv"};
    for (std::size_t d = 0; d < 4; ++d) {
        const std::string n = "(-" + std::to_string(d + 1) + ")";
        const index_t e = -static_cast<index_t>(d + 1);
        SECTION(std::string("q.") + q_dims[d]) {
            fixture<T> c;
            c.q = with_extent(c.q, d, e);
            check_rejected(c, std::string("attnkit: q.") + q_dims[d] + " " + n + " is negative");
        }
        SECTION(std::string("k.") + k_dims[d]) {
            fixture<T> c;
            c.k = with_extent(c.k, d, e);
            check_rejected(c, std::string("attnkit: k.") + k_dims[d] + " " + n + " is negative");
        }
        SECTION(std::string("v.") + v_dims[d]) {
            fixture<T> c;
            c.v = with_extent(c.v, d, e);
            check_rejected(c, std::string("attnkit: v.") + v_dims[d] + " " + n + " is negative");
        }
        SECTION(std::string("out.") + out_dims[d]) {
            fixture<T> c;
            c.out = with_extent(c.out, d, e);
            check_rejected(c, std::string("attnkit: out.") + out_dims[d] + " " + n + " is negative");
        }
        SECTION(std::string("mask.") + mask_dims[d] + ", boolean and additive") {
            fixture<T> c;
            c.opt.mask = with_extent(c.bool_mask(c.s.mask_full()), d, e);
            check_rejected(c, std::string("attnkit: mask.") + mask_dims[d] + " " + n + " is negative");
            c.opt.mask = with_extent(attnkit::tensor4<const T>(c.input(c.s.mask_full())), d, e);
            check_rejected(c, std::string("attnkit: mask.") + mask_dims[d] + " " + n + " is negative");
        }
    }
    for (std::size_t d = 0; d < 3; ++d) {
        const std::array<const char*, 3> lse_dims{"batch", "heads_q", "seq_q"};
        SECTION(std::string("lse.") + lse_dims[d]) {
            fixture<T> c;
            c.opt.lse = with_extent(*c.opt.lse, d, -7);
            check_rejected(c, std::string("attnkit: lse.") + lse_dims[d] + " (-7) is negative");
        }
    }
}

TEMPLATE_TEST_CASE("extents that do not match between q, k, v, out and lse", "[validation]", float, double) {
    using T = TestType;
    fixture<T> c;
    const shape s = c.s;
    SECTION("k.batch") {
        c.k = c.input({3, 2, 7, 6});
        check_rejected(c, "attnkit: k.batch (3) != q.batch (2)");
    }
    SECTION("v.batch") {
        c.v = c.input({1, 2, 7, 3});
        check_rejected(c, "attnkit: v.batch (1) != q.batch (2)");
    }
    SECTION("out.batch") {
        c.out = c.output({3, 4, 5, 3});
        check_rejected(c, "attnkit: out.batch (3) != q.batch (2)");
    }
    SECTION("v.heads_kv") {
        c.v = c.input({2, 1, 7, 3});
        check_rejected(c, "attnkit: v.heads_kv (1) != k.heads_kv (2)");
    }
    SECTION("out.heads_q") {
        c.out = c.output({2, 2, 5, 3});
        check_rejected(c, "attnkit: out.heads_q (2) != q.heads_q (4)");
    }
    SECTION("v.seq_kv") {
        c.v = c.input({2, 2, 8, 3});
        check_rejected(c, "attnkit: v.seq_kv (8) != k.seq_kv (7)");
    }
    SECTION("out.seq_q") {
        c.out = c.output({2, 4, 6, 3});
        check_rejected(c, "attnkit: out.seq_q (6) != q.seq_q (5)");
    }
    SECTION("k.head_dim") {
        c.k = c.input({2, 2, 7, 5});
        check_rejected(c, "attnkit: k.head_dim (5) != q.head_dim (6)");
    }
    SECTION("k.head_dim, the documented example") {
        c.q = c.input({2, 4, 5, 128});
        c.k = c.input({2, 2, 7, 96});
        check_rejected(c, "attnkit: k.head_dim (96) != q.head_dim (128)");
    }
    SECTION("out.head_dim_v") {
        c.out = c.output({2, 4, 5, 4});
        check_rejected(c, "attnkit: out.head_dim_v (4) != v.head_dim_v (3)");
    }
    SECTION("lse.batch") {
        c.opt.lse = c.output3({1, 4, 5});
        check_rejected(c, "attnkit: lse.batch (1) != q.batch (2)");
    }
    SECTION("lse.heads_q") {
        c.opt.lse = c.output3({2, 2, 5});
        check_rejected(c, "attnkit: lse.heads_q (2) != q.heads_q (4)");
    }
    SECTION("lse.seq_q") {
        c.opt.lse = c.output3({2, 4, 7});
        check_rejected(c, "attnkit: lse.seq_q (7) != q.seq_q (5)");
    }
    (void)s;
}

TEMPLATE_TEST_CASE("a mask that does not broadcast", "[validation][mask]", float, double) {
    using T = TestType;
    // Each dimension of a mask is the full extent or 1.
    const std::vector<std::pair<std::array<index_t, 4>, std::string>> cases{
        {{3, 4, 5, 7}, "attnkit: mask.batch (3) does not broadcast to batch (2)"},
        {{2, 2, 5, 7}, "attnkit: mask.heads_q (2) does not broadcast to heads_q (4)"},  // heads_kv, not heads_q
        {{2, 4, 7, 7}, "attnkit: mask.seq_q (7) does not broadcast to seq_q (5)"},
        {{2, 4, 5, 5}, "attnkit: mask.seq_kv (5) does not broadcast to seq_kv (7)"},
        {{1, 1, 1, 0}, "attnkit: mask.seq_kv (0) does not broadcast to seq_kv (7)"},
        {{1, 1, 5, 2}, "attnkit: mask.seq_kv (2) does not broadcast to seq_kv (7)"},
    };
    for (const auto& [extents, message] : cases) {
        INFO("mask " << sdpa_case<T>::list(extents));
        fixture<T> c;
        c.opt.mask = c.bool_mask(extents);
        check_rejected(c, message);
        c.opt.mask = attnkit::tensor4<const T>(c.input(extents));
        check_rejected(c, message);
    }
}

TEMPLATE_TEST_CASE("heads_q must be a multiple of heads_kv", "[validation][gqa]", float, double) {
    using T = TestType;
    for (const index_t heads_kv : {3, 8, 0}) {
        INFO("heads_kv " << heads_kv);
        fixture<T> c;
        c.k = c.input({2, heads_kv, 7, 6});
        c.v = c.input({2, heads_kv, 7, 3});
        check_rejected(c, "attnkit: q.heads_q (4) is not a multiple of k.heads_kv (" + std::to_string(heads_kv) + ")");
    }
}

// Issue 14, item 5: bhsd(data, B, S, H, D) on a BSHD buffer (or bshd on a BHSD
// one) swaps a view's heads and seq. Where that makes extents disagree, the
// message says which order each helper takes. (Where every view is made by
// the wrong helper they agree, and a call whose seq_q is a multiple of seq_kv
// reads as grouped-query attention: no check can tell.)
const std::string layout_helpers =
    "bhsd(data, batch, heads, seq, dim) takes heads before seq, bshd(data, batch, seq, heads, dim) seq before "
    "heads: is each view made by the helper of its buffer's layout?";

TEMPLATE_TEST_CASE("a view with heads and seq swapped gets the layout hint", "[validation][layout]", float, double) {
    using T = TestType;
    SECTION("out against q") {
        fixture<T> c;
        c.out = c.output({2, 5, 4, 3});
        check_rejected(c, "attnkit: out.heads_q (5) != q.heads_q (4); out has heads 5 and seq 4 where q has heads 4 "
                          "and seq 5: " + layout_helpers);
    }
    SECTION("v against k") {
        fixture<T> c;
        c.v = c.input({2, 7, 2, 3});
        check_rejected(c, "attnkit: v.heads_kv (7) != k.heads_kv (2); v has heads 7 and seq 2 where k has heads 2 "
                          "and seq 7: " + layout_helpers);
    }
    SECTION("q and k both, heads not a whole group") {
        fixture<T> c;
        c.q = c.input({2, 5, 4, 6});
        c.k = c.input({2, 7, 2, 6});
        c.v = c.input({2, 7, 2, 3});
        c.out = c.output({2, 5, 4, 3});
        c.opt.lse = c.output3({2, 5, 4});
        check_rejected(c, "attnkit: q.heads_q (5) is not a multiple of k.heads_kv (7); their seq extents (4, 2) would "
                          "be: " + layout_helpers);
    }
    SECTION("no hint where swapping would not help") {
        fixture<T> c;
        c.out = c.output({2, 3, 5, 3});
        check_rejected(c, "attnkit: out.heads_q (3) != q.heads_q (4)");
    }
}

TEMPLATE_TEST_CASE("null data with a non-zero number of elements", "[validation]", float, double) {
    using T = TestType;
    fixture<T> c;
    SECTION("q") {
        c.q = with_data<const T>(c.q, nullptr);
        check_rejected(c, "attnkit: q.data is null but q has 240 elements");
    }
    SECTION("k") {
        c.k = with_data<const T>(c.k, nullptr);
        check_rejected(c, "attnkit: k.data is null but k has 168 elements");
    }
    SECTION("v") {
        c.v = with_data<const T>(c.v, nullptr);
        check_rejected(c, "attnkit: v.data is null but v has 84 elements");
    }
    SECTION("out") {
        c.out = with_data<T>(c.out, nullptr);
        check_rejected(c, "attnkit: out.data is null but out has 120 elements");
    }
    SECTION("lse") {
        c.opt.lse = with_data<T>(*c.opt.lse, nullptr);
        check_rejected(c, "attnkit: lse.data is null but lse has 40 elements");
    }
    SECTION("mask, full and broadcast") {
        c.opt.mask = attnkit::tensor4<const bool>(nullptr, {2, 4, 5, 7}, {140, 35, 7, 1});
        check_rejected(c, "attnkit: mask.data is null but mask has 280 elements");
        c.opt.mask = attnkit::tensor4<const T>(nullptr, {1, 1, 5, 7}, {0, 0, 7, 1});
        check_rejected(c, "attnkit: mask.data is null but mask has 35 elements");
    }
    SECTION("null data is fine where a tensor has no element") {
        // seq_kv = 0: k and v hold nothing.
        c.k = attnkit::bhsd<const T>(nullptr, 2, 2, 0, 6);
        c.v = attnkit::bhsd<const T>(nullptr, 2, 2, 0, 3);
        check_accepted(c);
    }
}

TEMPLATE_TEST_CASE("index arithmetic that would overflow", "[validation]", float, double) {
    using T = TestType;
    fixture<T> c;
    SECTION("q: offsets beyond index_t") {
        // Offsets up to imax along seq_q, then one more along head_dim.
        c.q = attnkit::tensor4<const T>(c.q.data(), {1, 1, 2, 2}, {1, 1, imax, 1});
        check_rejected(c, "attnkit: q: index arithmetic overflows (extents [1, 1, 2, 2], strides [1, 1, " +
                              std::to_string(imax) + ", 1])");
    }
    SECTION("q: element count beyond index_t") {
        c.q = attnkit::tensor4<const T>(c.q.data(), {index_t(1) << 32, index_t(1) << 32, 1, 1}, {0, 0, 0, 0});
        check_rejected(c, "attnkit: q: index arithmetic overflows (extents [4294967296, 4294967296, 1, 1], "
                          "strides [0, 0, 0, 0])");
    }
    SECTION("k: a stride of imax") {
        c.k = with_strides(c.k, {imax, 42, 6, 1});
        check_rejected(c, "attnkit: k: index arithmetic overflows (extents [2, 2, 7, 6], strides [" +
                              std::to_string(imax) + ", 42, 6, 1])");
    }
    SECTION("v: a stride of -imax") {
        c.v = with_strides(c.v, {-imax, 21, 3, 1});
        check_rejected(c, "attnkit: v: index arithmetic overflows (extents [2, 2, 7, 3], strides [" +
                              std::to_string(-imax) + ", 21, 3, 1])");
    }
    SECTION("seq_kv too large for the causal limits, even where every view is empty") {
        const index_t huge = imax / 2;
        c.q = attnkit::tensor4<const T>(c.q.data(), {0, 2, 5, 6}, {60, 30, 6, 1});
        c.k = attnkit::tensor4<const T>(c.k.data(), {0, 2, huge, 6}, {0, 0, 6, 1});
        c.v = attnkit::tensor4<const T>(c.v.data(), {0, 2, huge, 3}, {0, 0, 3, 1});
        c.out = attnkit::tensor4<T>(c.out.data(), {0, 2, 5, 3}, {30, 15, 3, 1});
        check_rejected(c, "attnkit: q.seq_q (5) or k.seq_kv (" + std::to_string(huge) +
                              ") is too large for index arithmetic");
    }
    SECTION("v: the stride index_t cannot negate") {
        c.v = with_strides(c.v, {imin, 21, 3, 1});
        check_rejected(c, "attnkit: v: index arithmetic overflows (extents [2, 2, 7, 3], strides [" +
                              std::to_string(imin) + ", 21, 3, 1])");
    }
    SECTION("out") {
        c.out = with_strides(c.out, {imax, 15, 3, 1});
        check_rejected(c, "attnkit: out: index arithmetic overflows (extents [2, 4, 5, 3], strides [" +
                              std::to_string(imax) + ", 15, 3, 1])");
    }
    SECTION("mask") {
        c.opt.mask = with_strides(c.bool_mask(c.s.mask_full()), {imax, 35, 7, 1});
        check_rejected(c, "attnkit: mask: index arithmetic overflows (extents [2, 4, 5, 7], strides [" +
                              std::to_string(imax) + ", 35, 7, 1])");
    }
    SECTION("lse") {
        c.opt.lse = with_strides(*c.opt.lse, {imax, 5, 1});
        check_rejected(c, "attnkit: lse: index arithmetic overflows (extents [2, 4, 5], strides [" +
                              std::to_string(imax) + ", 5, 1])");
    }
}

TEMPLATE_TEST_CASE("out and lse whose own elements overlap", "[validation][overlap]", float, double) {
    using T = TestType;
    fixture<T> c;
    SECTION("out: stride 0 along seq_q") {
        c.out = with_strides(c.out, {60, 15, 0, 1});
        check_rejected(c, "attnkit: out has overlapping elements (extents [2, 4, 5, 3], strides [60, 15, 0, 1])");
    }
    SECTION("out: rows closer than head_dim_v") {
        c.out = with_strides(c.out, {40, 10, 2, 1});
        check_rejected(c, "attnkit: out has overlapping elements (extents [2, 4, 5, 3], strides [40, 10, 2, 1])");
    }
    SECTION("out: batch and heads on the same stride") {
        c.out = with_strides(c.out, {15, 15, 3, 1});
        check_rejected(c, "attnkit: out has overlapping elements (extents [2, 4, 5, 3], strides [15, 15, 3, 1])");
    }
    SECTION("lse: stride 0 along seq_q") {
        c.opt.lse = with_strides(*c.opt.lse, {20, 5, 0});
        check_rejected(c, "attnkit: lse has overlapping elements (extents [2, 4, 5], strides [20, 5, 0])");
    }
    SECTION("broadcasting inputs (stride 0) are fine") {
        c.k = with_strides(c.k, {0, 42, 6, 1});
        c.v = with_strides(c.v, {0, 21, 3, 1});
        check_accepted(c);
    }
}

TEMPLATE_TEST_CASE("out overlapping q, k, v or the mask, and lse overlapping any of them", "[validation][overlap]",
                   float, double) {
    using T = TestType;
    fixture<T> c;
    // Non-const access to the storage behind an input view.
    const auto writable = [](const attnkit::tensor4<const T>& t) { return const_cast<T*>(t.data()); };
    SECTION("out over q, k, v") {
        c.out = with_data(c.out, writable(c.q));
        check_rejected(c, "attnkit: out overlaps q in memory");
        c.out = with_data(c.out, writable(c.k) + 5);
        check_rejected(c, "attnkit: out overlaps k in memory");
        c.out = with_data(c.out, writable(c.v) + 1);
        check_rejected(c, "attnkit: out overlaps v in memory");
    }
    SECTION("out sharing a single element with q") {
        // q and out in one storage, out starting at q's last element.
        const attnkit::tensor4<T> both = c.output({1, 1, 1, 240 + 120});
        const attnkit::tensor4<const T> q(both.data(), c.q.extents(), c.q.strides());
        c.q = q;
        c.out = with_data(c.out, both.data() + 239);
        check_rejected(c, "attnkit: out overlaps q in memory");
        c.out = with_data(c.out, both.data() + 240);  // adjacent, not overlapping
        check_accepted(c);
    }
    SECTION("out interleaved with q (no shared element) is rejected too") {
        // Documented as conservative: rows of q and out alternate in one storage.
        const attnkit::tensor4<T> both = c.output({1, 1, 1, 2 * 240});
        c.q = attnkit::tensor4<const T>(both.data(), {2, 4, 5, 6}, {240, 60, 12, 1});
        c.out = attnkit::tensor4<T>(both.data() + 6, {2, 4, 5, 3}, {240, 60, 12, 1});
        check_rejected(c, "attnkit: out overlaps q in memory");
    }
    SECTION("out over an additive mask") {
        const attnkit::tensor4<T> mask = c.output(c.s.mask_full());
        c.opt.mask = attnkit::tensor4<const T>(mask);
        c.out = with_data(c.out, mask.data() + 100);
        check_rejected(c, "attnkit: out overlaps mask in memory");
    }
    SECTION("lse over out") {
        c.opt.lse = attnkit::tensor3<T>(c.out.data() + 3, {2, 4, 5}, {20, 5, 1});
        check_rejected(c, "attnkit: lse overlaps out in memory");
    }
    SECTION("lse over q, k, v") {
        c.opt.lse = attnkit::tensor3<T>(writable(c.q), {2, 4, 5}, {20, 5, 1});
        check_rejected(c, "attnkit: lse overlaps q in memory");
        c.opt.lse = attnkit::tensor3<T>(writable(c.k) + 100, {2, 4, 5}, {20, 5, 1});
        check_rejected(c, "attnkit: lse overlaps k in memory");
        c.opt.lse = attnkit::tensor3<T>(writable(c.v) + 40, {2, 4, 5}, {20, 5, 1});
        check_rejected(c, "attnkit: lse overlaps v in memory");
    }
    SECTION("lse over an additive mask") {
        // One storage: the [1, 1, 5, 7] mask, then lse starting at its last element.
        const attnkit::tensor4<T> both = c.output({1, 1, 1, 35 + 40});
        c.opt.mask = attnkit::tensor4<const T>(both.data(), {1, 1, 5, 7}, {35, 35, 7, 1});
        c.opt.lse = attnkit::tensor3<T>(both.data() + 34, {2, 4, 5}, {20, 5, 1});
        check_rejected(c, "attnkit: lse overlaps mask in memory");
    }
}

TEMPLATE_TEST_CASE("scale must be finite and positive", "[validation][scale]", float, double) {
    using T = TestType;
    const std::vector<std::pair<double, std::string>> cases{
        {std::numeric_limits<double>::quiet_NaN(), "nan"},
        {std::numeric_limits<double>::infinity(), "inf"},
        {-std::numeric_limits<double>::infinity(), "-inf"},
        {0.0, "0"},
        {-0.0, "-0"},
        {-1.0, "-1"},
        {-0.125, "-0.125"},
    };
    for (const auto& [scale, text] : cases) {
        INFO("scale " << text);
        fixture<T> c;
        c.opt.scale = scale;
        check_rejected(c, "attnkit: scale (" + text + ") is not finite and positive");
    }
}

TEST_CASE("a scale that is finite and positive in double but not in float", "[validation][scale]") {
    fixture<float> c;
    c.opt.scale = 1e300;  // inf in float
    check_rejected(c, "attnkit: scale (1e+300) is not finite and positive in float");
    c.opt.scale = 1e-300;  // 0 in float
    check_rejected(c, "attnkit: scale (1e-300) is not finite and positive in float");
    c.opt.scale = 1e-40;  // subnormal but positive in float
    check_accepted(c);

    fixture<double> d;
    d.opt.scale = 1e300;
    check_accepted(d);
    d.opt.scale = 1e-300;
    check_accepted(d);
}

TEMPLATE_TEST_CASE("negative config values", "[validation][config]", float, double) {
    using T = TestType;
    fixture<T> c;
    SECTION("block_q") {
        c.opt.tiles.block_q = -1;
        check_rejected(c, "attnkit: config.block_q (-1) is negative");
    }
    SECTION("block_kv") {
        c.opt.tiles.block_kv = -64;
        check_rejected(c, "attnkit: config.block_kv (-64) is negative");
    }
    SECTION("threads") {
        c.opt.tiles.threads = -2;
        check_rejected(c, "attnkit: config.threads (-2) is negative");
    }
    SECTION("zero means: let attnkit choose") {
        c.opt.tiles.block_q = 0;
        c.opt.tiles.block_kv = 0;
        c.opt.tiles.threads = 0;
        check_accepted(c);
    }
}

TEMPLATE_TEST_CASE("a non-unit head_dim stride is rejected by the SIMD variants, accepted by naive and automatic",
                   "[validation][layout]", float, double) {
    using T = TestType;
    const std::vector<variant> simd{variant::blocked, variant::parallel, variant::flash, variant::decode};
    const std::vector<variant> plain{variant::naive, variant::automatic};
    for (const variant kernel : simd) {
        const std::string by = std::string(", required by the ") + variant_name(kernel) + " variant";
        fixture<T> c;
        SECTION(std::string("q, ") + variant_name(kernel)) {
            c.q = c.input(c.s.q(), layouts::strided_dim());
            check_rejected(c, "attnkit: q.head_dim stride (2) != 1" + by, {kernel});
            check_accepted(c, plain);
        }
        SECTION(std::string("k, ") + variant_name(kernel)) {
            c.k = c.input(c.s.k(), layouts::dim_major());
            check_rejected(c, "attnkit: k.head_dim stride (" + std::to_string(c.k.stride(3)) + ") != 1" + by,
                           {kernel});
            check_accepted(c, plain);
        }
        SECTION(std::string("v, ") + variant_name(kernel)) {
            c.v = c.input(c.s.v(), layouts::strided_dim());
            check_rejected(c, "attnkit: v.head_dim_v stride (2) != 1" + by, {kernel});
            check_accepted(c, plain);
        }
        SECTION(std::string("out, ") + variant_name(kernel)) {
            c.out = c.output(c.s.out(), layouts::strided_dim());
            check_rejected(c, "attnkit: out.head_dim_v stride (2) != 1" + by, {kernel});
            check_accepted(c, plain);
        }
        SECTION(std::string("q reversed along head_dim, ") + variant_name(kernel)) {
            c.q = c.input(c.s.q(), layout<4>{"reversed dim", {0, 1, 2, 3}, {}, {}, {false, false, false, true}, 1});
            check_rejected(c, "attnkit: q.head_dim stride (-1) != 1" + by, {kernel});
            check_accepted(c, plain);
        }
        SECTION(std::string("head_dim_v = 1 with any stride, ") + variant_name(kernel)) {
            // A single element along head_dim has no stride to speak of.
            c.v = c.input({2, 2, 7, 1}, layouts::strided_dim());
            c.out = c.output({2, 4, 5, 1}, layouts::strided_dim());
            check_accepted(c, {kernel});
        }
    }
}

TEMPLATE_TEST_CASE("the first broken thing is reported: q before k before v before out", "[validation]", float,
                   double) {
    using T = TestType;
    fixture<T> c;
    c.k = with_extent(c.k, 2, -1);
    c.out = with_extent(c.out, 0, -1);
    check_rejected(c, "attnkit: k.seq_kv (-1) is negative");
    c.q = with_data<const T>(c.q, nullptr);
    check_rejected(c, "attnkit: q.data is null but q has 240 elements");
}
