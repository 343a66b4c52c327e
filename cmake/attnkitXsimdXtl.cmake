# Included right after xsimd is found, by CMakeLists.txt and by attnkitConfig.cmake.
#
# Debian 12's xsimd 8.1 exports its `xsimd` target with a link to `xtl`, yet
# xtl is optional for xsimd and not a dependency of the package: with xtl not
# installed, every program that links xsimd fails with "cannot find -lxtl".
# xsimd needs xtl only when XSIMD_ENABLE_XTL_COMPLEX is defined, which attnkit
# never does. So when xsimd asks for an `xtl` that no target provides, use the
# real xtl package if it is installed, else an empty stand-in target.

function(_attnkit_provide_xtl_for_xsimd)
    if(NOT TARGET xsimd OR TARGET xtl)
        return()
    endif()
    get_target_property(_links xsimd INTERFACE_LINK_LIBRARIES)
    if(NOT "xtl" IN_LIST _links)
        return()
    endif()
    find_package(xtl QUIET)
    if(NOT TARGET xtl)
        add_library(xtl INTERFACE IMPORTED GLOBAL)
    endif()
endfunction()

_attnkit_provide_xtl_for_xsimd()
