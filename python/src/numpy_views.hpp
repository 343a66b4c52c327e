// attnkit's Python module: NumPy arrays as attnkit's strided views, never copied.
//
// A view takes the array's data pointer, its shape and its strides converted
// from bytes to elements, so every layout NumPy can describe (transposes,
// slices with steps, the stride-0 dimensions of np.broadcast_to) reaches the
// library as it is; what the library accepts is then the library's decision.
// Only what the conversion itself cannot represent is refused here.
#pragma once

#include <cstddef>
#include <string>
#include <type_traits>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <attnkit/view.hpp>

namespace attnkit_python {

namespace py = pybind11;

// One argument of one function, for messages: "attnkit.sdpa: q ...".
struct argument {
    const char* function;  // "attnkit.sdpa"
    const char* name;      // "q"
    const char* shape;     // "[batch, heads_q, seq_q, head_dim]"

    std::string prefix() const { return std::string(function) + ": " + name; }
};

// The ndarray an argument holds; TypeError for anything else. Nothing is
// converted: a conversion would copy, and a converted out would not be the
// caller's buffer.
py::array require_ndarray(const py::handle& value, const argument& arg);

// True when the array's elements are E in native byte order.
template <class E>
bool has_dtype(const py::array& a) {
    return py::isinstance<py::array_t<E>>(a);
}

std::string dtype_text(const py::array& a);

// ValueError unless the array has `rank` dimensions, a data pointer aligned to
// its elements and byte strides that are whole elements (dimensions of extent
// 0 or 1 excepted: nothing is ever stepped over them). With `writable`, also
// unless the array may be written.
void check_viewable(const py::array& a, const argument& arg, py::ssize_t rank, bool writable);

// The view of an array that check_viewable accepted (and whose dtype is E's).
template <class E, std::size_t Rank>
attnkit::strided_view<E, Rank> view_of(const py::array& a) {
    using element = std::remove_const_t<E>;
    constexpr auto size = static_cast<py::ssize_t>(sizeof(element));
    typename attnkit::strided_view<E, Rank>::extents_type extents{}, strides{};
    for (std::size_t d = 0; d < Rank; ++d) {
        const auto axis = static_cast<py::ssize_t>(d);
        extents[d] = a.shape(axis);
        // The stride of a dimension of extent 0 or 1 is never used; NumPy may
        // leave any value there.
        strides[d] = a.strides(axis) % size == 0 ? a.strides(axis) / size : 0;
    }
    E* data;
    if constexpr (std::is_const_v<E>)
        data = static_cast<E*>(a.data());
    else
        data = static_cast<E*>(const_cast<py::array&>(a).mutable_data());
    return {data, extents, strides};
}

}  // namespace attnkit_python
