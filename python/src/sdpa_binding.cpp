// attnkit.sdpa: attnkit::sdpa on NumPy arrays, in place, without the GIL.
#include <attnkit/sdpa.hpp>

#include "bindings.hpp"
#include "sdpa_call.hpp"

namespace attnkit_python {
namespace {

template <class T>
py::object run_sdpa(prepared_call<T>& c, bool return_lse) {
    {
        // The arrays stay referenced by c (and by the caller's frame) while
        // other Python threads run; the library touches nothing else.
        py::gil_scoped_release unlocked;
        attnkit::sdpa<T>(c.q_view, c.k_view, c.v_view, c.out_view, c.options);
    }
    if (return_lse) return py::make_tuple(c.out, *c.lse);
    return c.out;
}

py::object sdpa(py::object q, py::object k, py::object v, py::object out, py::object scale, py::object causal,
                py::object mask, py::object lse, bool return_lse, std::string variant, attnkit::index_t block_q,
                attnkit::index_t block_kv, int threads, std::string isa) {
    call_arguments a;
    a.function = "attnkit.sdpa";
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
    return with_prepared_call(a, [&](auto& c) { return run_sdpa(c, return_lse); });
}

constexpr const char* sdpa_doc = R"(sdpa(q, k, v, out=None, *, scale=None, causal="none", mask=None, lse=None,
     return_lse=False, variant="automatic", block_q=0, block_kv=0, threads=0, isa="automatic")

out = softmax(scale * q @ k^T + mask) @ v per batch and query head, with the
semantics of PyTorch's scaled_dot_product_attention (attnkit::sdpa).

q    [batch, heads_q, seq_q, head_dim]     k [batch, heads_kv, seq_kv, head_dim]
v    [batch, heads_kv, seq_kv, head_dim_v] out [batch, heads_q, seq_q, head_dim_v]

Arrays are float32 or float64 (all the same dtype) and are never copied: any
strides are passed to the library as they are (transposed BSHD views, slices,
np.broadcast_to). heads_q must be a multiple of heads_kv (grouped-query
attention).

out: a writable array to write into (and return); None allocates a
  C-contiguous one.
scale: multiplies q k^T; None means 1/sqrt(head_dim).
causal: "none", "top_left" (PyTorch's is_causal; True means this) or
  "bottom_right" (the queries are the last seq_q positions).
mask: a bool array (True = the key takes part) or an additive array of q's
  dtype, [batch, heads_q, seq_q, seq_kv] with extent-1 dimensions broadcast, or
  [seq_q, seq_kv] for every batch and head.
lse: a writable [batch, heads_q, seq_q] array that receives log(sum exp(s)).
return_lse: return (out, lse), allocating lse when it is None.
variant: one of attnkit.variants; isa: one of attnkit.isas.
block_q, block_kv, threads: tile sizes and OpenMP threads; 0 lets attnkit
  choose (threads=0: OpenMP's default, OMP_NUM_THREADS).

Rows that see no key give zeros and lse -inf. The GIL is released while the
kernels run. Raises attnkit.Error (a ValueError) with the library's message
for inputs the library rejects, TypeError or ValueError for arrays that cannot
be passed to it.)";

}  // namespace

void bind_sdpa(py::module_& m) {
    m.def("sdpa", &sdpa, sdpa_doc, py::arg("q"), py::arg("k"), py::arg("v"), py::arg("out") = py::none(),
          py::kw_only(), py::arg("scale") = py::none(), py::arg("causal") = "none", py::arg("mask") = py::none(),
          py::arg("lse") = py::none(), py::arg("return_lse") = false, py::arg("variant") = "automatic",
          py::arg("block_q") = 0, py::arg("block_kv") = 0, py::arg("threads") = 0, py::arg("isa") = "automatic");
}

}  // namespace attnkit_python
