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
#include "attnkit/options.hpp"

namespace attnkit {
ATTNKIT_BEGIN_CONFIG_NAMESPACE

inline const char* isa_name(isa x) noexcept {
    switch (x) {
        case isa::automatic: return "automatic";
        case isa::sse2: return "sse2";
        case isa::avx2: return "avx2";
        case isa::avx512: return "avx512";
        case isa::neon: return "neon";
    }
    return "unknown";
}

ATTNKIT_END_CONFIG_NAMESPACE

namespace detail {
ATTNKIT_BEGIN_CONFIG_NAMESPACE

#if defined(ATTNKIT_ISA_DISPATCH)
// True when kernels for x are compiled in and the CPU can run them.
inline bool isa_available(isa x) noexcept {
    [[maybe_unused]] const auto cpu = xsimd::available_architectures();
    switch (x) {
#if defined(ATTNKIT_HAVE_ISA_AVX512)
        case isa::avx512: return cpu.avx512bw && cpu.avx512dq && cpu.avx512cd && cpu.avx512f;
#endif
#if defined(ATTNKIT_HAVE_ISA_AVX2)
        case isa::avx2: return cpu.fma3_avx2 != 0;
#endif
#if defined(ATTNKIT_HAVE_ISA_SSE2)
        case isa::sse2: return cpu.sse2 != 0;
#endif
#if defined(ATTNKIT_HAVE_ISA_NEON)
        case isa::neon: return true;
#endif
        default: return false;
    }
}
#else
// The one ISA compiled in: the including unit's.
inline constexpr isa compiled_isa() noexcept {
    constexpr auto arch = xsimd::default_arch::version();
    if (arch >= xsimd::neon::version()) return isa::neon;
    if (arch >= xsimd::avx512bw::version()) return isa::avx512;
    if (arch >= xsimd::fma3<xsimd::avx2>::version()) return isa::avx2;
    if (arch >= xsimd::sse2::version()) return isa::sse2;
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
    for (isa x : {isa::avx512, isa::avx2, isa::neon, isa::sse2})
        if (detail::isa_available(x)) return x;
    return isa::automatic;
}

ATTNKIT_END_CONFIG_NAMESPACE
}  // namespace attnkit
