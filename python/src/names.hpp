// attnkit's Python module: the names by which Python code picks a variant, an
// instruction set and a causal alignment, and back.
#pragma once

#include <string>
#include <vector>

#include <pybind11/pybind11.h>

#include <attnkit/options.hpp>

namespace attnkit_python {

namespace py = pybind11;

// In the order the module lists them (attnkit.variants, attnkit.isas).
const std::vector<attnkit::variant>& all_variants();
const std::vector<attnkit::isa>& all_isas();

const char* variant_text(attnkit::variant v);
const char* isa_text(attnkit::isa x);
const char* causal_text(attnkit::causal c);

// The enumerator a name stands for; ValueError naming the function, the
// argument and the accepted names otherwise. `function` is e.g. "attnkit.sdpa".
attnkit::variant parse_variant(const std::string& name, const char* function);
attnkit::isa parse_isa(const std::string& name, const char* function);

// causal accepts a name, or a bool as PyTorch's is_causal (True = "top_left").
attnkit::causal parse_causal(const py::handle& value, const char* function);

}  // namespace attnkit_python
