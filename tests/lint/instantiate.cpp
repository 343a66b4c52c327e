// For the static analysers (scripts/lint): instantiates the whole library for
// float and double through the front door, so that clang-tidy sees every
// template instantiated. Compiled without the runtime ISA dispatch: sdpa.hpp
// then instantiates every kernel for the unit's own instruction set.
#include <attnkit/attnkit.hpp>

template void attnkit::sdpa<float>(attnkit::tensor4<const float>, attnkit::tensor4<const float>,
                                   attnkit::tensor4<const float>, attnkit::tensor4<float>,
                                   const attnkit::options<float>&);
template void attnkit::sdpa<double>(attnkit::tensor4<const double>, attnkit::tensor4<const double>,
                                    attnkit::tensor4<const double>, attnkit::tensor4<double>,
                                    const attnkit::options<double>&);
