# Settings for attnkit's own targets (tests, examples, benchmarks). Nothing here
# reaches attnkit::attnkit or the installed package.

include_guard(GLOBAL)

option(ATTNKIT_WERROR "Treat warnings as errors in attnkit's own targets" ON)

# Warnings for attnkit's own targets; the library headers are compiled with
# them too, because the include directory is not a system one here. Clang's
# -Wconversion also turns on -Wsign-conversion, which GCC's does not for C++:
# it is turned off again so that both compilers check the same thing (attnkit
# indexes with the signed index_t throughout, std::vector's operator[] included).
add_library(attnkit_warnings INTERFACE)
target_compile_options(attnkit_warnings INTERFACE
    $<$<COMPILE_LANG_AND_ID:CXX,GNU,Clang,AppleClang,IntelLLVM>:-Wall -Wextra -Wpedantic -Wconversion -Wshadow>
    $<$<COMPILE_LANG_AND_ID:CXX,Clang,AppleClang,IntelLLVM>:-Wno-sign-conversion>
    $<$<AND:$<BOOL:${ATTNKIT_WERROR}>,$<COMPILE_LANG_AND_ID:CXX,GNU,Clang,AppleClang,IntelLLVM>>:-Werror>)

# OpenMP is optional: without it the parallel variant runs on one thread.
find_package(OpenMP COMPONENTS CXX QUIET)
if(OpenMP_CXX_FOUND)
    message(STATUS "attnkit: OpenMP ${OpenMP_CXX_VERSION} found; tests, examples and benchmarks are threaded")
else()
    message(STATUS "attnkit: OpenMP not found; tests, examples and benchmarks run the parallel variant on one thread")
endif()

# The runtime ISA dispatch for attnkit's own targets. OFF builds them with the
# instruction set they are compiled for (SSE2 on plain x86-64): the race-check
# preset (tsan) needs that, because ThreadSanitizer does not instrument memory
# accesses wider than 16 bytes, and would not see the AVX2 and AVX-512 kernels'.
option(ATTNKIT_USE_ISA_DISPATCH "Build attnkit's own targets with the runtime ISA dispatch" ON)

# The instantiation header of the runtime ISA dispatch. While it is absent
# (early in development), attnkit's own targets build without the dispatch.
set(ATTNKIT_ISA_INSTANCE_HEADER "${PROJECT_SOURCE_DIR}/include/attnkit/isa_instance.hpp")
if(ATTNKIT_USE_ISA_DISPATCH AND NOT EXISTS "${ATTNKIT_ISA_INSTANCE_HEADER}")
    set(ATTNKIT_USE_ISA_DISPATCH OFF)
    message(WARNING "attnkit: include/attnkit/isa_instance.hpp does not exist yet; "
                    "tests, examples and benchmarks are built without attnkit_add_isa_dispatch")
endif()

# The LIBXSMM backend (include/attnkit/detail/small_gemm.hpp) for attnkit's own
# targets, where cmake/attnkitLibxsmm.cmake found LIBXSMM. The sanitizer and
# race-check presets turn it off, so that they check the xsimd micro-kernels.
if(TARGET attnkit::libxsmm)
    option(ATTNKIT_WITH_LIBXSMM "Build attnkit's own targets with the LIBXSMM backend" ON)
else()
    set(ATTNKIT_WITH_LIBXSMM OFF)
endif()
message(STATUS "attnkit: the LIBXSMM backend is ${ATTNKIT_WITH_LIBXSMM} in tests, examples and benchmarks")

# attnkit_project_kernels(<library>): a static library holding the kernels of
# every instruction set (attnkit_add_isa_dispatch), for own targets to link, so
# that the kernels are compiled once rather than once per executable (built only
# when a target links it). Call only when ATTNKIT_USE_ISA_DISPATCH is ON.
function(attnkit_project_kernels library)
    add_library("${library}" STATIC EXCLUDE_FROM_ALL)
    target_link_libraries("${library}" PUBLIC attnkit::attnkit PRIVATE attnkit_warnings)
    if(OpenMP_CXX_FOUND)
        target_link_libraries("${library}" PUBLIC OpenMP::OpenMP_CXX)
    endif()
    if(ATTNKIT_WITH_LIBXSMM)
        target_link_libraries("${library}" PUBLIC attnkit::libxsmm)
    endif()
    attnkit_add_isa_dispatch("${library}")
endfunction()

# The kernels the tests, the examples and (in Release builds) the benchmarks share.
if(ATTNKIT_USE_ISA_DISPATCH)
    attnkit_project_kernels(attnkit_kernels)
endif()

# attnkit_project_target(<target> [KERNELS <library>]): what every own executable
# gets: the library, the warnings, OpenMP when found, and the runtime ISA
# dispatch through a kernels library (attnkit_kernels unless KERNELS names one
# made by attnkit_project_kernels).
function(attnkit_project_target target)
    cmake_parse_arguments(PARSE_ARGV 1 _arg "" "KERNELS" "")
    if(_arg_UNPARSED_ARGUMENTS)
        message(FATAL_ERROR "attnkit_project_target: unexpected arguments: ${_arg_UNPARSED_ARGUMENTS}")
    endif()
    if(NOT _arg_KERNELS)
        set(_arg_KERNELS attnkit_kernels)
    endif()
    target_link_libraries("${target}" PRIVATE attnkit::attnkit attnkit_warnings)
    if(OpenMP_CXX_FOUND)
        target_link_libraries("${target}" PRIVATE OpenMP::OpenMP_CXX)
    endif()
    if(ATTNKIT_WITH_LIBXSMM)
        target_link_libraries("${target}" PRIVATE attnkit::libxsmm)
    endif()
    if(ATTNKIT_USE_ISA_DISPATCH)
        target_link_libraries("${target}" PRIVATE "${_arg_KERNELS}")
    endif()
endfunction()
