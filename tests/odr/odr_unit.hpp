// The ODR check (issue 15, defect 4): what one translation unit of it exposes.
// odr_unit.cpp is compiled three times with different flags (CMakeLists.txt)
// and linked into one program, in both orders; each copy describes the copy
// of attnkit it was compiled with. Every member is constant-initialised, so
// reading one runs no code of its unit (the AVX-512 unit's code may only run
// on a CPU that has AVX-512).
#pragma once

#include <attnkit/detail/problem.hpp>
#include <attnkit/options.hpp>
#include <attnkit/view.hpp>

namespace attnkit_odr {

using validate_fn = attnkit::problem<float> (*)(const attnkit::tensor4<const float>&,
                                                const attnkit::tensor4<const float>&,
                                                const attnkit::tensor4<const float>&, const attnkit::tensor4<float>&,
                                                const attnkit::options<float>&);

using sdpa_fn = void (*)(attnkit::tensor4<const float>, attnkit::tensor4<const float>, attnkit::tensor4<const float>,
                        attnkit::tensor4<float>, const attnkit::options<float>&);
struct unit {
    const char* config;           // attnkit::detail::config_name as the unit sees it
    attnkit::isa compiled;        // the ISA the unit's kernels are built for
    bool openmp;                  // whether the unit was compiled with OpenMP
    sdpa_fn sdpa;                 // &attnkit::sdpa<float> as the unit links it
    validate_fn validate;         // &attnkit::validate<float>
    attnkit::isa (*selected)(attnkit::isa) noexcept;  // &attnkit::selected_isa
    int (*workers)(int, attnkit::index_t) noexcept;   // &attnkit::detail::fit_workers
    int (*wrong_outputs)();       // runs every variant on one call (odr_unit.cpp)
};

// The three units, each compiled from odr_unit.cpp with ATTNKIT_ODR_UNIT set to its name.
extern const unit wide_omp;      // the AVX-512 flags of attnkit_add_isa_dispatch, OpenMP
extern const unit plain_omp;     // no ISA flags, OpenMP
extern const unit plain_serial;  // no ISA flags, no OpenMP

}  // namespace attnkit_odr
