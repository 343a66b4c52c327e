// attnkit: the definitions behind isa_kernels<Arch>. Included by the translation
// unit of each ISA (see isa_kernels.hpp), or by sdpa.hpp itself when runtime
// dispatch is off and the kernels use the ISA the including unit is compiled for.
#pragma once

#include "attnkit/detail/config_namespace.hpp"
#include "attnkit/detail/isa_kernels.hpp"
#include "attnkit/detail/kernels/blocked.hpp"
#include "attnkit/detail/kernels/decode.hpp"
#include "attnkit/detail/kernels/flash.hpp"
#include "attnkit/detail/kernels/parallel.hpp"
#include "attnkit/detail/mask.hpp"

namespace attnkit {
namespace detail {
ATTNKIT_BEGIN_CONFIG_NAMESPACE

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

ATTNKIT_END_CONFIG_NAMESPACE
ATTNKIT_DETAIL_BEGIN_KERNELS_NAMESPACE

template <class Arch>
void isa_kernels<Arch>::run(const problem<float>& p) {
    run_simd<float, Arch>(p);
}

template <class Arch>
void isa_kernels<Arch>::run(const problem<double>& p) {
    run_simd<double, Arch>(p);
}

ATTNKIT_DETAIL_END_KERNELS_NAMESPACE
}  // namespace detail
}  // namespace attnkit
