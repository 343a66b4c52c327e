// attnkit: the definitions behind isa_kernels<Arch>. Included by the translation
// unit of each ISA (see isa_kernels.hpp), or by sdpa.hpp itself when runtime
// dispatch is off and the kernels use the ISA the including unit is compiled for.
#pragma once

#include "attnkit/detail/isa_kernels.hpp"
#include "attnkit/kernels/blocked.hpp"
#include "attnkit/kernels/decode.hpp"
#include "attnkit/kernels/flash.hpp"
#include "attnkit/kernels/parallel.hpp"
#include "attnkit/mask.hpp"

namespace attnkit {
namespace detail {

template <class T, class Arch>
void run_simd(const problem<T>& p) {
    with_mask(p, [&](const auto& mask) {
        switch (p.kernel) {
            case variant::blocked: kernels::blocked<T, Arch>(p, mask); break;
            case variant::parallel: kernels::parallel<T, Arch>(p, mask); break;
            case variant::decode: kernels::decode<T, Arch>(p, mask); break;
            default: kernels::flash<T, Arch>(p, mask); break;
        }
    });
}

template <class Arch>
void isa_kernels<Arch>::run(const problem<float>& p) {
    run_simd<float, Arch>(p);
}

template <class Arch>
void isa_kernels<Arch>::run(const problem<double>& p) {
    run_simd<double, Arch>(p);
}

}  // namespace detail
}  // namespace attnkit
