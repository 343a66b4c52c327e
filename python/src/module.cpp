// attnkit's Python module (_attnkit, re-exported by the attnkit package): the
// library's error type, version, names, instruction sets and thread count;
// the computing functions are bound in their own files (bindings.hpp).
#ifdef _OPENMP
#include <omp.h>
#endif

#include <string>

#include <pybind11/pybind11.h>

#include <attnkit/error.hpp>
#include <attnkit/isa.hpp>
#include <attnkit/version.hpp>

#include "bindings.hpp"
#include "names.hpp"

namespace py = pybind11;

namespace attnkit_python {
namespace {

std::string version_text() {
    return std::to_string(attnkit::version.major) + "." + std::to_string(attnkit::version.minor) + "." +
           std::to_string(attnkit::version.patch);
}

template <class E, class Text>
py::tuple names_of(const std::vector<E>& all, Text text) {
    py::tuple names(all.size());
    for (std::size_t n = 0; n < all.size(); ++n) names[n] = py::str(text(all[n]));
    return names;
}

std::string selected_isa(const std::string& requested) {
    return isa_text(attnkit::selected_isa(parse_isa(requested, "attnkit.selected_isa")));
}

int max_threads() {
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

}  // namespace
}  // namespace attnkit_python

PYBIND11_MODULE(_attnkit, m) {
    using namespace attnkit_python;
    // The docstrings start with the Python signature, keyword-only marker and
    // defaults included, which pybind11's generated one would spell with C++ types.
    py::options options;
    options.disable_function_signatures();

    m.doc() = "attnkit: CPU scaled-dot-product attention kernels (PyTorch SDPA semantics) on NumPy arrays";

    // The library's own errors keep its exact message ("attnkit: ...").
    py::register_exception<attnkit::error>(m, "Error", PyExc_ValueError);

    m.attr("__version__") = version_text();
    m.attr("variants") = names_of(all_variants(), variant_text);
    m.attr("isas") = names_of(all_isas(), isa_text);

    m.def("selected_isa", &selected_isa, py::arg("isa") = "automatic",
          "selected_isa(isa=\"automatic\") -> str\n\n"
          "The instruction set a call with this isa= runs with: the one asked for if it is compiled in and the CPU "
          "has it, else the widest one that is; 'automatic' when none is (every variant then runs the naive "
          "kernel).");
    m.def("max_threads", &max_threads,
          "max_threads() -> int\n\n"
          "The threads a call with threads=0 uses: OpenMP's default (OMP_NUM_THREADS), or 1 without OpenMP.");

    bind_sdpa(m);
    bind_automatic_choice(m);
#if defined(ATTNKIT_PYTHON_WISDOM)
    bind_wisdom(m);
#endif
}
