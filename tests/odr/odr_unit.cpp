// One translation unit of the ODR check (see odr_unit.hpp), compiled once per
// flag set with ATTNKIT_ODR_UNIT naming the unit. Header-only attnkit: no
// attnkit_add_isa_dispatch, so every attnkit function this unit uses is
// compiled here, with this unit's flags.
#include <cmath>
#include <exception>

#include <attnkit/attnkit.hpp>
#include <attnkit/detail/config_namespace.hpp>

#include "odr_unit.hpp"

namespace {

// Every key has the same k row, so the weights are uniform and out is the
// mean of the v rows, 1 + 2 + 3 + 4 over 4 = 2.5 in every column, whatever q:
// float [1, 1, 4, 16] for q, k, v and out, every variant.
// Plain arrays, not std::vector: the standard library's inline functions have
// no per-configuration namespace, so a std::vector<float> member used here
// would be shared with the other units (the plain units ran the AVX-512
// unit's vector::_M_fill_assign under valgrind), which is not what this test
// is about.
int wrong_outputs() {
    constexpr attnkit::index_t seq = 4, dim = 16;
    float q[seq * dim], k[seq * dim], v[seq * dim], out[seq * dim];
    for (attnkit::index_t n = 0; n < seq * dim; ++n) {
        q[n] = static_cast<float>(n % 7) - 3.0f;
        k[n] = 0.25f;
        v[n] = static_cast<float>(n / dim + 1);
    }
    int wrong = 0;
    for (const attnkit::variant kernel : {attnkit::variant::automatic, attnkit::variant::naive, attnkit::variant::blocked,
                                          attnkit::variant::flash, attnkit::variant::parallel, attnkit::variant::decode}) {
        attnkit::options<float> opt;
        opt.kernel = kernel;
        opt.tiles.threads = 2;
        for (float& x : out) x = -1.0f;
        try {
            attnkit::sdpa(attnkit::bhsd(&q[0], 1, 1, seq, dim), attnkit::bhsd(&k[0], 1, 1, seq, dim),
                          attnkit::bhsd(&v[0], 1, 1, seq, dim), attnkit::bhsd(&out[0], 1, 1, seq, dim), opt);
        } catch (const std::exception&) {
            ++wrong;
            continue;
        }
        for (const float x : out) wrong += std::fabs(x - 2.5f) <= 1e-5f ? 0 : 1;
    }
    return wrong;
}

}  // namespace

namespace attnkit_odr {

#ifdef _OPENMP
constexpr bool with_openmp = true;
#else
constexpr bool with_openmp = false;
#endif

extern const unit ATTNKIT_ODR_UNIT;
const unit ATTNKIT_ODR_UNIT{attnkit::detail::config_name,  attnkit::detail::compiled_isa(), with_openmp,
                            &attnkit::sdpa<float>,          &attnkit::validate<float>,       &attnkit::selected_isa,
                            &attnkit::detail::fit_workers, &wrong_outputs};

}  // namespace attnkit_odr
