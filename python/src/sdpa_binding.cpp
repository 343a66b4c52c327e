// attnkit.sdpa: attnkit::sdpa on NumPy arrays, in place, without the GIL.
#include <attnkit/sdpa.hpp>

#include "bindings.hpp"
#include "sdpa_signature.hpp"

namespace attnkit_python {
namespace {

template <class T>
py::object run_sdpa(prepared_call<T>& c, const call_arguments& a) {
    {
        // The arrays stay referenced by c (and by the caller's frame) while
        // other Python threads run; the library touches nothing else.
        py::gil_scoped_release unlocked;
        attnkit::sdpa<T>(c.q_view, c.k_view, c.v_view, c.out_view, c.options);
    }
    if (a.return_lse) return py::make_tuple(c.out, *c.lse);
    return c.out;
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
    def_with_sdpa_signature(m, "sdpa", "attnkit.sdpa", sdpa_doc,
                            [](auto& c, const call_arguments& a) { return run_sdpa(c, a); });
}

}  // namespace attnkit_python
