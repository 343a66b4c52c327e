// attnkit: the one exception type, and the one place that throws it.
#pragma once

#include <stdexcept>
#include <string>

#include "attnkit/detail/config_namespace.hpp"

namespace attnkit {

// Every invalid input is reported as attnkit::error, before any kernel runs and
// before anything is written to the output. Messages start with "attnkit: " and
// name the tensor, the dimension and the values involved, e.g.
//   attnkit: k.head_dim (96) != q.head_dim (128)
class error : public std::invalid_argument {
public:
    explicit error(const std::string& message) : std::invalid_argument(message) {}
};

namespace detail {
ATTNKIT_BEGIN_CONFIG_NAMESPACE

// The single throw site of the library.
[[noreturn]] inline void raise(const std::string& what) { throw error("attnkit: " + what); }

ATTNKIT_END_CONFIG_NAMESPACE
}  // namespace detail
}  // namespace attnkit
