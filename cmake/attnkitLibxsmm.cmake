# attnkit::libxsmm: the optional LIBXSMM backend of the tile engines' score
# product (include/attnkit/detail/small_gemm.hpp). An INTERFACE target that
# defines ATTNKIT_WITH_LIBXSMM and links LIBXSMM; a program links it next to
# attnkit::attnkit to turn the backend on. Defined only where LIBXSMM is
# found (Debian: libxsmm-dev, static libraries). Not installed: a consumer
# defines ATTNKIT_WITH_LIBXSMM and links -lxsmm -lxsmmnoblas itself
# (docs/api.md, "The LIBXSMM backend").

include_guard(GLOBAL)

find_path(ATTNKIT_LIBXSMM_INCLUDE_DIR libxsmm.h)
find_library(ATTNKIT_LIBXSMM_LIBRARY xsmm)
# LIBXSMM's fallback for shapes it has no kernel for calls BLAS; attnkit never
# asks for those (it uses its own kernels then), so the BLAS-free stubs do.
find_library(ATTNKIT_LIBXSMM_NOBLAS_LIBRARY xsmmnoblas)
mark_as_advanced(ATTNKIT_LIBXSMM_INCLUDE_DIR ATTNKIT_LIBXSMM_LIBRARY ATTNKIT_LIBXSMM_NOBLAS_LIBRARY)

if(ATTNKIT_LIBXSMM_INCLUDE_DIR AND ATTNKIT_LIBXSMM_LIBRARY AND ATTNKIT_LIBXSMM_NOBLAS_LIBRARY
   AND NOT TARGET attnkit_libxsmm)
    find_package(Threads REQUIRED)
    add_library(attnkit_libxsmm INTERFACE)
    add_library(attnkit::libxsmm ALIAS attnkit_libxsmm)
    target_compile_definitions(attnkit_libxsmm INTERFACE ATTNKIT_WITH_LIBXSMM)
    target_include_directories(attnkit_libxsmm SYSTEM INTERFACE "${ATTNKIT_LIBXSMM_INCLUDE_DIR}")
    # Static archives: libxsmm before the stubs it calls.
    target_link_libraries(attnkit_libxsmm INTERFACE
        "${ATTNKIT_LIBXSMM_LIBRARY}" "${ATTNKIT_LIBXSMM_NOBLAS_LIBRARY}" Threads::Threads ${CMAKE_DL_LIBS})
    message(STATUS "attnkit: LIBXSMM found (${ATTNKIT_LIBXSMM_LIBRARY}); attnkit::libxsmm defined")
endif()
