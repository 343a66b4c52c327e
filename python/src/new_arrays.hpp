// attnkit's Python module: the arrays attnkit.sdpa allocates (out and lse when
// the caller gives none).
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>
#include <vector>

#include <pybind11/numpy.h>

namespace attnkit_python {

namespace py = pybind11;

// Where a new array's data starts: a cache line, as PyTorch's allocator does.
// NumPy's large allocations start 16 bytes past a page, and in float that
// offset cost the kernels 2-4 % in bench/ab (commit 2248052, which aligned the
// benchmarks' buffers for the same reason).
inline constexpr std::size_t new_array_alignment = 64;

// A new, uninitialised, writable C-contiguous array of T: a view, starting on
// the alignment, of a byte array (its base) a little larger than needed.
template <class T>
py::array_t<T> aligned_empty(std::initializer_list<py::ssize_t> shape, const char* function) {
    constexpr auto limit = std::numeric_limits<py::ssize_t>::max();
    py::ssize_t bytes = static_cast<py::ssize_t>(sizeof(T));
    for (py::ssize_t e : shape) {
        if (e != 0 && bytes > (limit - static_cast<py::ssize_t>(new_array_alignment)) / e)
            throw py::value_error(std::string(function) + ": the result is too large to allocate");
        bytes *= e;
    }
    py::array_t<std::uint8_t> buffer(bytes + static_cast<py::ssize_t>(new_array_alignment));
    std::uint8_t* start = buffer.mutable_data();
    const auto misalignment = reinterpret_cast<std::uintptr_t>(start) % new_array_alignment;
    if (misalignment != 0) start += new_array_alignment - misalignment;
    return py::array_t<T>(std::vector<py::ssize_t>(shape), reinterpret_cast<T*>(start), buffer);
}

}  // namespace attnkit_python
