// attnkit's Python module: the signature of attnkit.sdpa, shared by the
// functions that take the same arguments (attnkit.automatic_choice), so that
// their names, order and defaults cannot drift apart.
//
//   f(q, k, v, out=None, *, scale=None, causal="none", mask=None, lse=None, return_lse=False,
//     variant="automatic", block_q=0, block_kv=0, threads=0, isa="automatic")
#pragma once

#include <string>
#include <utility>

#include <pybind11/pybind11.h>

#include "sdpa_call.hpp"

namespace attnkit_python {

// Defines m.<name> with that signature; the call prepares the arguments
// (sdpa_call.hpp) and returns action(prepared_call<T>&) for q's element type.
template <class Action>
void def_with_sdpa_signature(py::module_& m, const char* name, const char* function, const char* doc,
                             Action action) {
    auto entry = [function, action](py::object q, py::object k, py::object v, py::object out, py::object scale,
                                    py::object causal, py::object mask, py::object lse, bool return_lse,
                                    std::string variant, attnkit::index_t block_q, attnkit::index_t block_kv,
                                    int threads, std::string isa) {
        call_arguments a;
        a.function = function;
        a.q = std::move(q);
        a.k = std::move(k);
        a.v = std::move(v);
        a.out = std::move(out);
        a.scale = std::move(scale);
        a.causal = std::move(causal);
        a.mask = std::move(mask);
        a.lse = std::move(lse);
        a.return_lse = return_lse;
        a.variant = std::move(variant);
        a.isa = std::move(isa);
        a.block_q = block_q;
        a.block_kv = block_kv;
        a.threads = threads;
        return with_prepared_call(a, [&](auto& c) { return action(c, a); });
    };
    m.def(name, entry, doc, py::arg("q"), py::arg("k"), py::arg("v"), py::arg("out") = py::none(), py::kw_only(),
          py::arg("scale") = py::none(), py::arg("causal") = "none", py::arg("mask") = py::none(),
          py::arg("lse") = py::none(), py::arg("return_lse") = false, py::arg("variant") = "automatic",
          py::arg("block_q") = 0, py::arg("block_kv") = 0, py::arg("threads") = 0, py::arg("isa") = "automatic");
}

}  // namespace attnkit_python
