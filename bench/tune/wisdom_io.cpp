#include "wisdom_io.hpp"

#include <attnkit/attnkit.hpp>
#include <attnkit/wisdom.hpp>

#include <algorithm>
#include <filesystem>

#include "campaign.hpp"
#include "common/inputs.hpp"
#include "common/machine.hpp"
#include "records.hpp"

namespace attnkit_tune {
namespace {

using attnkit_bench::dtype;

attnkit::wisdom_problem wisdom_problem_of(const problem& p) {
    attnkit::wisdom_problem w;
    w.batch = p.s.batch;
    w.heads_q = p.s.heads_q;
    w.heads_kv = p.s.heads_kv;
    w.seq_q = p.s.seq_q;
    w.seq_kv = p.s.seq_kv;
    w.head_dim = p.s.head_dim;
    w.head_dim_v = p.s.head_dim_v;
    w.causal_mode = p.s.mode;
    w.mask = attnkit::mask_kind::none;
    return w;
}

attnkit::wisdom_key key_of(const problem& p, int threads) {
    return p.type == dtype::f32 ? attnkit::current_wisdom_key<float>(threads)
                                : attnkit::current_wisdom_key<double>(threads);
}

template <class T>
attention_config default_of(const problem& p, int threads) {
    attnkit_bench::inputs<T>& in = attnkit_bench::inputs_for<T>(p.s);
    attnkit::options<T> opt;
    opt.causal_mode = p.s.mode;
    opt.tiles.threads = threads;
    const attnkit::automatic_decision d =
        attnkit::automatic_choice<T>(in.q_view(), in.k_view(), in.v_view(), in.out_view(), opt);
    // 0 = the kernel's default: make it explicit, as the tuner's space names it.
    constexpr auto blocks = attnkit::tuning::default_blocks<T>();
    attention_config c;
    c.kernel = d.kernel;
    c.type = attnkit_bench::dtype_of<T>();
    c.block_kv = d.kernel == attnkit::variant::blocked ? 0 : d.tiles.block_kv ? d.tiles.block_kv : blocks.block_kv;
    // The engine's default query tile depends on head_dim and the key tile (tuning::default_block_q).
    const attnkit::index_t key_tile = d.kernel == attnkit::variant::blocked ? p.s.seq_kv : c.block_kv;
    c.block_q = d.tiles.block_q ? d.tiles.block_q
                                : attnkit::tuning::default_block_q<T>(p.s.head_dim, p.s.head_dim_v,
                                                                      std::min(key_tile, p.s.seq_kv));
    const bool threaded = d.kernel == attnkit::variant::parallel || d.kernel == attnkit::variant::decode;
    c.threads = threaded ? (d.tiles.threads ? d.tiles.threads : d.thread_budget) : 1;
    return c;
}

double provenance_number(const nlohmann::ordered_json& p, const char* field) {
    const auto found = p.find(field);
    return found != p.end() && found->is_number() ? found->get<double>() : 0.0;
}

}  // namespace

attention_config default_configuration(const problem& p, int threads) {
    return p.type == dtype::f32 ? default_of<float>(p, threads) : default_of<double>(p, threads);
}

std::optional<problem_result> find_in_wisdom(const std::string& path, const problem& p, int threads) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return std::nullopt;
    const attnkit::wisdom_file file = attnkit::read_wisdom_file(path);
    const attnkit::wisdom_key key = key_of(p, threads);
    const attnkit::wisdom_problem wanted = wisdom_problem_of(p);
    for (auto e = file.entries.rbegin(); e != file.entries.rend(); ++e) {
        if (e->key != key || e->problem != wanted) continue;
        problem_result r;
        r.p = p;
        r.from_wisdom = true;
        r.best.kernel = e->choice.kernel;
        r.best.block_q = e->choice.block_q;
        r.best.block_kv = e->choice.block_kv;
        r.best.threads = e->choice.threads;
        r.best.type = p.type;
        r.best_median = provenance_number(e->provenance, "median_s");
        r.default_median = provenance_number(e->provenance, "default_median_s");
        r.speedup = provenance_number(e->provenance, "speedup");
        r.best_ci = r.default_ci = {r.best_median, r.best_median};
        r.speedup_ci = {r.speedup, r.speedup};
        if (e->provenance.contains("default")) {
            try {
                r.default_config = config_from_json(nlohmann::json::parse(e->provenance["default"].dump()));
            } catch (const std::exception&) {
                r.default_config = default_configuration(p, threads);
            }
        } else {
            r.default_config = default_configuration(p, threads);
        }
        r.evaluations = 0;
        return r;
    }
    return std::nullopt;
}

void store_in_wisdom(const std::string& path, const problem_result& r, const campaign_options& o) {
    // A choice of another precision cannot be used by a call in this one: the
    // study's precision mode reports it, but keeps it out of the wisdom.
    if (r.best.type != r.p.type) return;
    attnkit::wisdom_entry e;
    e.key = key_of(r.p, o.space.thread_budget);
    e.problem = wisdom_problem_of(r.p);
    e.choice.kernel = r.best.kernel;
    e.choice.block_q = r.best.block_q;
    e.choice.block_kv = r.best.block_kv;
    e.choice.threads = r.best.threads;
    e.provenance = nlohmann::ordered_json::object({{"problem", r.p.name},
                    {"median_s", r.best_median},
                    {"default_median_s", r.default_median},
                    {"speedup", r.speedup},
                    {"default", nlohmann::ordered_json::parse(to_json(r.default_config).dump())},
                    {"strategy", o.strategy},
                    {"budget", o.budget},
                    {"seed", o.seed},
                    {"evaluations", r.evaluations},
                    {"commit", attnkit_bench::git_commit()},
                    {"time", utc_now()}});
    std::vector<attnkit::wisdom_entry> entries;
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) entries = attnkit::read_wisdom_file(path).entries;
    attnkit::write_wisdom_file(path, attnkit::merge_wisdom(std::move(entries), {e}));
}

}  // namespace attnkit_tune
