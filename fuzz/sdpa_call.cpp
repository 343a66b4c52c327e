// See sdpa_call.hpp.
#include "sdpa_call.hpp"

#include "attnkit/attnkit.hpp"

namespace attnkit_fuzz {

template <class T>
void call_sdpa(attnkit::tensor4<const T> q, attnkit::tensor4<const T> k, attnkit::tensor4<const T> v,
               attnkit::tensor4<T> out, const attnkit::options<T>& opt) {
    attnkit::sdpa<T>(q, k, v, out, opt);
}

template void call_sdpa<float>(attnkit::tensor4<const float>, attnkit::tensor4<const float>,
                               attnkit::tensor4<const float>, attnkit::tensor4<float>,
                               const attnkit::options<float>&);
template void call_sdpa<double>(attnkit::tensor4<const double>, attnkit::tensor4<const double>,
                                attnkit::tensor4<const double>, attnkit::tensor4<double>,
                                const attnkit::options<double>&);

}  // namespace attnkit_fuzz
