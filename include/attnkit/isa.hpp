// attnkit: which instruction set the SIMD kernels run with.
//
// Two build modes:
// - Runtime dispatch (ATTNKIT_ISA_DISPATCH, set by the CMake function
//   attnkit_add_isa_dispatch): every ISA in ATTNKIT_HAVE_ISA_* is compiled in its
//   own translation unit, and the widest one the CPU supports is chosen at run
//   time, once per call, at the front door. One binary runs on any x86-64 CPU.
// - Header only: the kernels use the ISA the including translation unit is
//   compiled for (xsimd::default_arch, e.g. SSE2 without -m flags).
#pragma once

#include <xsimd/xsimd.hpp>

#include "attnkit/detail/config_namespace.hpp"
#include "attnkit/detail/isa_table.hpp"
#include "attnkit/options.hpp"

namespace attnkit {
ATTNKIT_BEGIN_CONFIG_NAMESPACE

inline const char* isa_name(isa x) noexcept {
    switch (x) {
        case isa::automatic: return "automatic";
#define ATTNKIT_DETAIL_ISA_NAME(name, kernels, least, cpu, flags) \
    case isa::name: return #name;
            ATTNKIT_ISA_TABLE(ATTNKIT_DETAIL_ISA_NAME)
#undef ATTNKIT_DETAIL_ISA_NAME
    }
    return "unknown";
}

ATTNKIT_END_CONFIG_NAMESPACE

namespace detail {
ATTNKIT_BEGIN_CONFIG_NAMESPACE

#if defined(ATTNKIT_ISA_DISPATCH)
// Whether attnkit_add_isa_dispatch compiled x's kernels in (isa_table.hpp).
constexpr bool isa_compiled_in(isa x) noexcept {
#define ATTNKIT_DETAIL_ISA_COMPILED(name, kernels, least, cpu, flags) \
    || (x == isa::name && ATTNKIT_DETAIL_HAVE_ISA_##name)
    return false ATTNKIT_ISA_TABLE(ATTNKIT_DETAIL_ISA_COMPILED);
#undef ATTNKIT_DETAIL_ISA_COMPILED
}

// True when kernels for x are compiled in and the CPU can run them.
inline bool isa_available(isa x) noexcept {
    [[maybe_unused]] const auto cpu = xsimd::available_architectures();
    switch (x) {
#define ATTNKIT_DETAIL_ISA_AVAILABLE(name, kernels, least, cpu_check, flags) \
    case isa::name: return isa_compiled_in(isa::name) && (cpu_check);
        ATTNKIT_ISA_TABLE(ATTNKIT_DETAIL_ISA_AVAILABLE)
#undef ATTNKIT_DETAIL_ISA_AVAILABLE
        case isa::automatic: break;
    }
    return false;
}
#else
// The one ISA compiled in: the including unit's, the first row of the table
// that its default_arch reaches.
inline constexpr isa compiled_isa() noexcept {
    constexpr auto arch = xsimd::default_arch::version();
#define ATTNKIT_DETAIL_ISA_REACHED(name, kernels, least, cpu, flags) \
    if (arch >= least::version()) return isa::name;
    ATTNKIT_ISA_TABLE(ATTNKIT_DETAIL_ISA_REACHED)
#undef ATTNKIT_DETAIL_ISA_REACHED
    return isa::automatic;  // no SIMD: the front door runs the naive kernel
}
inline bool isa_available(isa x) noexcept { return x == compiled_isa() && x != isa::automatic; }
#endif

ATTNKIT_END_CONFIG_NAMESPACE
}  // namespace detail

ATTNKIT_BEGIN_CONFIG_NAMESPACE

// The ISA a call with config.instruction_set = requested runs with: requested if
// it is compiled in and the CPU supports it, else the widest such ISA;
// isa::automatic when none is (then every variant runs the naive kernel).
inline isa selected_isa(isa requested = isa::automatic) noexcept {
    if (requested != isa::automatic && detail::isa_available(requested)) return requested;
    // The table's order, widest first.
#define ATTNKIT_DETAIL_ISA_WIDEST(name, kernels, least, cpu, flags) \
    if (detail::isa_available(isa::name)) return isa::name;
    ATTNKIT_ISA_TABLE(ATTNKIT_DETAIL_ISA_WIDEST)
#undef ATTNKIT_DETAIL_ISA_WIDEST
    return isa::automatic;
}

ATTNKIT_END_CONFIG_NAMESPACE
}  // namespace attnkit
