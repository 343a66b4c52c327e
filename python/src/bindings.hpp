// attnkit's Python module: each part of the module adds its functions here.
#pragma once

#include <pybind11/pybind11.h>

namespace attnkit_python {

// attnkit.sdpa.
void bind_sdpa(pybind11::module_& m);

}  // namespace attnkit_python
