// attnkit: the front door's checks. Every violation throws attnkit::error with a
// message naming the tensor, the dimension and the values, before any kernel runs.
#pragma once

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <system_error>
#include <type_traits>
#include <variant>

#include "attnkit/detail/config_namespace.hpp"
#include "attnkit/detail/mask.hpp"
#include "attnkit/detail/problem.hpp"
#include "attnkit/error.hpp"
#include "attnkit/options.hpp"
#include "attnkit/view.hpp"

namespace attnkit {
namespace detail {
ATTNKIT_BEGIN_CONFIG_NAMESPACE

// The names of each tensor's dimensions, in the library's one vocabulary.
struct tensor_names {
    const char* tensor;
    std::array<const char*, 4> dims;
};
inline constexpr tensor_names q_names{"q", {"batch", "heads_q", "seq_q", "head_dim"}};
inline constexpr tensor_names k_names{"k", {"batch", "heads_kv", "seq_kv", "head_dim"}};
inline constexpr tensor_names v_names{"v", {"batch", "heads_kv", "seq_kv", "head_dim_v"}};
inline constexpr tensor_names out_names{"out", {"batch", "heads_q", "seq_q", "head_dim_v"}};
inline constexpr tensor_names mask_names{"mask", {"batch", "heads_q", "seq_q", "seq_kv"}};
inline constexpr tensor_names lse_names{"lse", {"batch", "heads_q", "seq_q", ""}};

inline std::string dim_name(const tensor_names& n, std::size_t d) {
    return std::string(n.tensor) + "." + n.dims[d];
}

// x as printf's %g writes it in the "C" locale (six significant digits; inf,
// nan). Not through <sstream>: a consumer that links libstdc++ statically
// (GCC 13 and later) and includes no <iostream> gets no stream initialisation,
// and a string stream then crashes (seen: the Python module built so, on
// every heuristic reason and error message with a number).
inline std::string number_text(double x) {
    char text[32];
    const std::to_chars_result r = std::to_chars(text, text + sizeof text, x, std::chars_format::general, 6);
    return r.ec == std::errc() ? std::string(text, r.ptr) : std::string("?");
}

template <std::size_t Rank>
std::string list_text(const std::array<index_t, Rank>& a) {
    std::string s = "[";
    for (std::size_t d = 0; d < Rank; ++d) s += (d ? ", " : "") + std::to_string(a[d]);
    return s + "]";
}

inline constexpr index_t index_max = std::numeric_limits<index_t>::max();

// Extents are non-negative; the element count and the largest offset from
// data() fit in index_t, so kernels may compute offsets without overflow checks.
template <class V>
void check_shape(const V& t, const tensor_names& n) {
    constexpr std::size_t rank = V::rank;
    for (std::size_t d = 0; d < rank; ++d)
        if (t.extent(d) < 0)
            raise(dim_name(n, d) + " (" + std::to_string(t.extent(d)) + ") is negative");

    index_t count = 1;
    index_t span = 0;
    bool empty = false;
    for (std::size_t d = 0; d < rank; ++d) empty = empty || t.extent(d) == 0;
    for (std::size_t d = 0; d < rank && !empty; ++d) {
        const index_t e = t.extent(d);
        const index_t s = t.stride(d);
        const bool too_many = count > index_max / e;
        const bool stride_unrepresentable = s == std::numeric_limits<index_t>::min();
        const index_t as = stride_unrepresentable ? 0 : (s < 0 ? -s : s);
        const bool span_overflows = stride_unrepresentable || (e > 1 && as > (index_max - span) / (e - 1));
        if (too_many || span_overflows)
            raise(std::string(n.tensor) + ": index arithmetic overflows (extents " + list_text(t.extents()) +
                  ", strides " + list_text(t.strides()) + ")");
        count *= e;
        span += (e - 1) * as;
    }
    if (!empty && t.data() == nullptr)
        raise(std::string(n.tensor) + ".data is null but " + n.tensor + " has " + std::to_string(count) +
              " elements");
}

// True when two distinct indices of t can address the same element. Sorting the
// dimensions by |stride| gives a sufficient condition for injectivity: each
// stride reaches past the whole span of the dimensions inside it.
template <class V>
bool has_self_overlap(const V& t) {
    constexpr std::size_t rank = V::rank;
    std::array<index_t, rank> ext{}, str{};
    std::size_t used = 0;
    for (std::size_t d = 0; d < rank; ++d) {
        if (t.extent(d) == 0) return false;
        if (t.extent(d) == 1) continue;
        ext[used] = t.extent(d);
        str[used] = t.stride(d) < 0 ? -t.stride(d) : t.stride(d);
        ++used;
    }
    for (std::size_t a = 1; a < used; ++a)
        for (std::size_t b = a; b > 0 && str[b] < str[b - 1]; --b) {
            std::swap(str[b], str[b - 1]);
            std::swap(ext[b], ext[b - 1]);
        }
    index_t span = 0;  // largest offset reachable by the dimensions inside
    for (std::size_t d = 0; d < used; ++d) {
        if (str[d] <= span) return true;
        span += (ext[d] - 1) * str[d];
    }
    return false;
}

// The bytes a view can touch, as [first, last) addresses; empty views touch none.
struct byte_range {
    std::uintptr_t first = 0, last = 0;
    bool empty() const { return first == last; }
};

template <class V>
byte_range bytes_of(const V& t) {
    if (t.data() == nullptr || t.size() == 0) return {};
    index_t lo = 0, hi = 0;
    for (std::size_t d = 0; d < V::rank; ++d) {
        const index_t reach = (t.extent(d) - 1) * t.stride(d);
        (reach < 0 ? lo : hi) += reach;
    }
    using E = std::remove_cv_t<typename V::element_type>;
    const auto base = reinterpret_cast<std::uintptr_t>(t.data());
    return {base + static_cast<std::uintptr_t>(lo) * sizeof(E),
            base + static_cast<std::uintptr_t>(hi) * sizeof(E) + sizeof(E)};
}

// Conservative: views that interleave without sharing an element (say q and
// out packed into one buffer with alternating rows) are also rejected.
inline void check_disjoint(byte_range a, const char* a_name, byte_range b, const char* b_name) {
    if (a.empty() || b.empty()) return;
    if (a.first < b.last && b.first < a.last) raise(std::string(a_name) + " overlaps " + b_name + " in memory");
}

inline void check_equal(index_t got, const tensor_names& gn, std::size_t gd, index_t want,
                        const tensor_names& wn, std::size_t wd) {
    if (got != want)
        raise(dim_name(gn, gd) + " (" + std::to_string(got) + ") != " + dim_name(wn, wd) + " (" +
              std::to_string(want) + ")");
}

inline const char* variant_name(variant v) {
    switch (v) {
        case variant::automatic: return "automatic";
        case variant::naive: return "naive";
        case variant::blocked: return "blocked";
        case variant::parallel: return "parallel";
        case variant::flash: return "flash";
        case variant::decode: return "decode";
    }
    return "unknown";
}

// An enumeration's value is one of its enumerators (0 .. last): a value cast
// from an out-of-range integer would otherwise take a switch's fall-through.
template <class E>
void check_enum(E value, E last, const char* field) {
    const auto v = static_cast<long long>(value);
    if (v < 0 || v > static_cast<long long>(last))
        raise(std::string(field) + " (" + std::to_string(v) + ") is not one of its enumerators (0 to " +
              std::to_string(static_cast<long long>(last)) + ")");
}

// The fast kernels walk head_dim with vector loads.
template <class V>
void check_unit_innermost(const V& t, const tensor_names& n, variant kernel) {
    // An empty view addresses nothing, whatever its strides.
    if (t.size() > 0 && t.extent(3) > 1 && t.stride(3) != 1)
        raise(dim_name(n, 3) + " stride (" + std::to_string(t.stride(3)) + ") != 1, required by the " +
              variant_name(kernel) + " variant");
}

template <class T, class M>
tensor4<const M> broadcast_mask_to(const tensor4<const M>& m, const std::array<index_t, 4>& full) {
    std::array<index_t, 4> strides = m.strides();
    for (std::size_t d = 0; d < 4; ++d) {
        if (m.extent(d) != full[d] && m.extent(d) != 1)
            raise(dim_name(mask_names, d) + " (" + std::to_string(m.extent(d)) + ") does not broadcast to " +
                  mask_names.dims[d] + " (" + std::to_string(full[d]) + ")");
        if (m.extent(d) == 1) strides[d] = 0;
    }
    return tensor4<const M>(m.data(), full, strides);
}

// ---- The contract, as tables ---------------------------------------------------

// The tensors of a call, by role; extents and names of each are facts (below).
enum class role { q, k, v, out, mask, lse };

// One extent of a role: dimension dim of the view.
struct extent_of {
    role tensor;
    std::size_t dim;
};

// Every dimension name has one extent across the tensors that carry it: each
// got must equal its want, checked in this order, the first mismatch reported
// (heads_q and heads_kv are related by grouped-query attention instead, and
// mask's extents broadcast: both checked on their own).
struct same_extent {
    extent_of got, want;
};
inline constexpr same_extent same_extents[] = {
    {{role::k, 0}, {role::q, 0}},    {{role::v, 0}, {role::q, 0}},  {{role::out, 0}, {role::q, 0}},  // batch
    {{role::v, 1}, {role::k, 1}},                                                                    // heads_kv
    {{role::out, 1}, {role::q, 1}},                                                                  // heads_q
    {{role::v, 2}, {role::k, 2}},                                                                    // seq_kv
    {{role::out, 2}, {role::q, 2}},                                                                  // seq_q
    {{role::k, 3}, {role::q, 3}},                                                                    // head_dim
    {{role::out, 3}, {role::v, 3}},                                                                  // head_dim_v
};
// lse, when requested, is [batch, heads_q, seq_q] of q.
inline constexpr same_extent same_lse_extents[] = {
    {{role::lse, 0}, {role::q, 0}}, {{role::lse, 1}, {role::q, 1}}, {{role::lse, 2}, {role::q, 2}}};

// The outputs share no byte with any other tensor, in this order.
struct disjoint_pair {
    role output, other;
};
inline constexpr disjoint_pair disjoint_tensors[] = {
    {role::out, role::q},   {role::out, role::k}, {role::out, role::v}, {role::out, role::mask},
    {role::lse, role::out}, {role::lse, role::q}, {role::lse, role::k}, {role::lse, role::v},
    {role::lse, role::mask}};

// The roles' facts for the tables: names, extents (lse's rank 3 padded with
// 0) and the bytes each may touch (empty when absent).
struct call_facts {
    std::array<const tensor_names*, 6> names{&q_names, &k_names, &v_names, &out_names, &mask_names, &lse_names};
    std::array<std::array<index_t, 4>, 6> extents{};
    std::array<byte_range, 6> bytes{};

    static constexpr std::size_t at(role r) noexcept { return static_cast<std::size_t>(r); }
    index_t extent(extent_of e) const noexcept { return extents[at(e.tensor)][e.dim]; }
    template <class V>
    void set(role r, const V& t) {
        for (std::size_t d = 0; d < V::rank; ++d) extents[at(r)][d] = t.extent(d);
        bytes[at(r)] = bytes_of(t);
    }
};

// bhsd() and bshd() take heads and seq in opposite orders, and a view made by
// the wrong one reads a buffer's heads as its sequence: said where the
// extents that do not match look like that mistake.
inline const char* layout_helpers_text() noexcept {
    return "bhsd(data, batch, heads, seq, dim) takes heads before seq, bshd(data, batch, seq, heads, dim) seq "
           "before heads: is each view made by the helper of its buffer's layout?";
}

// The hint for a heads or seq mismatch between two rank-4 tensors: when got's
// heads and seq are want's seq and heads, got (or want) has them swapped.
inline std::string swapped_layout_hint(const call_facts& f, const same_extent& rule) {
    const bool heads_or_seq = rule.got.dim == 1 || rule.got.dim == 2;
    if (!heads_or_seq || rule.got.tensor == role::lse) return {};
    const auto& got = f.extents[call_facts::at(rule.got.tensor)];
    const auto& want = f.extents[call_facts::at(rule.want.tensor)];
    if (got[1] != want[2] || got[2] != want[1]) return {};
    const char* g = f.names[call_facts::at(rule.got.tensor)]->tensor;
    const char* w = f.names[call_facts::at(rule.want.tensor)]->tensor;
    return std::string("; ") + g + " has heads " + std::to_string(got[1]) + " and seq " + std::to_string(got[2]) +
           " where " + w + " has heads " + std::to_string(want[1]) + " and seq " + std::to_string(want[2]) + ": " +
           layout_helpers_text();
}

template <std::size_t N>
void check_same_extents(const call_facts& f, const same_extent (&rules)[N]) {
    for (const same_extent& rule : rules) {
        const index_t got = f.extent(rule.got), want = f.extent(rule.want);
        if (got == want) continue;
        const tensor_names& gn = *f.names[call_facts::at(rule.got.tensor)];
        const tensor_names& wn = *f.names[call_facts::at(rule.want.tensor)];
        raise(dim_name(gn, rule.got.dim) + " (" + std::to_string(got) + ") != " + dim_name(wn, rule.want.dim) + " (" +
              std::to_string(want) + ")" + swapped_layout_hint(f, rule));
    }
}

inline void check_disjoint_tensors(const call_facts& f) {
    for (const disjoint_pair& pair : disjoint_tensors)
        check_disjoint(f.bytes[call_facts::at(pair.output)], f.names[call_facts::at(pair.output)]->tensor,
                       f.bytes[call_facts::at(pair.other)], f.names[call_facts::at(pair.other)]->tensor);
}

// q's heads are a whole number of k's (grouped-query attention).
inline void check_grouped_heads(index_t heads_q, index_t heads_kv, index_t q_seq, index_t k_seq) {
    if (heads_q == 0 || (heads_kv != 0 && heads_q % heads_kv == 0)) return;
    // Both views made by the wrong helper read each buffer's heads as seq.
    const bool swapped = k_seq > 0 && q_seq % k_seq == 0;
    raise("q.heads_q (" + std::to_string(heads_q) + ") is not a multiple of k.heads_kv (" + std::to_string(heads_kv) +
          ")" +
          (swapped ? std::string("; their seq extents (") + std::to_string(q_seq) + ", " + std::to_string(k_seq) +
                         ") would be: " + layout_helpers_text()
                   : std::string()));
}

// Each of config's fields and the options' enumerations in range.
template <class T>
void check_options(const options<T>& opt) {
    if (opt.scale && !(std::isfinite(*opt.scale) && *opt.scale > 0))
        raise("scale (" + number_text(*opt.scale) + ") is not finite and positive");

    if (opt.tiles.block_q < 0) raise("config.block_q (" + std::to_string(opt.tiles.block_q) + ") is negative");
    if (opt.tiles.block_kv < 0) raise("config.block_kv (" + std::to_string(opt.tiles.block_kv) + ") is negative");
    if (opt.tiles.threads < 0) raise("config.threads (" + std::to_string(opt.tiles.threads) + ") is negative");
    if (opt.tiles.threads > config::max_threads)
        raise("config.threads (" + std::to_string(opt.tiles.threads) + ") exceeds config::max_threads (" +
              std::to_string(config::max_threads) + ")");
    check_enum(opt.causal_mode, causal::bottom_right, "options.causal_mode");
    check_enum(opt.kernel, variant::decode, "options.kernel");
    check_enum(opt.tiles.instruction_set, isa::neon, "config.instruction_set");
}

template <class V>
void check_no_self_overlap(const V& t, const char* name) {
    if (has_self_overlap(t))
        raise(std::string(name) + " has overlapping elements (extents " + list_text(t.extents()) + ", strides " +
              list_text(t.strides()) + ")");
}

ATTNKIT_END_CONFIG_NAMESPACE
}  // namespace detail

ATTNKIT_BEGIN_CONFIG_NAMESPACE

// Checks every input against the contract and returns the normalised problem.
// Throws attnkit::error on the first violation; never touches out. The order
// of the checks is the order of the messages a call with several violations
// gets (tests/test_validation.cpp pins them).
template <class T>
problem<T> validate(const tensor4<const T>& q, const tensor4<const T>& k, const tensor4<const T>& v,
                    const tensor4<T>& out, const options<T>& opt) {
    static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>, "attnkit supports float and double");
    using namespace detail;

    // 1. Each view's own shape: extents, index arithmetic, data.
    check_shape(q, q_names);
    check_shape(k, k_names);
    check_shape(v, v_names);
    check_shape(out, out_names);

    // 2. The extents the views share.
    call_facts facts;
    facts.set(role::q, q);
    facts.set(role::k, k);
    facts.set(role::v, v);
    facts.set(role::out, out);
    check_same_extents(facts, same_extents);

    // Kernels compute i + (seq_kv - seq_q) + 1 for causal limits, even over
    // empty views, so both lengths must leave room for that sum.
    if (q.extent(2) > index_max / 4 || k.extent(2) > index_max / 4)
        raise("q.seq_q (" + std::to_string(q.extent(2)) + ") or k.seq_kv (" + std::to_string(k.extent(2)) +
              ") is too large for index arithmetic");
    check_grouped_heads(q.extent(1), k.extent(1), q.extent(2), k.extent(2));
    check_no_self_overlap(out, "out");

    // 3. The options.
    check_options(opt);

    problem<T> p;
    p.q = q;
    p.k = k;
    p.v = v;
    p.out = out;
    p.batch = q.extent(0);
    p.heads_q = q.extent(1);
    p.heads_kv = k.extent(1);
    p.seq_q = q.extent(2);
    p.seq_kv = k.extent(2);
    p.head_dim = q.extent(3);
    p.head_dim_v = v.extent(3);
    p.group = p.heads_kv > 0 && p.heads_q > 0 ? p.heads_q / p.heads_kv : 1;
    // head_dim = 0 gives all-zero scores whatever the scale; 1 keeps them finite.
    p.scale = static_cast<T>(opt.scale ? *opt.scale : (p.head_dim > 0 ? 1.0 / std::sqrt(double(p.head_dim)) : 1.0));
    if (!(std::isfinite(p.scale) && p.scale > 0))
        raise("scale (" + number_text(opt.scale.value_or(0.0)) + ") is not finite and positive in " +
              (std::is_same_v<T, float> ? "float" : "double"));
    p.causal_offset = causal_offset(opt.causal_mode, p.seq_q, p.seq_kv);
    p.kernel = opt.kernel;
    p.tiles = opt.tiles;

    // 4. The mask, broadcast to [batch, heads_q, seq_q, seq_kv].
    const std::array<index_t, 4> mask_full{p.batch, p.heads_q, p.seq_q, p.seq_kv};
    if (const auto* m = std::get_if<tensor4<const bool>>(&opt.mask)) {
        check_shape(*m, mask_names);
        p.mask = mask_kind::boolean;
        p.bool_mask = broadcast_mask_to<T>(*m, mask_full);
        facts.bytes[call_facts::at(role::mask)] = bytes_of(*m);
    } else if (const auto* a = std::get_if<tensor4<const T>>(&opt.mask)) {
        check_shape(*a, mask_names);
        p.mask = mask_kind::additive;
        p.additive_mask = broadcast_mask_to<T>(*a, mask_full);
        facts.bytes[call_facts::at(role::mask)] = bytes_of(*a);
    }

    // 5. lse, when requested.
    if (opt.lse) {
        const tensor3<T>& l = *opt.lse;
        check_shape(l, lse_names);
        facts.set(role::lse, l);
        check_same_extents(facts, same_lse_extents);
        check_no_self_overlap(l, "lse");
        p.lse = l;
    }

    // 6. What the SIMD variants need: unit stride along head_dim.
    if (p.kernel != variant::naive && p.kernel != variant::automatic) {
        check_unit_innermost(q, q_names, p.kernel);
        check_unit_innermost(k, k_names, p.kernel);
        check_unit_innermost(v, v_names, p.kernel);
        check_unit_innermost(out, out_names, p.kernel);
    }

    // 7. Outputs apart from everything else.
    check_disjoint_tensors(facts);
    return p;
}

ATTNKIT_END_CONFIG_NAMESPACE
}  // namespace attnkit
