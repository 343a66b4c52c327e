// attnkit: the SIMD kernels of one instruction set, as a class whose members are
// declared here and defined in isa_instance.hpp. With runtime dispatch, each ISA's
// members are compiled in their own translation unit with that ISA's flags
// (attnkit_add_isa_dispatch generates them), and the front door, compiled for the
// baseline ISA, sees only these declarations: no wide instruction can leak into
// code that runs before the CPU has been checked.
#pragma once

#include "attnkit/detail/config_namespace.hpp"
#include "attnkit/detail/problem.hpp"

// With runtime dispatch, isa_kernels<Arch> is the one interface shared by
// units built with different flags: the front door's call and the ISA unit's
// definition must name the same class, so it stays outside the per-configuration
// namespace (detail/config_namespace.hpp); each ISA unit defines only its own
// Arch. Header-only, every unit instantiates it for its own ISA, and two units
// of one ISA but different OpenMP settings must not share it: it is then per
// configuration like everything else.
#if defined(ATTNKIT_ISA_DISPATCH)
#define ATTNKIT_DETAIL_BEGIN_KERNELS_NAMESPACE
#define ATTNKIT_DETAIL_END_KERNELS_NAMESPACE
#else
#define ATTNKIT_DETAIL_BEGIN_KERNELS_NAMESPACE ATTNKIT_BEGIN_CONFIG_NAMESPACE
#define ATTNKIT_DETAIL_END_KERNELS_NAMESPACE ATTNKIT_END_CONFIG_NAMESPACE
#endif

namespace attnkit {
namespace detail {
ATTNKIT_DETAIL_BEGIN_KERNELS_NAMESPACE

template <class Arch>
struct isa_kernels {
    // Runs p.kernel, one of blocked, flash, parallel or decode.
    static void run(const problem<float>& p);
    static void run(const problem<double>& p);
};

ATTNKIT_DETAIL_END_KERNELS_NAMESPACE
}  // namespace detail
}  // namespace attnkit
