// attnkit: the library's version, defined once. CMake reads it from here.
#pragma once

#define ATTNKIT_VERSION_MAJOR 0
#define ATTNKIT_VERSION_MINOR 1
#define ATTNKIT_VERSION_PATCH 0

namespace attnkit {

struct version_info {
    int major, minor, patch;
};

inline constexpr version_info version{ATTNKIT_VERSION_MAJOR, ATTNKIT_VERSION_MINOR,
                                      ATTNKIT_VERSION_PATCH};

}  // namespace attnkit
