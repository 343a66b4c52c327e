// Differential fuzzer: decodes a small sdpa() problem from the input bytes, runs
// every variant on it, and checks each against the long-double oracle of
// tests/support/oracle.hpp. Built and run by fuzz/run.sh (libFuzzer + ASan +
// UBSan, the kernels of every instruction set compiled in, OpenMP when the
// compiler has it).
//
// Input: a header of bytes (read in the order of decode_case below; missing
// bytes read as 0) choosing the dtype, a size class and the shape, the layout
// of every tensor (dimension order, gaps, reversed dimensions, stride-0
// broadcast of inputs, and rarely a head_dim stride != 1), causal alignment,
// mask kind, broadcast pattern and layout, lse, tile sizes and threads (now
// and then from their whole range: extreme_tile, extreme_threads), the
// instruction set, the scale, and how each tensor is filled. The values come
// from a generator seeded by the whole input. Special values: NaN anywhere,
// -inf in additive masks, exact and negative zeros, denormals, large
// magnitudes (|q|, |k| up to 1e4, additive biases up to 1e4, |v| up to
// max / (8 (seq_kv + 1)) so that the unnormalised sum stays finite: README,
// "Numerical behaviour"), small integers (ties), all-equal tensors. No
// infinite q, k or v: what they give is not documented (a row whose scores are
// all -inf from an infinite q is NaN for the oracle, 0 for the naive kernel).
// fuzz/make_seeds.py writes the seed corpus fuzz/corpus in this format; with
// ATTNKIT_FUZZ_PRINT set, each input's case is printed before it runs.
//
// Work is bounded (batch * heads_q * seq_q * seq_kv * (head_dim + head_dim_v + 1)
// <= a budget of 4000 to 26000 by size class) so that an input runs in about a
// millisecond: most inputs are tiny; rarer size classes reach 1800 keys (the
// decode variant's split-KV merge starts at 1024) or head_dim up to 600 (the
// score kernels' head_dim chunks).
//
// Checks, per variant (naive, blocked, flash, parallel, decode, automatic):
// - no crash and no sanitizer report;
// - a valid input is accepted; where head_dim has a stride != 1, the SIMD
//   variants reject it with attnkit::error and write nothing, and so does
//   every variant for threads past config::max_threads;
// - special values exactly as the oracle (NaN, infinities; a row with no key
//   exactly 0 with lse -inf);
// - the naive kernel within its a-priori error bound (tolerance.hpp, step 2);
// - every other variant, per row, within the largest of: the policy's
//   tolerance (tolerance.hpp, step 3), the row's a-priori forward-error bound
//   (for ill-conditioned rows, |scores| ~ 1e4, where the naive kernel can be
//   luckier than the bound and 4x its error is no measure of another evaluation
//   order), and an absolute allowance of a few denorm_min per key for
//   subnormal outputs;
// - every output a convex combination: |out| <= max |v| of the row's keys
//   (plus rounding);
// - nothing written outside the out and lse views;
// - parallel gives the bits of flash; decode gives the same bits with 1 and
//   with the input's thread count.
// A finding prints what failed and the case, then aborts (libFuzzer saves the
// input as a crash-* file).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "attnkit/attnkit.hpp"
#include "sdpa_call.hpp"
#include "support/case.hpp"
#include "support/oracle.hpp"
#include "support/random.hpp"
#include "support/tolerance.hpp"

using namespace attnkit_test;
using attnkit::index_t;

namespace {

class reader {
public:
    reader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {
        std::uint64_t h = 0x9e3779b97f4a7c15ull ^ size;
        for (std::size_t n = 0; n < size; ++n) h = (h ^ data[n]) * 0x100000001b3ull;
        state_ = h;
    }
    unsigned byte() { return pos_ < size_ ? data_[pos_++] : 0u; }
    // An integer in [lo, hi] from one byte.
    index_t pick(index_t lo, index_t hi) { return lo + static_cast<index_t>(byte()) % (hi - lo + 1); }
    // An integer in [lo, hi] from two bytes.
    index_t pick16(index_t lo, index_t hi) {
        const unsigned w = byte() | (byte() << 8);
        return lo + static_cast<index_t>(w) % (hi - lo + 1);
    }
    std::uint64_t next() {  // splitmix64
        std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53 * 2.0 - 1.0; }  // [-1, 1)

private:
    const std::uint8_t* data_;
    std::size_t size_, pos_ = 0;
    std::uint64_t state_;
};

std::string fmt(long double x) {
    char b[48];
    std::snprintf(b, sizeof b, "%.6Lg", x);
    return b;
}

template <std::size_t Rank>
std::string list(const std::array<index_t, Rank>& a) {
    std::string s = "[";
    for (std::size_t d = 0; d < Rank; ++d) s += (d ? "," : "") + std::to_string(a[d]);
    return s + "]";
}

// ---- layouts ----------------------------------------------------------------

// A layout decoded from two bytes (a third when it has gaps): dimension order,
// gaps around each dimension, reversed dimensions, and for the innermost
// dimension a step != 1 or a place other than last only when allowed.
//   byte 0: bits 0-2 order of the outer dimensions, bit 3 gaps, bit 4 reversed,
//           bits 5-7: 7 head_dim not unit-stride (when allowed), 1 an outer
//           dimension of stride 0 (inputs, when allowed)
//   byte 1: bits 0-3 reversed dimensions (the innermost only when not
//           unit-stride), bit 4 inner step 2 or 3, bits 5-6 the stride-0
//           dimension, bit 7 head_dim outermost instead of a step
//   byte 2 (gaps only): pad of dimension d in bits 2d, 2d+1, offset half the
//           pad, rounded up with bit 7
template <std::size_t Rank>
struct decoded_layout {
    layout<Rank> l;
    int zero_stride_dim = -1;  // an input dimension broadcast by stride 0
};

template <std::size_t Rank>
decoded_layout<Rank> decode_layout(reader& r, bool allow_strided_inner, bool allow_zero_stride) {
    static const std::array<std::array<std::size_t, 3>, 6> perms{
        {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}}};
    const unsigned a = r.byte(), b = r.byte();
    decoded_layout<Rank> d;
    layout<Rank>& l = d.l;
    const bool strided_inner = allow_strided_inner && (a >> 5) == 7;
    const auto& perm = perms[(a & 7u) % 6];
    if constexpr (Rank == 4) {
        l.order = {perm[0], perm[1], perm[2], 3};
        if (strided_inner) {
            if (b & 0x80u) l.order = {3, perm[0], perm[1], perm[2]};  // head_dim outermost
            else l.inner_step = 2 + (b >> 4 & 1u);
        }
    } else {
        l.order = {perm[0], perm[1], perm[2]};
        if (strided_inner) l.inner_step = 2 + (b >> 4 & 1u);
    }
    if (a & 8u) {
        const unsigned g = r.byte();
        for (std::size_t k = 0; k < Rank; ++k) {
            l.pad[k] = static_cast<index_t>(g >> (2 * k) & 3u);
            l.offset[k] = l.pad[k] / 2 + (g >> 7 & 1u) * (l.pad[k] & 1);
        }
    }
    if (a & 16u) {
        for (std::size_t k = 0; k < Rank; ++k) {
            // Reversing the innermost dimension gives it stride -1: only where
            // a non-unit head_dim stride is wanted.
            const bool innermost = Rank == 4 && k == 3;
            l.reversed[k] = (b >> k & 1u) && (!innermost || strided_inner);
        }
    }
    if (allow_zero_stride && (a >> 5) == 1) d.zero_stride_dim = static_cast<int>((b >> 5 & 3u) % (Rank - 1));
    return d;
}

// The layout's description (for findings only: formatting it every run costs).
template <std::size_t Rank>
std::string describe_layout(const layout<Rank>& l, int zero_stride_dim) {
    std::ostringstream n;
    n << "order ";
    for (std::size_t k = 0; k < Rank; ++k) n << l.order[k];
    n << " pad " << list(l.pad) << " at " << list(l.offset) << " rev ";
    for (std::size_t k = 0; k < Rank; ++k) n << (l.reversed[k] ? 1 : 0);
    if (l.inner_step != 1) n << " step " << l.inner_step;
    if (zero_stride_dim >= 0) n << " stride0 dim " << zero_stride_dim;
    return n.str();
}

// A buffer in a decoded layout; gaps hold `gap` (NaN for inputs: a kernel that
// reads outside a view shows it). A stride-0 dimension makes every index along
// it read the same elements.
template <class T, std::size_t Rank>
buffer<T, Rank> make_in(const std::array<index_t, Rank>& extents, const decoded_layout<Rank>& d, T gap) {
    buffer<T, Rank> b = make_buffer<T>(extents, d.l);
    b.mem.fill(gap);
    if (d.zero_stride_dim >= 0 && b.view.data()) {
        std::array<index_t, Rank> strides = b.view.strides();
        strides[static_cast<std::size_t>(d.zero_stride_dim)] = 0;
        b.view = attnkit::strided_view<T, Rank>(b.view.data(), extents, strides);
    }
    return b;
}

// ---- values -----------------------------------------------------------------

enum class role { qk, v, mask };

// How one tensor's values are drawn (two bytes: mode, parameter).
template <class T>
struct filler {
    unsigned mode = 0, param = 0;
    T big = T(1);  // the large magnitude of this tensor

    T operator()(reader& r, role what) const {
        const T nan = std::numeric_limits<T>::quiet_NaN();
        const T neg_inf = -std::numeric_limits<T>::infinity();
        const T denorm = std::numeric_limits<T>::denorm_min();
        switch (mode % 10) {
            case 0: case 1: return static_cast<T>(r.unit());
            case 2: return static_cast<T>((static_cast<int>(param) - 128) / 16.0);  // all equal
            case 3: return static_cast<T>(r.unit()) * big;                          // large
            case 4: return static_cast<T>(r.unit() * 1000.0) * denorm;              // subnormal
            case 5: {                                                              // sparse specials
                const std::uint64_t x = r.next() % 48;
                if (x == 0) return nan;
                if (x == 1) return what == role::mask ? neg_inf : T(0);
                if (x == 2) return r.next() & 1 ? big : -big;
                if (x == 3) return denorm;
                if (x == 4) return -T(0);
                return static_cast<T>(r.unit());
            }
            case 6: return static_cast<T>(r.unit() * (4.0 + param / 4.0));          // peaked softmax
            case 7: return static_cast<T>(static_cast<int>(r.next() % 7) - 3);       // small integers: ties
            case 8:                                                                // mostly one value
                return r.next() % 8 == 0 ? static_cast<T>(r.unit()) : static_cast<T>(param / 64.0);
            default:
                if (what == role::mask && r.next() % 3 == 0) return neg_inf;
                return static_cast<T>(r.unit() * 4.0);
        }
    }
};

template <class T>
filler<T> make_filler(reader& r, role what, index_t seq_kv) {
    filler<T> f;
    f.mode = r.byte();
    f.param = r.byte();
    switch (what) {
        case role::qk: f.big = f.param & 1u ? T(1e4) : T(100); break;
        case role::mask: f.big = T(1e4); break;
        case role::v: f.big = std::numeric_limits<T>::max() / T(8) / static_cast<T>(seq_kv + 1); break;
    }
    return f;
}

const char* mode_name(unsigned mode) {
    static const char* const names[] = {"uniform", "uniform", "constant", "large", "subnormal",
                                        "specials", "peaked", "integers", "mostly-one", "mask-inf/x4"};
    return names[mode % 10];
}

template <class T, std::size_t Rank>
void fill(buffer<T, Rank>& b, reader& r, const filler<T>& f, role what) {
    fill_view(b, [&](const std::array<index_t, Rank>&) { return f(r, what); });
}

// ---- the case ---------------------------------------------------------------

template <class T>
struct fuzz_case {
    sdpa_case<T> c;
    const char* size_class = "";
    decoded_layout<4> q_layout, k_layout, v_layout, out_layout, mask_layout;
    decoded_layout<3> lse_layout;
    unsigned q_mode = 0, k_mode = 0, v_mode = 0, mask_mode = 0, mask_drop = 0;

    template <class E, std::size_t Rank>
    static std::string describe(const char* name, const buffer<E, Rank>& b, const decoded_layout<Rank>& l) {
        return std::string("\n    ") + name + " " + list(b.extents()) + " strides " + list(b.view.strides()) + " (" +
               describe_layout(l.l, l.zero_stride_dim) + ")";
    }

    std::string describe() const {
        std::ostringstream s;
        s << (std::is_same_v<T, float> ? "float" : "double") << ", " << size_class << ": " << c.dims.describe()
          << describe("q", c.q, q_layout) << " " << mode_name(q_mode) << describe("k", c.k, k_layout) << " "
          << mode_name(k_mode) << describe("v", c.v, v_layout) << " " << mode_name(v_mode);
        const buffer4<T> out = make_buffer<T>(c.dims.out(), c.out_layout);
        s << describe("out", out, out_layout);
        if (c.with_lse) s << describe("lse", make_buffer<T>(c.dims.lse(), c.lse_layout), lse_layout);
        if (c.bool_mask) s << describe("bool mask", *c.bool_mask, mask_layout) << " dropping " << mask_drop << "/256";
        if (c.additive_mask)
            s << describe("additive mask", *c.additive_mask, mask_layout) << " " << mode_name(mask_mode);
        s << "\n    causal " << causal_name(c.causal_mode);
        if (c.scale) s << "; scale " << *c.scale;
        s << "; block_q " << c.tiles.block_q << ", block_kv " << c.tiles.block_kv << ", threads " << c.tiles.threads
          << ", isa " << instruction_set_name(c.tiles.instruction_set) << " (runs "
          << attnkit::isa_name(attnkit::selected_isa(c.tiles.instruction_set)) << ")";
        return s.str();
    }
};

[[noreturn]] void finding(const std::string& what, const std::string& detail, const std::string& describe) {
    std::fprintf(stderr, "\nFINDING: %s\n  %s\n  case: %s\n", what.c_str(), detail.c_str(), describe.c_str());
    std::fflush(stderr);
    std::abort();
}

index_t work(const shape& s) {
    return s.batch * s.heads_q * s.seq_q * s.seq_kv * (s.head_dim + s.head_dim_v + 1);
}

// A dimension of 0 now and then, else 1..hi.
index_t pick_dim(reader& r, index_t hi) {
    const unsigned b = r.byte();
    return b < 6 ? 0 : 1 + static_cast<index_t>(b) % hi;
}

shape decode_shape(reader& r, const char*& size_class_name) {
    shape s;
    const unsigned size_class = r.byte() % 32;
    index_t group = 1, budget = 0;
    if (size_class < 22) {  // tiny
        size_class_name = "tiny";
        budget = 4000;
        s.batch = r.pick(1, 2);
        s.heads_kv = r.pick(1, 2);
        group = r.pick(1, 3);
        s.seq_q = pick_dim(r, 9);
        s.seq_kv = pick_dim(r, 11);
        s.head_dim = pick_dim(r, 9);
        s.head_dim_v = pick_dim(r, 9);
    } else if (size_class < 29) {  // small
        size_class_name = "small";
        budget = 12000;
        s.batch = r.pick(1, 2);
        s.heads_kv = r.pick(1, 3);
        group = r.pick(1, 4);
        s.seq_q = pick_dim(r, 24);
        s.seq_kv = pick_dim(r, 30);
        s.head_dim = pick_dim(r, 20);
        s.head_dim_v = pick_dim(r, 20);
    } else if (size_class == 29) {  // long: decode's split-KV merge starts at 1024 keys
        size_class_name = "long";
        budget = 26000;
        s.batch = 1;
        s.heads_kv = 1;
        group = r.pick(1, 2);
        s.seq_q = 1;
        s.seq_kv = r.pick16(1000, 1800);
        s.head_dim = r.pick(1, 3);
        s.head_dim_v = r.pick(1, 3);
    } else {  // wide: the score kernels cut head_dim into chunks of 128 to 512 values
        size_class_name = "wide";
        budget = 12000;
        s.batch = 1;
        s.heads_kv = 1;
        group = r.pick(1, 2);
        s.seq_q = r.pick(1, 3);
        s.seq_kv = r.pick(1, 5);
        const index_t wide = r.pick16(100, 600), narrow = r.pick(1, 40);
        const bool wide_v = r.byte() & 1u;
        s.head_dim = wide_v ? narrow : wide;
        s.head_dim_v = wide_v ? wide : narrow;
    }
    s.heads_q = s.heads_kv * group;
    if (r.byte() == 0xff) s.batch = 0;  // rarely: an empty batch
    // Within the class's work budget: halve the largest factor until it fits.
    while (work(s) > budget) {
        index_t* f[] = {&s.seq_kv, &s.seq_q, &s.head_dim, &s.head_dim_v, &s.batch};
        index_t* largest = *std::max_element(std::begin(f), std::end(f), [](index_t* a, index_t* b) { return *a < *b; });
        *largest /= 2;
    }
    return s;
}

// Tile sizes from the whole range of index_t (issue 15): the dimension
// itself and one more, then sizes past 32 bits, past what a scratch size in
// size_t can be multiplied by, and the largest.
index_t extreme_tile(index_t which, index_t dim) {
    static const index_t big[] = {1000000000, index_t(1) << 31, index_t(1) << 40, index_t(1) << 61,
                                  index_t(1) << 62, std::numeric_limits<index_t>::max()};
    return which == 0 ? std::max<index_t>(dim, 1) : which == 1 ? dim + 1 : big[which - 2];
}

// Thread counts past the usual ones: up to config::max_threads (accepted,
// fitted to the work items) and past it (rejected by every variant).
int extreme_threads(unsigned which) {
    static const int counts[] = {4,    16,   64,    attnkit::config::max_threads - 1, attnkit::config::max_threads,
                                 attnkit::config::max_threads + 1, 100000, std::numeric_limits<int>::max()};
    return counts[which];
}

template <class T>
fuzz_case<T> decode_case(reader& r) {
    fuzz_case<T> fc;
    sdpa_case<T>& c = fc.c;
    const shape s = decode_shape(r, fc.size_class);
    c.dims = s;

    const T nan = quiet_nan<T>();
    fc.q_layout = decode_layout<4>(r, true, true);
    fc.k_layout = decode_layout<4>(r, true, true);
    fc.v_layout = decode_layout<4>(r, true, true);
    fc.out_layout = decode_layout<4>(r, true, false);
    fc.lse_layout = decode_layout<3>(r, true, false);
    c.out_layout = fc.out_layout.l;
    c.lse_layout = fc.lse_layout.l;
    c.q = make_in<T>(s.q(), fc.q_layout, nan);
    c.k = make_in<T>(s.k(), fc.k_layout, nan);
    c.v = make_in<T>(s.v(), fc.v_layout, nan);
    const filler<T> fq = make_filler<T>(r, role::qk, s.seq_kv);
    const filler<T> fk = make_filler<T>(r, role::qk, s.seq_kv);
    const filler<T> fv = make_filler<T>(r, role::v, s.seq_kv);
    fill(c.q, r, fq, role::qk);
    fill(c.k, r, fk, role::qk);
    fill(c.v, r, fv, role::v);
    fc.q_mode = fq.mode;
    fc.k_mode = fk.mode;
    fc.v_mode = fv.mode;

    c.causal_mode = static_cast<attnkit::causal>(r.byte() % 3);
    const unsigned mask_kind = r.byte() % 4;  // none twice as often
    const std::vector<mask_pattern> patterns = all_mask_patterns();
    const mask_pattern pattern = patterns[r.byte() % patterns.size()];
    fc.mask_layout = decode_layout<4>(r, true, true);
    if (mask_kind == 2) {
        fc.mask_drop = r.byte();  // keys are dropped with probability mask_drop / 256
        c.bool_mask = make_in<bool>(mask_extents(s, pattern), fc.mask_layout, false);
        fill_view(*c.bool_mask, [&](const std::array<index_t, 4>&) { return (r.next() & 255u) >= fc.mask_drop; });
    } else if (mask_kind == 3) {
        const filler<T> fm = make_filler<T>(r, role::mask, s.seq_kv);
        c.additive_mask = make_in<T>(mask_extents(s, pattern), fc.mask_layout, nan);
        fill(*c.additive_mask, r, fm, role::mask);
        fc.mask_mode = fm.mode;
    }
    c.with_lse = (r.byte() & 3u) != 0;

    // Tiles: 0 (the defaults), mostly small sizes that do not divide the
    // shape (1..20 rows, 1..16 keys), larger ones (up to 99 rows, 230 keys),
    // and now and then one from the whole range of index_t (extreme_tile),
    // which the library must fit to the problem. Threads: mostly 0 to 3, now
    // and then up to config::max_threads or past it (rejected).
    const index_t tq = r.byte(), tk = r.byte();
    c.tiles.block_q = tq < 48 ? 0 : tq < 208 ? 1 + (tq - 48) % 20 : tq < 248 ? 21 + (tq - 208) * 2
                                                                              : extreme_tile(tq - 248, s.seq_q);
    c.tiles.block_kv = tk < 48 ? 0 : tk < 176 ? 1 + (tk - 48) % 16 : tk < 248 ? 17 + (tk - 176) * 3
                                                                               : extreme_tile(tk - 248, s.seq_kv);
    const unsigned tt = r.byte();
    c.tiles.threads = tt < 248 ? static_cast<int>(tt % 4) : extreme_threads(tt - 248);
    static const attnkit::isa isas[] = {attnkit::isa::automatic, attnkit::isa::sse2, attnkit::isa::avx2,
                                        attnkit::isa::avx512};
    c.tiles.instruction_set = isas[r.byte() % 4];
    const unsigned sc = r.byte();
    if (sc >= 160) {
        static const double scales[] = {1e-3, 0.01, 0.1, 0.3, 0.5, 1.0, 2.0, 10.0, 100.0, 1e-30};
        c.scale = scales[sc % 10] * (1.0 + (sc >> 4 & 3) / 8.0);
    }
    return fc;
}

// ---- judging ----------------------------------------------------------------

template <class T, std::size_t Rank>
index_t touched_outside(const buffer<T, Rank>& b, T sentinel) {
    const std::vector<bool> inside = b.in_view();
    index_t n = 0;
    for (std::size_t i = 0; i < b.mem.size(); ++i)
        if (!inside[i] && std::memcmp(&b.mem[i], &sentinel, sizeof(T)) != 0) ++n;
    return n;
}

template <class T, std::size_t Rank>
bool same_bits(const buffer<T, Rank>& a, const buffer<T, Rank>& b) {
    bool same = true;
    for_each_index(a.extents(), [&](const std::array<index_t, Rank>& idx) {
        same = same && std::memcmp(&element(a.view, idx), &element(b.view, idx), sizeof(T)) == 0;
    });
    return same;
}

template <class T>
struct result {
    buffer4<T> out;
    std::optional<buffer3<T>> lse;
};

template <class T>
struct judge {
    const fuzz_case<T>& fc;
    const oracle_result& o;
    tolerance tol;            // the policy's, from the naive kernel's error
    long double underflow;    // absolute allowance for subnormal outputs

    // Special values exact; per row within max(policy, a-priori bound, underflow)
    // (the yardstick: max(a-priori bound, underflow)); |out| within the row's max |v|.
    void check(const result<T>& r, const std::string& name, bool yardstick = false) const {
        const shape& s = fc.c.dims;
        constexpr long double u = unit_roundoff<T>();
        deviation dev;  // collects special mismatches
        for (index_t b = 0; b < o.batch; ++b)
            for (index_t h = 0; h < o.heads; ++h)
                for (index_t i = 0; i < o.seq_q; ++i) {
                    const row_stats& st = o.stats(b, h, i);
                    const error_bound bound = naive_error_bound<T>(st, s.head_dim);
                    const long double allowed_out = std::max({yardstick ? 0 : tol.out, bound.out, underflow});
                    const long double allowed_lse = std::max(yardstick ? 0 : tol.lse, bound.lse);
                    const long double hull = st.v * (1 + 4 * u * static_cast<long double>(st.keys + 2)) + underflow;
                    for (index_t d = 0; d < o.dim_v; ++d) {
                        const auto actual =
                            static_cast<long double>(element(r.out.view, std::array<index_t, 4>{b, h, i, d}));
                        const long double e = o.out_at(b, h, i, d);
                        const long double err =
                            tolerance_detail::compare_value(e, actual, dev, "out", b, h, i, d);
                        if (dev.special_mismatches)
                            finding("special value mismatch", name + ": " + dev.first_special, fc.describe());
                        if (st.keys == 0 && actual != 0)
                            finding("a row with no key is not exactly 0",
                                    name + ": out[" + std::to_string(b) + "," + std::to_string(h) + "," +
                                        std::to_string(i) + "," + std::to_string(d) + "] = " + fmt(actual),
                                    fc.describe());
                        const auto at = [&] {
                            return "out[" + std::to_string(b) + "," + std::to_string(h) + "," + std::to_string(i) +
                                   "," + std::to_string(d) + "] = " + fmt(actual) + ", oracle " + fmt(e);
                        };
                        if (!(err <= allowed_out))
                            finding(yardstick ? "naive beyond its error bound" : "out beyond tolerance",
                                    name + ": " + at() + ", error " + fmt(err) + ", allowed " + fmt(allowed_out) +
                                        " (policy " + fmt(tol.out) + ", row bound " + fmt(bound.out) +
                                        ", underflow " + fmt(underflow) + "; keys " + std::to_string(st.keys) +
                                        ", A " + fmt(st.qk) + ", B " + fmt(st.bias) + ", V " + fmt(st.v) + ")",
                                    fc.describe());
                        if (std::isfinite(actual) && std::isfinite(e) && !(std::fabs(actual) <= hull))
                            finding("out outside the convex hull of v",
                                    name + ": " + at() + ", max |v| " + fmt(st.v), fc.describe());
                    }
                    if (r.lse) {
                        const auto actual =
                            static_cast<long double>(element(r.lse->view, std::array<index_t, 3>{b, h, i}));
                        const long double e = o.lse_at(b, h, i);
                        const long double err = tolerance_detail::compare_value(e, actual, dev, "lse", b, h, i, -1);
                        if (dev.special_mismatches)
                            finding("special value mismatch", name + ": " + dev.first_special, fc.describe());
                        if (!(err <= allowed_lse))
                            finding(yardstick ? "naive beyond its error bound (lse)" : "lse beyond tolerance",
                                    name + ": lse[" + std::to_string(b) + "," + std::to_string(h) + "," +
                                        std::to_string(i) + "] = " + fmt(actual) + ", oracle " + fmt(e) +
                                        ", error " + fmt(err) + ", allowed " + fmt(allowed_lse) + " (policy " +
                                        fmt(tol.lse) + ", row bound " + fmt(bound.lse) + ")",
                                    fc.describe());
                    }
                }
    }
};

template <class T>
constexpr T sentinel() {
    return T(-12345.75);
}

// Runs one variant; nullopt when it threw attnkit::error, which it must do
// exactly when `rejection` (a part of the expected message) is given, after
// checking that nothing was written.
template <class T>
std::optional<result<T>> run_variant(const fuzz_case<T>& fc, attnkit::variant v, int threads,
                                     const char* rejection = nullptr) {
    const bool expect_reject = rejection != nullptr;
    const sdpa_case<T>& c = fc.c;
    result<T> r{make_buffer<T>(c.dims.out(), c.out_layout), std::nullopt};
    r.out.mem.fill(sentinel<T>());
    attnkit::options<T> opt = c.options();
    opt.kernel = v;
    opt.tiles.threads = threads;
    if (c.with_lse) {
        r.lse = make_buffer<T>(c.dims.lse(), c.lse_layout);
        r.lse->mem.fill(sentinel<T>());
        opt.lse = r.lse->view;
    }
    const std::string name = variant_name(v);
    try {
        attnkit_fuzz::call_sdpa<T>(c.q.cview(), c.k.cview(), c.v.cview(), r.out.view, opt);
    } catch (const attnkit::error& e) {
        if (!expect_reject) finding("valid input rejected", name + ": " + e.what(), fc.describe());
        if (!std::strstr(e.what(), rejection))
            finding("rejected with an unexpected message", name + ": " + e.what() + " (expected `" + rejection + "`)",
                    fc.describe());
        const T s = sentinel<T>();
        for (std::size_t n = 0; n < r.out.mem.size(); ++n)
            if (std::memcmp(&r.out.mem[n], &s, sizeof(T)) != 0)
                finding("rejected input, out written", name, fc.describe());
        if (r.lse)
            for (std::size_t n = 0; n < r.lse->mem.size(); ++n)
                if (std::memcmp(&r.lse->mem[n], &s, sizeof(T)) != 0)
                    finding("rejected input, lse written", name, fc.describe());
        return std::nullopt;
    } catch (const std::exception& e) {
        finding("unexpected exception", name + ": " + e.what(), fc.describe());
    }
    if (expect_reject) finding(std::string("input accepted, expected `") + rejection + "`", name, fc.describe());
    if (touched_outside(r.out, sentinel<T>()))
        finding("written outside the out view", name, fc.describe());
    if (r.lse && touched_outside(*r.lse, sentinel<T>()))
        finding("written outside the lse view", name, fc.describe());
    return r;
}

// Whether a SIMD variant must reject the case (validate.hpp, check_unit_innermost).
template <class E>
bool strided_head_dim(const attnkit::tensor4<E>& t) {
    return t.size() > 0 && t.extent(3) > 1 && t.stride(3) != 1;
}

template <class T>
void run(reader& r, bool print) {
    const fuzz_case<T> fc = decode_case<T>(r);
    if (print) std::fprintf(stderr, "case: %s\n", fc.describe().c_str());
    const sdpa_case<T>& c = fc.c;
    const shape& s = c.dims;
    const bool simd_rejects = strided_head_dim(c.q.view) || strided_head_dim(c.k.view) ||
                              strided_head_dim(c.v.view) || strided_head_dim(make_buffer<T>(s.out(), c.out_layout).view);

    // A thread count past config::max_threads: every variant rejects the call
    // (validation checks it before any stride) and writes nothing.
    if (c.tiles.threads > attnkit::config::max_threads) {
        for (const attnkit::variant v : {attnkit::variant::naive, attnkit::variant::blocked, attnkit::variant::flash,
                                         attnkit::variant::parallel, attnkit::variant::decode,
                                         attnkit::variant::automatic})
            run_variant(fc, v, c.tiles.threads, "exceeds config::max_threads");
        return;
    }

    const oracle_result o = oracle<T>(c.q.cview(), c.k.cview(), c.v.cview(), c.options());

    // The yardstick: the naive kernel within its a-priori bound; the policy's
    // tolerance from its error.
    const std::optional<result<T>> naive = run_variant(fc, attnkit::variant::naive, c.tiles.threads);
    std::optional<attnkit::tensor3<const T>> naive_lse;
    if (naive->lse) naive_lse = attnkit::tensor3<const T>(naive->lse->view);
    const deviation d = compare_to_oracle<T>(o, naive->out.cview(), naive_lse, s.head_dim, false);
    // The bound is relative; outputs in the subnormal range carry an absolute
    // error of a few denorm_min per key besides.
    const long double underflow =
        4.0L * static_cast<long double>(std::numeric_limits<T>::denorm_min()) * static_cast<long double>(s.seq_kv + 2);
    judge<T> j{fc, o, tolerance_from_naive<T>(d.out, d.lse, d.max_abs_v, d.max_abs_lse), underflow};
    j.check(*naive, "naive", true);

    std::optional<result<T>> flash;
    for (const attnkit::variant v : {attnkit::variant::blocked, attnkit::variant::flash, attnkit::variant::parallel,
                                     attnkit::variant::decode, attnkit::variant::automatic}) {
        const bool reject = simd_rejects && v != attnkit::variant::automatic;
        std::optional<result<T>> res = run_variant(fc, v, c.tiles.threads, reject ? "required by the" : nullptr);
        if (!res) continue;
        const std::string name = variant_name(v);
        j.check(*res, name);
        if (v == attnkit::variant::flash) flash = std::move(res);
        else if (v == attnkit::variant::parallel && flash) {
            if (!same_bits(res->out, flash->out) || (res->lse && !same_bits(*res->lse, *flash->lse)))
                finding("parallel differs from flash in bits", "threads " + std::to_string(c.tiles.threads),
                        fc.describe());
        } else if (v == attnkit::variant::decode && c.tiles.threads != 1) {
            const std::optional<result<T>> one = run_variant(fc, v, 1);
            if (!same_bits(res->out, one->out) || (res->lse && !same_bits(*res->lse, *one->lse)))
                finding("decode differs between 1 and " + std::to_string(c.tiles.threads) + " threads", "",
                        fc.describe());
        }
    }
}

}  // namespace

// With ATTNKIT_FUZZ_PRINT set, every input's case is printed before it runs
// (to check what a seed of fuzz/corpus decodes to: fuzz/run.sh 0 fuzz/corpus/*).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const bool print = std::getenv("ATTNKIT_FUZZ_PRINT") != nullptr;
    reader r(data, size);
    if (r.byte() & 1u) run<double>(r, print);
    else run<float>(r, print);
    return 0;
}
