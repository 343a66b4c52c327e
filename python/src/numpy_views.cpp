#include "numpy_views.hpp"

#include <cstdint>

#include "messages.hpp"

namespace attnkit_python {

py::array require_ndarray(const py::handle& value, const argument& arg) {
    if (!py::isinstance<py::array>(value))
        throw py::type_error(arg.prefix() + " must be a numpy.ndarray " + arg.shape + ", got " + type_name(value) +
                             " (for a CPU torch.Tensor, pass t.numpy(): a view, not a copy)");
    return py::reinterpret_borrow<py::array>(value);
}

std::string dtype_text(const py::array& a) { return py::str(a.dtype()); }

void check_viewable(const py::array& a, const argument& arg, py::ssize_t rank, bool writable) {
    if (a.ndim() != rank)
        throw py::value_error(arg.prefix() + " must have " + std::to_string(rank) + " dimensions " + arg.shape +
                              ", got " + std::to_string(a.ndim()));
    if (writable && !a.writeable())
        throw py::value_error(arg.prefix() + " is read-only; the result is written into it");
    const py::ssize_t size = a.itemsize();
    if (a.size() == 0) return;  // nothing is addressed
    const auto address = reinterpret_cast<std::uintptr_t>(a.data());
    if (address % static_cast<std::uintptr_t>(size) != 0)
        throw py::value_error(arg.prefix() + "'s data is not aligned to its " + dtype_text(a) + " elements (address " +
                              std::to_string(address % static_cast<std::uintptr_t>(size)) + " bytes past a multiple of " +
                              std::to_string(size) + ")");
    for (py::ssize_t d = 0; d < rank; ++d)
        if (a.shape(d) > 1 && a.strides(d) % size != 0)
            throw py::value_error(arg.prefix() + "'s stride along axis " + std::to_string(d) + " (" +
                                  std::to_string(a.strides(d)) + " bytes) is not a multiple of its element size (" +
                                  std::to_string(size) + " bytes)");
}

}  // namespace attnkit_python
