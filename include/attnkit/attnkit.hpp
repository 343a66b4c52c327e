// attnkit: the umbrella header.
#pragma once

#include "attnkit/error.hpp"
#include "attnkit/isa.hpp"
#include "attnkit/options.hpp"
#include "attnkit/sdpa.hpp"
#include "attnkit/tuning.hpp"
#include "attnkit/version.hpp"
#include "attnkit/view.hpp"
