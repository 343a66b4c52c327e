// attnkit.automatic_choice: what variant="automatic" would run for a call, and
// why (attnkit::automatic_choice), without running it.
#include <attnkit/isa.hpp>
#include <attnkit/sdpa.hpp>

#include "bindings.hpp"
#include "sdpa_signature.hpp"

namespace attnkit_python {
namespace {

const char* source_text(attnkit::choice_source s) {
    switch (s) {
        case attnkit::choice_source::caller: return "caller";
        case attnkit::choice_source::wisdom: return "wisdom";
        case attnkit::choice_source::heuristic: return "heuristic";
    }
    return "unknown";
}

py::dict decision_dict(const attnkit::automatic_decision& d) {
    py::dict r;
    r["variant"] = variant_text(d.kernel);
    r["block_q"] = d.tiles.block_q;
    r["block_kv"] = d.tiles.block_kv;
    r["threads"] = d.tiles.threads;
    r["isa"] = isa_text(attnkit::selected_isa(d.tiles.instruction_set));
    r["source"] = source_text(d.source);
    r["thread_budget"] = d.thread_budget;
    r["wisdom_origin"] = d.wisdom_origin.empty() ? py::object(py::none()) : py::str(d.wisdom_origin);
    r["wisdom_distance"] = d.wisdom_distance < 0 ? py::object(py::none()) : py::float_(d.wisdom_distance);
    r["reason"] = d.reason;
    return r;
}

template <class T>
py::object decide(prepared_call<T>& c) {
    return decision_dict(attnkit::automatic_choice<T>(c.q_view, c.k_view, c.v_view, c.out_view, c.options));
}

constexpr const char* automatic_choice_doc = R"(automatic_choice(q, k, v, out=None, *, <the keyword arguments of sdpa>) -> dict

What attnkit.sdpa with the same arguments would run, and why, without running
it; the arguments are checked as sdpa checks them. The dict:
  variant, block_q, block_kv, threads: what the kernel gets (0 = its default)
  isa: the instruction set it runs with
  source: "wisdom" (a loaded tuning result), "heuristic" (the thresholds of
    tuning.hpp) or "caller" (variant= named one: nothing is chosen)
  thread_budget: threads= if set, else OpenMP's default
  wisdom_origin, wisdom_distance: "path:line" of the wisdom entry used (or of
    the nearest one, too far away) and its distance; None without one
  reason: one line, as ATTNKIT_LOG=debug prints it)";

}  // namespace

void bind_automatic_choice(py::module_& m) {
    def_with_sdpa_signature(m, "automatic_choice", "attnkit.automatic_choice", automatic_choice_doc,
                            [](auto& c, const call_arguments&) { return decide(c); });
}

}  // namespace attnkit_python
