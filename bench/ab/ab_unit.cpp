// attnkit A/B: the library of one revision behind attnkit_ab::call. run.sh
// compiles this file twice, each time against one revision's headers and with
// -Dattnkit=attnkit_<revision>, so the two header-only builds live in distinct
// namespaces of one program (ATTNKIT_AB_ENTRY names the entry point).
#include <type_traits>

#include <attnkit/attnkit.hpp>

#include "ab_call.hpp"

namespace {

template <class T>
void run_typed(const attnkit_ab::call& c) {
    attnkit::options<T> opt;
    using kind = attnkit_ab::call::kind;
    opt.kernel = c.variant == kind::decode     ? attnkit::variant::decode
                 : c.variant == kind::parallel ? attnkit::variant::parallel
                                               : attnkit::variant::flash;
    if (c.causal)
        opt.causal_mode = c.variant == kind::decode ? attnkit::causal::bottom_right : attnkit::causal::top_left;
    opt.tiles.threads = c.threads;
    const auto* q = static_cast<const T*>(c.q);
    const auto* k = static_cast<const T*>(c.k);
    const auto* v = static_cast<const T*>(c.v);
    auto* out = static_cast<T*>(c.out);
    attnkit::sdpa<T>(attnkit::bhsd<const T>(q, 1, c.heads_q, c.seq_q, c.head_dim),
                     attnkit::bhsd<const T>(k, 1, c.heads_kv, c.seq_kv, c.head_dim),
                     attnkit::bhsd<const T>(v, 1, c.heads_kv, c.seq_kv, c.head_dim),
                     attnkit::bhsd<T>(out, 1, c.heads_q, c.seq_q, c.head_dim), opt);
}

}  // namespace

void attnkit_ab::ATTNKIT_AB_ENTRY(const call& c) {
    if (c.f64)
        run_typed<double>(c);
    else
        run_typed<float>(c);
}
