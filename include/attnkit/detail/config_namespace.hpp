// attnkit: one inline namespace per compile-time configuration, so that
// translation units compiled with different instruction sets or with and
// without OpenMP never share a copy of an attnkit function.
//
// attnkit's functions are inline (header-only) and their code depends on the
// flags of the unit that includes them: an AVX-512 unit's validate<float> is
// vectorised with zmm registers, an OpenMP unit's parallel kernel starts
// threads. Linked into one program, units with different flags would each
// emit a copy under the same name, and the linker keeps one (an ODR
// violation): a plain unit then ran the AVX-512 copy (SIGILL on a CPU without
// it), or an OpenMP unit the serial one (issue 15, defect 4). Every function
// is therefore declared in an inline namespace named for the configuration,
// e.g. attnkit::detail::cfg_avx512bw_fma_omp: callers write attnkit::sdpa as
// before, and differently built copies have different symbols.
//
// What stays outside, shared by every unit:
// - the vocabulary types (views, options, config, problem, error), so that
//   units built differently can pass them to each other; their member
//   functions are trivial accessors;
// - isa_kernels<Arch> under attnkit_add_isa_dispatch: the interface by which
//   the front door reaches the kernels compiled in the per-ISA units
//   (detail/isa_kernels.hpp). Header-only, it is per configuration too.
// The configuration is the widest vector extension of the unit (the
// compiler's predefined macros, on the chain SSE2 .. AVX-512BW, NEON), FMA,
// OpenMP on or off, and the LIBXSMM backend (detail/small_gemm.hpp) on or
// off. Flags outside these (say -mbmi2) share a namespace.
// The C++ standard library and xsimd have no such namespaces: their inline
// functions can still be shared between differently built units, which is
// why attnkit_add_isa_dispatch also orders its units narrowest first.
#pragma once

#if defined(__AVX512BW__) && defined(__AVX512DQ__) && defined(__AVX512CD__) && defined(__AVX512F__)
#define ATTNKIT_DETAIL_CONFIG_ISA avx512bw
#elif defined(__AVX512F__)
#define ATTNKIT_DETAIL_CONFIG_ISA avx512f
#elif defined(__AVX2__)
#define ATTNKIT_DETAIL_CONFIG_ISA avx2
#elif defined(__AVX__)
#define ATTNKIT_DETAIL_CONFIG_ISA avx
#elif defined(__SSE4_2__)
#define ATTNKIT_DETAIL_CONFIG_ISA sse4_2
#elif defined(__SSE4_1__)
#define ATTNKIT_DETAIL_CONFIG_ISA sse4_1
#elif defined(__SSSE3__)
#define ATTNKIT_DETAIL_CONFIG_ISA ssse3
#elif defined(__SSE3__)
#define ATTNKIT_DETAIL_CONFIG_ISA sse3
#elif defined(__SSE2__)
#define ATTNKIT_DETAIL_CONFIG_ISA sse2
#elif defined(__aarch64__)
#define ATTNKIT_DETAIL_CONFIG_ISA neon64
#elif defined(__ARM_NEON)
#define ATTNKIT_DETAIL_CONFIG_ISA neon
#else
#define ATTNKIT_DETAIL_CONFIG_ISA scalar
#endif

#if defined(__FMA__)
#define ATTNKIT_DETAIL_CONFIG_FMA _fma
#else
#define ATTNKIT_DETAIL_CONFIG_FMA
#endif

#if defined(_OPENMP)
#define ATTNKIT_DETAIL_CONFIG_THREADS omp
#else
#define ATTNKIT_DETAIL_CONFIG_THREADS serial
#endif

#if defined(ATTNKIT_WITH_LIBXSMM)
#define ATTNKIT_DETAIL_CONFIG_BACKEND _xsmm
#else
#define ATTNKIT_DETAIL_CONFIG_BACKEND
#endif
#define ATTNKIT_DETAIL_CONFIG_PASTE(isa, fma, threads, backend) cfg_##isa##fma##_##threads##backend
#define ATTNKIT_DETAIL_CONFIG_NAME(isa, fma, threads, backend) ATTNKIT_DETAIL_CONFIG_PASTE(isa, fma, threads, backend)
#define ATTNKIT_DETAIL_STRING(x) #x
#define ATTNKIT_DETAIL_STRING_OF(x) ATTNKIT_DETAIL_STRING(x)

// The namespace's name, e.g. cfg_avx2_fma_omp, cfg_avx512bw_fma_omp_xsmm.
#define ATTNKIT_CONFIG_NAMESPACE                                                                    \
    ATTNKIT_DETAIL_CONFIG_NAME(ATTNKIT_DETAIL_CONFIG_ISA, ATTNKIT_DETAIL_CONFIG_FMA,                \
                               ATTNKIT_DETAIL_CONFIG_THREADS, ATTNKIT_DETAIL_CONFIG_BACKEND)

// Opens and closes it; used as the innermost namespace of every block of
// functions (attnkit::, attnkit::detail::, attnkit::kernels::), so that
// unqualified lookup from inside still reaches the enclosing namespaces.
#define ATTNKIT_BEGIN_CONFIG_NAMESPACE inline namespace ATTNKIT_CONFIG_NAMESPACE {
#define ATTNKIT_END_CONFIG_NAMESPACE }

namespace attnkit {
namespace detail {
ATTNKIT_BEGIN_CONFIG_NAMESPACE

// The configuration of the including unit, as its namespace is named: which
// copy of attnkit a unit runs (tests/odr/ checks it).
inline constexpr char config_name[] = ATTNKIT_DETAIL_STRING_OF(ATTNKIT_CONFIG_NAMESPACE);

ATTNKIT_END_CONFIG_NAMESPACE
}  // namespace detail
}  // namespace attnkit
