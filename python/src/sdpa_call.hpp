// attnkit's Python module: the arguments of attnkit.sdpa (and of the calls that
// take the same ones) turned into attnkit's views and options for element type T.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <attnkit/options.hpp>
#include <attnkit/view.hpp>

#include "messages.hpp"
#include "names.hpp"
#include "new_arrays.hpp"
#include "numpy_views.hpp"

namespace attnkit_python {

// The Python arguments, as received.
struct call_arguments {
    const char* function = "attnkit.sdpa";
    py::object q, k, v, out, scale, causal, mask, lse;
    bool return_lse = false;
    std::string variant = "automatic", isa = "automatic";
    attnkit::index_t block_q = 0, block_kv = 0;
    int threads = 0;

    argument arg(const char* name, const char* shape) const { return {function, name, shape}; }
};

inline constexpr const char* q_shape = "[batch, heads_q, seq_q, head_dim]";
inline constexpr const char* k_shape = "[batch, heads_kv, seq_kv, head_dim]";
inline constexpr const char* v_shape = "[batch, heads_kv, seq_kv, head_dim_v]";
inline constexpr const char* out_shape = "[batch, heads_q, seq_q, head_dim_v]";
inline constexpr const char* lse_shape = "[batch, heads_q, seq_q]";
inline constexpr const char* mask_shape = "[batch, heads_q, seq_q, seq_kv] or [seq_q, seq_kv]";

// A call ready to run. The arrays are held so that the views stay valid
// (py::array has no empty state: a default one is a new zero-size array).
template <class T>
struct prepared_call {
    py::array q, k, v, out;
    std::optional<py::array> lse, mask;
    attnkit::tensor4<const T> q_view, k_view, v_view;
    attnkit::tensor4<T> out_view;
    attnkit::options<T> options;
};

// Calls f(T{}) with T the element type of q: float for float32, double for float64.
template <class F>
py::object with_element_type(const py::array& q, const argument& arg, F&& f) {
    if (has_dtype<float>(q)) return f(float{});
    if (has_dtype<double>(q)) return f(double{});
    throw py::type_error(arg.prefix() + " must be float32 or float64, got " + dtype_text(q));
}

// An array argument of q's element type T.
template <class T>
py::array same_dtype_operand(const py::handle& value, const argument& arg, const py::array& q, py::ssize_t rank,
                             bool writable) {
    py::array a = require_ndarray(value, arg);
    if (!has_dtype<T>(a))
        throw py::type_error(arg.prefix() + " has dtype " + dtype_text(a) + " but q has " + dtype_text(q) +
                             ": they must be the same");
    check_viewable(a, arg, rank, writable);
    return a;
}

// A rank-4 mask view of element type M: rank 4 as it is, rank 2 [seq_q, seq_kv]
// broadcast over batch and heads (stride 0), like attnkit::broadcast_mask.
template <class M>
attnkit::tensor4<const M> mask_view(const py::array& mask) {
    if (mask.ndim() == 4) return view_of<const M, 4>(mask);
    const auto plane = view_of<const M, 2>(mask);
    return {plane.data(), {1, 1, plane.extent(0), plane.extent(1)}, {0, 0, plane.stride(0), plane.stride(1)}};
}

template <class T>
void prepare_mask(const call_arguments& a, prepared_call<T>& c) {
    if (a.mask.is_none()) return;
    const argument arg = a.arg("mask", mask_shape);
    const py::array& mask = c.mask.emplace(require_ndarray(a.mask, arg));
    const bool boolean = has_dtype<bool>(mask);
    if (!boolean && !has_dtype<T>(mask))
        throw py::type_error(arg.prefix() + " must be bool (True = the key takes part) or additive of q's dtype " +
                             dtype_text(c.q) + ", got " + dtype_text(mask));
    check_viewable(mask, arg, mask.ndim() == 2 ? 2 : 4, false);
    if (boolean)
        c.options.mask = mask_view<bool>(mask);
    else
        c.options.mask = mask_view<T>(mask);
}

inline std::optional<double> scale_of(const call_arguments& a) {
    if (a.scale.is_none()) return std::nullopt;
    try {
        return a.scale.cast<double>();
    } catch (const py::cast_error&) {
        throw py::type_error(std::string(a.function) + ": scale must be a number or None, got " + type_name(a.scale));
    }
}

// Every check of the arguments' Python side; the library checks the rest
// (extents, broadcasting, overlap, settings) when it runs.
template <class T>
prepared_call<T> prepare(const call_arguments& a, const py::array& q) {
    prepared_call<T> c;
    // The settings first: they cost nothing to check, and out may be allocated below.
    c.options.scale = scale_of(a);
    c.options.causal_mode = parse_causal(a.causal, a.function);
    c.options.kernel = parse_variant(a.variant, a.function);
    c.options.tiles.block_q = a.block_q;
    c.options.tiles.block_kv = a.block_kv;
    c.options.tiles.threads = a.threads;
    c.options.tiles.instruction_set = parse_isa(a.isa, a.function);

    c.q = q;
    check_viewable(c.q, a.arg("q", q_shape), 4, false);
    c.k = same_dtype_operand<T>(a.k, a.arg("k", k_shape), q, 4, false);
    c.v = same_dtype_operand<T>(a.v, a.arg("v", v_shape), q, 4, false);
    if (a.out.is_none())
        c.out = aligned_empty<T>({q.shape(0), q.shape(1), q.shape(2), c.v.shape(3)}, a.function);
    else
        c.out = same_dtype_operand<T>(a.out, a.arg("out", out_shape), q, 4, true);
    if (!a.lse.is_none())
        c.lse = same_dtype_operand<T>(a.lse, a.arg("lse", lse_shape), q, 3, true);
    else if (a.return_lse)
        c.lse = aligned_empty<T>({q.shape(0), q.shape(1), q.shape(2)}, a.function);
    prepare_mask(a, c);

    c.q_view = view_of<const T, 4>(c.q);
    c.k_view = view_of<const T, 4>(c.k);
    c.v_view = view_of<const T, 4>(c.v);
    c.out_view = view_of<T, 4>(c.out);
    if (c.lse) c.options.lse = view_of<T, 3>(*c.lse);
    return c;
}

// prepare<T> for q's element type, then f(prepared_call<T>&).
template <class F>
py::object with_prepared_call(const call_arguments& a, F&& f) {
    const py::array q = require_ndarray(a.q, a.arg("q", q_shape));
    return with_element_type(q, a.arg("q", q_shape), [&](auto element) {
        auto c = prepare<decltype(element)>(a, q);
        return f(c);
    });
}

}  // namespace attnkit_python
