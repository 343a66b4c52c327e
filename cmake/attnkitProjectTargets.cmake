# Settings for attnkit's own targets (tests, examples, benchmarks). Nothing here
# reaches attnkit::attnkit or the installed package.

include_guard(GLOBAL)

option(ATTNKIT_WERROR "Treat warnings as errors in attnkit's own targets" ON)

# Warnings for attnkit's own targets; the library headers are compiled with
# them too, because the include directory is not a system one here.
add_library(attnkit_warnings INTERFACE)
target_compile_options(attnkit_warnings INTERFACE
    $<$<COMPILE_LANG_AND_ID:CXX,GNU,Clang,AppleClang,IntelLLVM>:-Wall -Wextra -Wpedantic -Wconversion -Wshadow>
    $<$<AND:$<BOOL:${ATTNKIT_WERROR}>,$<COMPILE_LANG_AND_ID:CXX,GNU,Clang,AppleClang,IntelLLVM>>:-Werror>)

# OpenMP is optional: without it the parallel variant runs on one thread.
find_package(OpenMP COMPONENTS CXX QUIET)
if(OpenMP_CXX_FOUND)
    message(STATUS "attnkit: OpenMP ${OpenMP_CXX_VERSION} found; tests, examples and benchmarks are threaded")
else()
    message(STATUS "attnkit: OpenMP not found; tests, examples and benchmarks run the parallel variant on one thread")
endif()

# The instantiation header of the runtime ISA dispatch. While it is absent
# (early in development), attnkit's own targets build without the dispatch.
set(ATTNKIT_ISA_INSTANCE_HEADER "${PROJECT_SOURCE_DIR}/include/attnkit/detail/isa_instance.hpp")
if(EXISTS "${ATTNKIT_ISA_INSTANCE_HEADER}")
    set(ATTNKIT_USE_ISA_DISPATCH ON)
else()
    set(ATTNKIT_USE_ISA_DISPATCH OFF)
    message(WARNING "attnkit: include/attnkit/detail/isa_instance.hpp does not exist yet; "
                    "tests, examples and benchmarks are built without attnkit_add_isa_dispatch")
endif()

# attnkit_project_target(<target>): what every own executable gets: the library,
# the warnings, OpenMP when found, and the runtime ISA dispatch.
function(attnkit_project_target target)
    target_link_libraries("${target}" PRIVATE attnkit::attnkit attnkit_warnings)
    if(OpenMP_CXX_FOUND)
        target_link_libraries("${target}" PRIVATE OpenMP::OpenMP_CXX)
    endif()
    if(ATTNKIT_USE_ISA_DISPATCH)
        attnkit_add_isa_dispatch("${target}")
    endif()
endfunction()
