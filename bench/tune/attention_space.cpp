#include "attention_space.hpp"

#include <attnkit/attnkit.hpp>

#include <algorithm>
#include <stdexcept>

namespace attnkit_tune {
namespace {

using attnkit::variant;

// Values of each parameter, in the order that defines neighbours.
const std::vector<std::int64_t> variant_values = {static_cast<std::int64_t>(variant::blocked),
                                                  static_cast<std::int64_t>(variant::flash),
                                                  static_cast<std::int64_t>(variant::parallel),
                                                  static_cast<std::int64_t>(variant::decode)};
const std::vector<std::int64_t> block_q_values = {16, 32, 64, 128, 256};
const std::vector<std::int64_t> block_kv_values = {0, 84, 168, 252, 504};

std::vector<std::int64_t> thread_values(int budget) {
    std::vector<std::int64_t> t;
    for (std::int64_t n = 1; n < budget; n *= 2) t.push_back(n);
    t.push_back(std::max(budget, 1));
    return t;
}

// The smallest listed value >= need (the largest when none is): values above
// it behave exactly like it, since the kernels clamp tiles to the sequence.
std::int64_t first_covering(const std::vector<std::int64_t>& values, std::int64_t need) {
    for (const std::int64_t v : values)
        if (v >= need) return v;
    return values.back();
}

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

}  // namespace

const char* variant_name(variant v) { return attnkit::detail::variant_name(v); }

variant parse_variant(const std::string& name) {
    for (const variant v : {variant::automatic, variant::naive, variant::blocked, variant::parallel, variant::flash,
                            variant::decode})
        if (name == variant_name(v)) return v;
    throw std::invalid_argument("unknown variant '" + name + "'");
}

std::string describe(const attention_config& c) {
    std::string d = variant_name(c.kernel);
    if (c.kernel == variant::automatic) return d;
    d += " bq=" + std::to_string(c.block_q);
    d += c.block_kv ? " bkv=" + std::to_string(c.block_kv) : " bkv=row";
    d += " t=" + std::to_string(c.threads);
    return d + " " + attnkit_bench::dtype_name(c.type);
}

search::space attention_space(const problem& p, const space_options& opt) {
    std::vector<search::parameter> params = {
        {"variant", variant_values},
        {"block_q", block_q_values},
        {"block_kv", block_kv_values},
        {"threads", thread_values(opt.thread_budget)},
    };
    if (opt.allow_precision_change) params.push_back({"dtype", {0, 1}});

    const attnkit_bench::shape s = p.s;
    const std::int64_t group = s.heads_q / s.heads_kv;
    const auto valid = [s, group](const search::configuration& c) {
        const auto kernel = static_cast<variant>(c[0]);
        const std::int64_t block_q = c[1], block_kv = c[2], threads = c[3];
        // decode packs the group's query heads into one matrix of rows.
        const std::int64_t rows = kernel == variant::decode ? group * s.seq_q : s.seq_q;
        if (block_q > first_covering(block_q_values, rows)) return false;
        if (block_kv > first_covering(block_kv_values, s.seq_kv)) return false;
        switch (kernel) {
            case variant::blocked: return block_kv == 0 && threads == 1;
            case variant::flash: return block_kv > 0 && threads == 1;
            case variant::parallel:
                return block_kv > 0 && threads >= 2 && threads <= ceil_div(s.seq_q, block_q) * s.batch * s.heads_q;
            case variant::decode: return block_kv > 0 && s.seq_q <= 16;
            default: return false;
        }
    };
    return search::space(std::move(params), valid);
}

attention_config equivalent_in_space(const problem& p, const space_options& opt, attention_config a) {
    const std::int64_t group = p.s.heads_q / p.s.heads_kv;
    const std::int64_t rows = a.kernel == variant::decode ? group * p.s.seq_q : p.s.seq_q;
    a.block_q = std::min<std::int64_t>(a.block_q, first_covering(block_q_values, rows));
    if (a.block_kv > 0) a.block_kv = std::min<std::int64_t>(a.block_kv, first_covering(block_kv_values, p.s.seq_kv));
    if (a.kernel == variant::parallel) {
        const std::int64_t items = ceil_div(p.s.seq_q, a.block_q) * p.s.batch * p.s.heads_q;
        std::int64_t threads = 1;
        for (const std::int64_t t : thread_values(opt.thread_budget))
            if (t <= std::min<std::int64_t>(a.threads, items)) threads = t;
        a.threads = static_cast<int>(threads);
        if (threads == 1) a.kernel = variant::flash;
    }
    return a;
}

std::vector<attention_config> seed_candidates(const problem& p, const space_options& opt) {
    std::vector<attention_config> out;
    const auto threads = thread_values(opt.thread_budget);
    const std::int64_t keys = std::min<std::int64_t>(252, first_covering(block_kv_values, p.s.seq_kv));
    for (auto t = threads.rbegin(); t != threads.rend() && *t >= 2; ++t) {
        for (auto bq = block_q_values.rbegin(); bq != block_q_values.rend(); ++bq) {
            const std::int64_t items = ceil_div(p.s.seq_q, *bq) * p.s.batch * p.s.heads_q;
            if (items >= *t && *bq <= first_covering(block_q_values, p.s.seq_q)) {
                out.push_back({variant::parallel, *bq, keys, static_cast<int>(*t), p.type});
                break;
            }
        }
        if (out.size() >= 2) break;
    }
    out.push_back(equivalent_in_space(p, opt, {variant::flash, 128, 252, 1, p.type}));
    return out;
}

attention_config to_attention(const search::space& s, const search::configuration& c, attnkit_bench::dtype fixed) {
    attention_config a;
    a.kernel = static_cast<variant>(s.value(c, "variant"));
    a.block_q = s.value(c, "block_q");
    a.block_kv = s.value(c, "block_kv");
    a.threads = static_cast<int>(s.value(c, "threads"));
    a.type = fixed;
    if (s.parameters().size() > 4) a.type = s.value(c, "dtype") ? attnkit_bench::dtype::f64 : attnkit_bench::dtype::f32;
    return a;
}

search::configuration from_attention(const search::space& s, const attention_config& a) {
    search::configuration c = {static_cast<std::int64_t>(a.kernel), a.block_q, a.block_kv, a.threads};
    if (s.parameters().size() > 4) c.push_back(a.type == attnkit_bench::dtype::f64 ? 1 : 0);
    return c;
}

}  // namespace attnkit_tune
