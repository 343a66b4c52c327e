// The fuzzer's one call into attnkit. fuzz/sdpa_call.cpp, the only unit that
// instantiates sdpa() (and with it the front door, validation and the naive
// kernel), is compiled with the sanitizers and coverage, like the kernels of
// each instruction set; the harness (oracle, decoding, judging) is compiled
// without them, so that its checks cost little next to the library's work.
#pragma once

#include "attnkit/options.hpp"
#include "attnkit/view.hpp"

namespace attnkit_fuzz {

// attnkit::sdpa(q, k, v, out, opt); throws what it throws.
template <class T>
void call_sdpa(attnkit::tensor4<const T> q, attnkit::tensor4<const T> k, attnkit::tensor4<const T> v,
               attnkit::tensor4<T> out, const attnkit::options<T>& opt);

extern template void call_sdpa<float>(attnkit::tensor4<const float>, attnkit::tensor4<const float>,
                                      attnkit::tensor4<const float>, attnkit::tensor4<float>,
                                      const attnkit::options<float>&);
extern template void call_sdpa<double>(attnkit::tensor4<const double>, attnkit::tensor4<const double>,
                                       attnkit::tensor4<const double>, attnkit::tensor4<double>,
                                       const attnkit::options<double>&);

}  // namespace attnkit_fuzz
