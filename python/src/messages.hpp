// attnkit's Python module: pieces of error messages.
#pragma once

#include <string>

#include <pybind11/pybind11.h>

namespace attnkit_python {

// The Python type of an object, as `type(x).__name__` says it ("list", "Tensor").
inline std::string type_name(const pybind11::handle& value) { return Py_TYPE(value.ptr())->tp_name; }

}  // namespace attnkit_python
