// attnkit: the one table of instruction sets. Everything that names an ISA
// derives from it: isa_name() and selected_isa() (isa.hpp), the front door's
// dispatch to the kernels (sdpa.hpp's run_on_isa), and the header-only build's
// choice of ISA. The copies outside C++ are checked against it by the ctest
// test lint.isa_table (tests/lint/isa_table.cmake): the types and flags of
// cmake/attnkitIsaDispatch.cmake (attnkit_add_isa_dispatch), of fuzz/run.sh
// and of the README's recipe without CMake, and the AVX-512 flags of the
// consumer.include_path tests.
//
// One row per ISA, X(name, kernels, least, cpu, flags):
//   name     the enumerator of attnkit::isa, also its isa_name() and the
//            ATTNKIT_HAVE_ISA_<NAME> of attnkit_add_isa_dispatch
//   kernels  the xsimd architecture its kernels are compiled for
//   least    header-only: the least xsimd::default_arch that runs its kernels
//   cpu      with runtime dispatch: whether the CPU can run them, an
//            expression of `cpu` (xsimd::available_architectures())
//   flags    the GCC/Clang flags of its dispatch unit
// Rows go in the order of xsimd's architecture versions, widest first (the
// AArch64 row's versions exceed every x86 one): the header-only build takes
// the first row its default_arch reaches, selected_isa() the first available.
#pragma once

#include <xsimd/xsimd.hpp>

// clang-format off
#define ATTNKIT_ISA_TABLE(X)                                                                                         \
    X(neon,   xsimd::neon64,             xsimd::neon,               true,                                            \
      "")                                                                                                            \
    X(avx512, xsimd::avx512bw,           xsimd::avx512bw,           cpu.avx512bw && cpu.avx512dq && cpu.avx512cd && cpu.avx512f, \
      "-mavx512f -mavx512cd -mavx512dq -mavx512bw -mavx512vl -mavx2 -mfma")                                          \
    X(avx2,   xsimd::fma3<xsimd::avx2>,  xsimd::fma3<xsimd::avx2>,  cpu.fma3_avx2 != 0,                              \
      "-mavx2 -mfma")                                                                                                \
    X(sse2,   xsimd::sse2,               xsimd::sse2,               cpu.sse2 != 0,                                   \
      "")
// clang-format on

// Whether attnkit_add_isa_dispatch compiled each row's kernels into this
// program (its ATTNKIT_HAVE_ISA_<NAME>): the preprocessor cannot spell the
// macro's name from the row's, so one line per row (a row without one fails
// to compile below).
#if defined(ATTNKIT_HAVE_ISA_NEON)
#define ATTNKIT_DETAIL_HAVE_ISA_neon true
#else
#define ATTNKIT_DETAIL_HAVE_ISA_neon false
#endif
#if defined(ATTNKIT_HAVE_ISA_AVX512)
#define ATTNKIT_DETAIL_HAVE_ISA_avx512 true
#else
#define ATTNKIT_DETAIL_HAVE_ISA_avx512 false
#endif
#if defined(ATTNKIT_HAVE_ISA_AVX2)
#define ATTNKIT_DETAIL_HAVE_ISA_avx2 true
#else
#define ATTNKIT_DETAIL_HAVE_ISA_avx2 false
#endif
#if defined(ATTNKIT_HAVE_ISA_SSE2)
#define ATTNKIT_DETAIL_HAVE_ISA_sse2 true
#else
#define ATTNKIT_DETAIL_HAVE_ISA_sse2 false
#endif

// A row without its line fails here (ATTNKIT_DETAIL_HAVE_ISA_<name> undeclared).
#define ATTNKIT_DETAIL_ISA_HAVE_ROW(name, kernels, least, cpu, flags) &&((ATTNKIT_DETAIL_HAVE_ISA_##name) || true)
static_assert(true ATTNKIT_ISA_TABLE(ATTNKIT_DETAIL_ISA_HAVE_ROW), "every row has its ATTNKIT_DETAIL_HAVE_ISA_ line");
#undef ATTNKIT_DETAIL_ISA_HAVE_ROW
