// attnkit: the front door. sdpa() validates once, then chooses the variant, the
// ISA and the mask kind once per call and hands a valid problem to a kernel.
#pragma once

#include <algorithm>
#include <string>
#include <type_traits>

#include "attnkit/detail/config_namespace.hpp"
#include "attnkit/detail/fit_config.hpp"
#include "attnkit/detail/isa_kernels.hpp"
#include "attnkit/detail/kernels/naive.hpp"
#include "attnkit/detail/log.hpp"
#include "attnkit/detail/mask.hpp"
#include "attnkit/detail/problem.hpp"
#include "attnkit/detail/validate.hpp"
#include "attnkit/detail/wisdom_store.hpp"
#include "attnkit/isa.hpp"
#include "attnkit/options.hpp"
#include "attnkit/tuning.hpp"
#include "attnkit/view.hpp"

#if !defined(ATTNKIT_ISA_DISPATCH) && !defined(XSIMD_NO_SUPPORTED_ARCHITECTURE)
#include "attnkit/detail/isa_instance.hpp"
#endif

// Every function here is per configuration (detail/config_namespace.hpp); the
// process-wide wisdom store it consults (attnkit::process_wide) and the public
// types choice_source and automatic_decision are not.
namespace attnkit {
namespace detail {
ATTNKIT_BEGIN_CONFIG_NAMESPACE
template <class T>
struct same {
    using type = T;
};
template <class T>
using same_t = typename same<T>::type;

template <class T>
bool head_dim_contiguous(const problem<T>& p) {
    const auto unit = [](const auto& t) { return t.extent(3) <= 1 || t.stride(3) == 1; };
    return unit(p.q) && unit(p.k) && unit(p.v) && unit(p.out);
}

// ---- variant::automatic -------------------------------------------------------
//
// Tuning results ("wisdom", docs/wisdom.md) first: the nearest tuned problem of
// the same key, causal mode and mask kind gives the variant and the tile fields
// the caller left 0. Without one, the heuristic (thresholds in tuning.hpp).

// The heuristic's reasons, for automatic_choice() and ATTNKIT_LOG=debug.
enum class heuristic_reason { strided_head_dim, few_query_rows, enough_work_per_thread, little_work, one_thread };

struct heuristic_choice {
    variant kernel = variant::naive;
    heuristic_reason why = heuristic_reason::strided_head_dim;
    int threads = 1;     // the budget it counted on (0 before it asked)
    double flop = 0;     // float-equivalent FLOP (tuning::parallel_min_flop_per_thread)
    int use_threads = 0;  // parallel: the threads it runs on (<= threads); 0 = the kernel's default
    index_t block_q = 0;  // parallel: the query tile; 0 = the kernel's default
};

// The automatic variant's heuristic: the naive kernel where head_dim is
// strided (the SIMD variants need unit stride), decode for a few query rows per
// head; otherwise parallel on as many threads (up to the budget) as get enough
// work each, with a query tile small enough to give each of them work items,
// and flash when that is one thread (constants and provenance in tuning.hpp).
template <class T>
heuristic_choice heuristic_variant(const problem<T>& p) {
    if (!head_dim_contiguous(p)) return {variant::naive, heuristic_reason::strided_head_dim, 0, 0, 0, 0};
    if (p.seq_q <= tuning::decode_max_seq_q) return {variant::decode, heuristic_reason::few_query_rows, 0, 0, 0, 0};
    // Without OpenMP every variant runs on one thread, whatever config says.
    const int threads = openmp_enabled ? thread_budget(p.tiles.threads) : 1;
    const double flop = 2.0 * double(p.batch) * double(p.heads_q) * double(p.seq_q) * double(p.seq_kv) *
                        double(p.head_dim + p.head_dim_v) * (double(sizeof(T)) / 4.0);
    const auto enough = [&](int t) { return flop / t >= tuning::parallel_min_flop_per_thread; };
    int use = 1;
    while (use * 2 <= threads && enough(use * 2)) use *= 2;
    if (use * 2 > threads && use < threads && enough(threads)) use = threads;
    const auto items = [&](index_t block_q) { return (p.seq_q + block_q - 1) / block_q * p.batch * p.heads_q; };
    // A tile taller than seq_q is one tile of seq_q rows (detail/fit_config.hpp),
    // and items() must not overflow on config's whole range (INT64_MAX).
    index_t block_q = std::min(p.tiles.block_q, std::max<index_t>(p.seq_q, 1));
    if (block_q == 0) {
        for (const index_t choice : tuning::parallel_block_q_choices) {
            block_q = choice;
            if (items(choice) >= tuning::parallel_items_per_thread * use) break;
        }
    }
    use = static_cast<int>(std::min<index_t>(use, items(block_q)));
    if (threads > 1 && use > 1)
        return {variant::parallel, heuristic_reason::enough_work_per_thread, threads, flop, use, block_q};
    return {variant::flash, threads > 1 ? heuristic_reason::little_work : heuristic_reason::one_thread,
            threads, flop, 0, 0};
}

template <class T>
constexpr const char* dtype_name() noexcept {
    return std::is_same_v<T, float> ? "f32" : "f64";
}

// The names wisdom files and messages give causal modes and mask kinds.
inline const char* causal_name(causal mode) noexcept {
    switch (mode) {
        case causal::none: return "none";
        case causal::top_left: return "top_left";
        case causal::bottom_right: return "bottom_right";
    }
    return "unknown";
}
inline const char* mask_kind_name(mask_kind kind) noexcept {
    switch (kind) {
        case mask_kind::none: return "none";
        case mask_kind::boolean: return "bool";
        case mask_kind::additive: return "additive";
    }
    return "unknown";
}

template <class T>
process_wide::shape_bucket bucket_of(const problem<T>& p) {
    process_wide::shape_bucket b;
    b.causal = static_cast<int>(effective_causal(p.causal_offset, p.seq_kv));
    b.mask = static_cast<int>(p.mask);
    b.batch = p.batch;
    b.heads_q = p.heads_q;
    b.heads_kv = p.heads_kv;
    b.seq_q = p.seq_q;
    b.seq_kv = p.seq_kv;
    b.head_dim = p.head_dim;
    b.head_dim_v = p.head_dim_v;
    return b;
}

// What automatic runs, and why.
struct automatic_plan {
    variant kernel = variant::naive;
    config tiles;
    bool from_wisdom = false;
    heuristic_choice heuristic;        // when not from wisdom
    process_wide::wisdom_match wisdom;  // the lookup (miss says why it did not apply)
    int budget = 0;                     // the thread budget of the lookup (0: no lookup)
    bool log = false;                   // ATTNKIT_LOG=debug
};

// The variant and tiles of an automatic call. Wisdom is consulted only where
// head_dim is contiguous (the naive kernel runs otherwise, as without it) and
// only when some is loaded: otherwise this costs the heuristic and one relaxed
// atomic load.
template <class T>
automatic_plan choose_variant(const problem<T>& p) {
    automatic_plan plan;
    plan.tiles = p.tiles;
    const unsigned state = process_wide::wisdom_state();
    plan.log = (state & process_wide::log_decisions) != 0;
    if ((state & process_wide::has_entries) != 0 && head_dim_contiguous(p)) {
        plan.budget = thread_budget(p.tiles.threads);
        const process_wide::wisdom_query query{static_cast<int>(selected_isa(p.tiles.instruction_set)), plan.budget,
                                               static_cast<int>(sizeof(T)), bucket_of(p)};
        plan.wisdom = process_wide::find_wisdom(query, process_wide::wisdom_max_distance);
        if (plan.wisdom.miss == process_wide::wisdom_miss::none) {
            const process_wide::wisdom_record& r = *plan.wisdom.record;
            plan.from_wisdom = true;
            plan.kernel = static_cast<variant>(r.kernel);
            if (plan.tiles.block_q == 0) plan.tiles.block_q = static_cast<index_t>(r.block_q);
            if (plan.tiles.block_kv == 0) plan.tiles.block_kv = static_cast<index_t>(r.block_kv);
            // For automatic, config.threads is a budget, not a demand: the entry
            // was tuned with that many threads available and may use fewer (a
            // small problem runs faster on 4 threads than on 16).
            // An entry's 0 is the kernel's default: the caller's setting stays.
            if (r.choice_threads > 0) plan.tiles.threads = std::min(r.choice_threads, plan.budget);
            return plan;
        }
    }
    plan.heuristic = heuristic_variant(p);
    plan.kernel = plan.heuristic.kernel;
    if (plan.kernel == variant::parallel) {
        // As for wisdom, config.threads is a budget: the heuristic may use fewer.
        if (plan.tiles.block_q == 0) plan.tiles.block_q = plan.heuristic.block_q;
        plan.tiles.threads = plan.heuristic.use_threads;
    }
    return plan;
}

inline std::string tiles_text(variant kernel, const config& tiles) {
    const auto value = [](auto x) { return x == 0 ? std::string("default") : std::to_string(x); };
    return std::string(variant_name(kernel)) + ", block_q " + value(tiles.block_q) + ", block_kv " +
           value(tiles.block_kv) + ", threads " + value(tiles.threads);
}

inline std::string heuristic_text(const heuristic_choice& h) {
    switch (h.why) {
        case heuristic_reason::strided_head_dim:
            return "head_dim is strided (the SIMD variants need unit stride; wisdom is not consulted)";
        case heuristic_reason::few_query_rows:
            return "seq_q <= tuning::decode_max_seq_q (" + std::to_string(tuning::decode_max_seq_q) + ")";
        case heuristic_reason::enough_work_per_thread:
            return number_text(h.flop) + " flop: " + std::to_string(h.use_threads) + " of " +
                   std::to_string(h.threads) + " threads get >= tuning::parallel_min_flop_per_thread (" +
                   number_text(tuning::parallel_min_flop_per_thread) + ") each and >= " +
                   std::to_string(tuning::parallel_items_per_thread) + " tiles of block_q " +
                   std::to_string(h.block_q);
        case heuristic_reason::little_work:
            return number_text(h.flop) + " flop over 2 of " + std::to_string(h.threads) +
                   " threads < tuning::parallel_min_flop_per_thread (" +
                   number_text(tuning::parallel_min_flop_per_thread) + ") per thread";
        case heuristic_reason::one_thread: return "one thread";
    }
    return "?";
}

template <class T>
std::string no_wisdom_text(const problem<T>& p, const automatic_plan& plan) {
    const process_wide::wisdom_match& w = plan.wisdom;
    switch (w.miss) {
        case process_wide::wisdom_miss::none: break;
        case process_wide::wisdom_miss::nothing_loaded: return "no wisdom loaded";
        case process_wide::wisdom_miss::no_entry_for_key:
            return std::string("no wisdom for isa ") + isa_name(selected_isa(p.tiles.instruction_set)) +
                   ", threads " + std::to_string(plan.budget) + ", " + dtype_name<T>() + ", causal " +
                   causal_name(effective_causal(p.causal_offset, p.seq_kv)) + ", mask " + mask_kind_name(p.mask);
        case process_wide::wisdom_miss::too_far:
            return "nearest wisdom entry " + w.record->origin + " is at distance " + number_text(w.distance) +
                   " > " + number_text(process_wide::wisdom_max_distance);
    }
    return {};
}

// One line: what automatic chose and why.
template <class T>
std::string plan_text(const problem<T>& p, const automatic_plan& plan) {
    if (plan.from_wisdom)
        return "automatic: " + tiles_text(plan.kernel, plan.tiles) + " from wisdom entry " +
               plan.wisdom.record->origin + " (distance " + number_text(plan.wisdom.distance) + ")";
    std::string text = "automatic: " + tiles_text(plan.kernel, plan.tiles) + " by the heuristic: " +
                       heuristic_text(plan.heuristic);
    if (plan.heuristic.why != heuristic_reason::strided_head_dim) text += "; " + no_wisdom_text(p, plan);
    return text;
}

template <class T>
void run_on_isa(const problem<T>& p, isa x) {
#if defined(ATTNKIT_ISA_DISPATCH)
    // Each compiled-in row of the ISA table (isa_table.hpp) to its kernels,
    // defined in that ISA's dispatch unit.
    switch (x) {
#define ATTNKIT_DETAIL_ISA_RUN(name, kernels, least, cpu, flags)                         \
    case isa::name:                                                                    \
        if constexpr (isa_compiled_in(isa::name)) return isa_kernels<kernels>::run(p); \
        break;
        ATTNKIT_ISA_TABLE(ATTNKIT_DETAIL_ISA_RUN)
#undef ATTNKIT_DETAIL_ISA_RUN
        case isa::automatic: break;
    }
#elif !defined(XSIMD_NO_SUPPORTED_ARCHITECTURE)
    if (x == compiled_isa()) return isa_kernels<xsimd::default_arch>::run(p);
#else
    (void)x;
#endif
    with_mask(p, [&](const auto& mask) { kernels::naive(p, mask); });
}

ATTNKIT_END_CONFIG_NAMESPACE
}  // namespace detail

ATTNKIT_BEGIN_CONFIG_NAMESPACE

// Runs a problem that validate() accepted.
template <class T>
void run(problem<T> p) {
    if (p.batch == 0 || p.heads_q == 0 || p.seq_q == 0) return;
    if (p.kernel == variant::automatic) {
        const detail::automatic_plan plan = detail::choose_variant(p);
        if (plan.log) process_wide::log_line(process_wide::log_level::debug, detail::plan_text(p, plan));
        p.kernel = plan.kernel;
        p.tiles = plan.tiles;
    }
    if (p.kernel == variant::naive) {
        detail::with_mask(p, [&](const auto& mask) { kernels::naive(p, mask); });
        return;
    }
    detail::run_on_isa(p, selected_isa(p.tiles.instruction_set));
}

ATTNKIT_END_CONFIG_NAMESPACE

// Where automatic_choice()'s decision came from.
enum class choice_source {
    caller,     // options.kernel named a variant: automatic does not choose
    wisdom,     // a tuned entry (load_wisdom, ATTNKIT_WISDOM; see <attnkit/wisdom.hpp>)
    heuristic,  // the thresholds in tuning.hpp
};

// What a call runs with and why.
struct automatic_decision {
    variant kernel = variant::naive;
    // The tiles the kernel gets: the caller's, with the fields the caller left
    // 0 filled from wisdom when it applies. 0 still means the kernel's default
    // (tuning::default_blocks; threads: OpenMP's default).
    config tiles;
    choice_source source = choice_source::heuristic;
    int thread_budget = 1;          // config.threads, else OpenMP's default (1 without OpenMP)
    std::string wisdom_origin;      // "path:line" of the entry used, or of the nearest one too far away
    double wisdom_distance = -1.0;  // its distance (docs/wisdom.md), -1 when there is none
    std::string reason;             // one line, as ATTNKIT_LOG=debug prints it
};

ATTNKIT_BEGIN_CONFIG_NAMESPACE

// The decision sdpa(q, k, v, out, opt) would take, without running anything:
// the tuner reports it as the default's configuration. Validates as sdpa()
// does (throws attnkit::error on the same inputs).
template <class T>
automatic_decision automatic_choice(detail::same_t<tensor4<const T>> q, detail::same_t<tensor4<const T>> k,
                                    detail::same_t<tensor4<const T>> v, tensor4<T> out,
                                    const options<T>& opt = {}) {
    const problem<T> p = validate<T>(q, k, v, out, opt);
    automatic_decision d;
    d.thread_budget = detail::thread_budget(p.tiles.threads);
    if (p.kernel != variant::automatic) {
        d.kernel = p.kernel;
        d.tiles = p.tiles;
        d.source = choice_source::caller;
        d.reason = std::string("the caller named the ") + detail::variant_name(p.kernel) + " variant";
        return d;
    }
    const detail::automatic_plan plan = detail::choose_variant(p);
    d.kernel = plan.kernel;
    d.tiles = plan.tiles;
    d.source = plan.from_wisdom ? choice_source::wisdom : choice_source::heuristic;
    if (plan.wisdom.record != nullptr) {
        d.wisdom_origin = plan.wisdom.record->origin;
        d.wisdom_distance = plan.wisdom.distance;
    }
    d.reason = detail::plan_text(p, plan);
    return d;
}

// out = softmax(scale * q k^T + mask) v, per (batch, query head), with the
// semantics of PyTorch's scaled_dot_product_attention (see README.md):
//   q   [batch, heads_q,  seq_q,  head_dim]     k [batch, heads_kv, seq_kv, head_dim]
//   v   [batch, heads_kv, seq_kv, head_dim_v]   out [batch, heads_q, seq_q, head_dim_v]
// Query head h reads kv head h / (heads_q / heads_kv) (grouped-query attention).
// Throws attnkit::error, before writing anything, when the inputs break the contract.
template <class T>
void sdpa(detail::same_t<tensor4<const T>> q, detail::same_t<tensor4<const T>> k,
          detail::same_t<tensor4<const T>> v, tensor4<T> out, const options<T>& opt = {}) {
    run(validate<T>(q, k, v, out, opt));
}

ATTNKIT_END_CONFIG_NAMESPACE
}  // namespace attnkit
