// attnkit: the SIMD kernels of one instruction set, as a class whose members are
// declared here and defined in isa_instance.hpp. With runtime dispatch, each ISA's
// members are compiled in their own translation unit with that ISA's flags
// (attnkit_add_isa_dispatch generates them), and the front door, compiled for the
// baseline ISA, sees only these declarations: no wide instruction can leak into
// code that runs before the CPU has been checked.
#pragma once

#include "attnkit/problem.hpp"

namespace attnkit {
namespace detail {

template <class Arch>
struct isa_kernels {
    // Runs p.kernel, one of blocked, flash, parallel or decode.
    static void run(const problem<float>& p);
    static void run(const problem<double>& p);
};

}  // namespace detail
}  // namespace attnkit
