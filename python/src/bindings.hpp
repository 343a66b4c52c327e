// attnkit's Python module: each part of the module adds its functions here.
#pragma once

#include <pybind11/pybind11.h>

namespace attnkit_python {

// attnkit.sdpa.
void bind_sdpa(pybind11::module_& m);

// attnkit.automatic_choice.
void bind_automatic_choice(pybind11::module_& m);

#if defined(ATTNKIT_PYTHON_WISDOM)
// attnkit.load_wisdom, clear_wisdom, loaded_wisdom_entries, wisdom_key: only where
// <attnkit/wisdom.hpp> can be built (it needs nlohmann's JSON library).
void bind_wisdom(pybind11::module_& m);
#endif

}  // namespace attnkit_python
