// Test support: one sdpa() problem with owned inputs, described well enough to
// rerun it with any variant and to name it in a failure message.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <sstream>
#include <string>

#include "attnkit/attnkit.hpp"
#include "support/random.hpp"

namespace attnkit_test {

struct shape {
    index_t batch = 1, heads_q = 1, heads_kv = 1, seq_q = 1, seq_kv = 1, head_dim = 8, head_dim_v = 8;

    std::array<index_t, 4> q() const { return {batch, heads_q, seq_q, head_dim}; }
    std::array<index_t, 4> k() const { return {batch, heads_kv, seq_kv, head_dim}; }
    std::array<index_t, 4> v() const { return {batch, heads_kv, seq_kv, head_dim_v}; }
    std::array<index_t, 4> out() const { return {batch, heads_q, seq_q, head_dim_v}; }
    std::array<index_t, 3> lse() const { return {batch, heads_q, seq_q}; }
    std::array<index_t, 4> mask_full() const { return {batch, heads_q, seq_q, seq_kv}; }

    std::string describe() const {
        std::ostringstream s;
        s << "batch " << batch << ", heads_q " << heads_q << ", heads_kv " << heads_kv << ", seq_q " << seq_q
          << ", seq_kv " << seq_kv << ", head_dim " << head_dim << ", head_dim_v " << head_dim_v;
        return s.str();
    }
};

// The library's names (sdpa.hpp, isa.hpp), as the error messages and wisdom
// files spell them, for the tests' and the fuzzer's messages.
inline const char* causal_name(attnkit::causal c) { return attnkit::detail::causal_name(c); }
inline const char* instruction_set_name(attnkit::isa x) { return attnkit::isa_name(x); }

// The mask shapes PyTorch users pass, named by which dimensions broadcast.
enum class mask_pattern { full, shared, per_batch, per_head, key_padding, per_key, per_query, scalar };

inline const char* pattern_name(mask_pattern p) {
    switch (p) {
        case mask_pattern::full: return "[B,H,Sq,Skv]";
        case mask_pattern::shared: return "[1,1,Sq,Skv]";
        case mask_pattern::per_batch: return "[B,1,Sq,Skv]";
        case mask_pattern::per_head: return "[1,H,Sq,Skv]";
        case mask_pattern::key_padding: return "[B,1,1,Skv]";
        case mask_pattern::per_key: return "[1,1,1,Skv]";
        case mask_pattern::per_query: return "[1,1,Sq,1]";
        case mask_pattern::scalar: return "[1,1,1,1]";
    }
    return "?";
}

inline std::array<index_t, 4> mask_extents(const shape& s, mask_pattern p) {
    switch (p) {
        case mask_pattern::full: return {s.batch, s.heads_q, s.seq_q, s.seq_kv};
        case mask_pattern::shared: return {1, 1, s.seq_q, s.seq_kv};
        case mask_pattern::per_batch: return {s.batch, 1, s.seq_q, s.seq_kv};
        case mask_pattern::per_head: return {1, s.heads_q, s.seq_q, s.seq_kv};
        case mask_pattern::key_padding: return {s.batch, 1, 1, s.seq_kv};
        case mask_pattern::per_key: return {1, 1, 1, s.seq_kv};
        case mask_pattern::per_query: return {1, 1, s.seq_q, 1};
        case mask_pattern::scalar: return {1, 1, 1, 1};
    }
    return {};
}

inline std::vector<mask_pattern> all_mask_patterns() {
    return {mask_pattern::full,        mask_pattern::shared,  mask_pattern::per_batch, mask_pattern::per_head,
            mask_pattern::key_padding, mask_pattern::per_key, mask_pattern::per_query, mask_pattern::scalar};
}

// One problem: inputs, options, and the layouts of the outputs a run allocates.
template <class T>
struct sdpa_case {
    shape dims;
    buffer4<T> q, k, v;

    std::optional<double> scale;
    attnkit::causal causal_mode = attnkit::causal::none;
    std::optional<buffer4<bool>> bool_mask;
    std::optional<buffer4<T>> additive_mask;
    attnkit::config tiles{};

    layout<4> out_layout = layouts::bhsd();
    bool with_lse = true;
    layout<3> lse_layout = layouts::bhs();

    std::string label;  // what the test says about the case (seed, purpose)

    // The options of the call, without lse and kernel (a run sets those).
    attnkit::options<T> options() const {
        attnkit::options<T> opt;
        opt.scale = scale;
        opt.causal_mode = causal_mode;
        if (bool_mask) opt.mask = bool_mask->cview();
        if (additive_mask) opt.mask = additive_mask->cview();
        opt.tiles = tiles;
        return opt;
    }

    std::string describe() const {
        std::ostringstream s;
        s << label << (label.empty() ? "" : "; ") << dims.describe() << "; q " << q.layout_name << ", k "
          << k.layout_name << ", v " << v.layout_name << ", out " << out_layout.name;
        if (with_lse) s << ", lse " << lse_layout.name;
        s << "; causal " << causal_name(causal_mode);
        if (scale) s << "; scale " << *scale;
        if (bool_mask)
            s << "; bool mask " << list(bool_mask->extents()) << " " << bool_mask->layout_name;
        if (additive_mask)
            s << "; additive mask " << list(additive_mask->extents()) << " " << additive_mask->layout_name;
        if (tiles.block_q || tiles.block_kv || tiles.threads)
            s << "; block_q " << tiles.block_q << ", block_kv " << tiles.block_kv << ", threads " << tiles.threads;
        if (tiles.instruction_set != attnkit::isa::automatic)
            s << "; isa " << instruction_set_name(tiles.instruction_set);
        return s.str();
    }

    static std::string list(const std::array<index_t, 4>& a) {
        std::ostringstream s;
        s << "[" << a[0] << "," << a[1] << "," << a[2] << "," << a[3] << "]";
        return s.str();
    }
};

// A case with random inputs (uniform in [-1, 1] unless told) in the given layouts.
template <class T>
sdpa_case<T> make_case(rng& r, const shape& s, const layout<4>& q_layout = layouts::bhsd(),
                       const layout<4>& k_layout = layouts::bhsd(), const layout<4>& v_layout = layouts::bhsd(),
                       distribution d = distribution::uniform) {
    sdpa_case<T> c;
    c.dims = s;
    c.q = make_input<T>(r, s.q(), q_layout, d);
    c.k = make_input<T>(r, s.k(), k_layout, d);
    c.v = make_input<T>(r, s.v(), v_layout, d);
    return c;
}

// A boolean mask, true (key takes part) with probability p_true.
inline buffer4<bool> random_bool_mask(rng& r, const std::array<index_t, 4>& extents, double p_true,
                                      const layout<4>& l = layouts::bhsd()) {
    buffer4<bool> m = make_buffer<bool>(extents, l);
    fill_view(m, [&](const std::array<index_t, 4>&) { return r.chance(p_true); });
    return m;
}

// An additive mask: uniform values in [lo, hi], -inf with probability p_removed.
template <class T>
buffer4<T> random_additive_mask(rng& r, const std::array<index_t, 4>& extents, double lo, double hi,
                                double p_removed, const layout<4>& l = layouts::bhsd()) {
    buffer4<T> m = make_buffer<T>(extents, l);
    m.mem.fill(quiet_nan<T>());
    fill_view(m, [&](const std::array<index_t, 4>&) {
        const bool removed = r.chance(p_removed);
        const T value = static_cast<T>(r.uniform(lo, hi));
        return removed ? -std::numeric_limits<T>::infinity() : value;
    });
    return m;
}

// The name of a variant, for messages (the tests and the fuzzer): the library's.
inline const char* variant_name(attnkit::variant v) { return attnkit::detail::variant_name(v); }

}  // namespace attnkit_test
