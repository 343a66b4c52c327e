// attnkit: the running maximum of scores, shared by the online softmax and the
// score kernel's epilogue, which must agree on it bit for bit.
#pragma once

#include <xsimd/xsimd.hpp>

#include "attnkit/detail/config_namespace.hpp"

namespace attnkit {
namespace detail {
ATTNKIT_BEGIN_CONFIG_NAMESPACE

// max(m, s) per lane where s is not NaN, m where it is: a NaN score never
// enters a maximum (it reaches the output through its weight exp(NaN)
// instead), and m, once free of NaN, stays so.
template <class T, class Arch>
inline xsimd::batch<T, Arch> max_ignoring_nan(const xsimd::batch<T, Arch>& m,
                                              const xsimd::batch<T, Arch>& s) noexcept {
    return xsimd::select(s > m, s, m);
}

ATTNKIT_END_CONFIG_NAMESPACE
}  // namespace detail
}  // namespace attnkit
