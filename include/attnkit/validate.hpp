// attnkit: transitional, not part of the public surface. The front door's
// checks moved to detail/validate.hpp (docs/architecture.md); this path stays
// only while bench/tune/attention_space.cpp includes it (for
// detail::variant_name, which <attnkit/attnkit.hpp> also provides). Remove it
// once that file includes the umbrella instead.
#pragma once

#include "attnkit/detail/validate.hpp"
