// attnkit: the kernels of one instruction set, for the units that
// attnkit_add_isa_dispatch generates (cmake/attnkitIsaDispatch.cmake), or for
// a build without CMake that writes them itself, one unit per ISA compiled
// with that ISA's flags (the rows of detail/isa_table.hpp):
//
//   #include <attnkit/isa_instance.hpp>
//   template struct attnkit::detail::isa_kernels<xsimd::fma3<xsimd::avx2>>;  // the row's kernels type
//
// Nothing else includes it: the front door (sdpa.hpp) sees only the kernels'
// declarations (detail/isa_kernels.hpp).
#pragma once

#include "attnkit/detail/isa_instance.hpp"
