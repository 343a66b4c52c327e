# attnkit_add_isa_dispatch(<target>)
#
# Builds attnkit's kernels into <target> once per instruction set, so that one
# binary runs at its best on any machine of its architecture: the library picks,
# at run time, the best instruction set the CPU supports among those compiled in.
#
# For each instruction set this adds to <target> one generated source file,
#
#   #include <attnkit/isa_instance.hpp>
#   template struct attnkit::detail::isa_kernels<ARCH_TYPE>;
#
# compiled with that instruction set's flags (per-source COMPILE_OPTIONS: the
# rest of <target> keeps its own flags), and the PRIVATE compile definitions
# ATTNKIT_ISA_DISPATCH=1 and ATTNKIT_HAVE_ISA_<NAME>=1 for each added set.
#
#   x86-64   avx512  -mavx512f -mavx512cd -mavx512dq -mavx512bw -mavx512vl -mavx2 -mfma
#                                                        xsimd::avx512bw
#            avx2    -mavx2 -mfma                        xsimd::fma3<xsimd::avx2>
#            sse2    (none)                              xsimd::sse2
#   aarch64  neon    (none)                              xsimd::neon64
#
# <target> must be an executable or a library with sources (not INTERFACE), and
# must link attnkit::attnkit itself, directly or through a library that links it
# (this function leaves its link line alone; configuring fails with a message
# naming the target when, at the end of its directory, it does not).
# Without this function, attnkit uses the instruction set that the including
# translation unit is compiled for.
#
# The function is defined by attnkit's top-level CMakeLists.txt (for
# add_subdirectory users) and by attnkitConfig.cmake (for find_package users).

include_guard(GLOBAL)

# True in <out> when <target> links attnkit (attnkit::attnkit, its alias target
# or the imported one) directly or through the usage requirements of the
# targets it links. Generator expressions are not searched (a static library's
# PRIVATE links, $<LINK_ONLY:...>, carry no include directories anyway).
function(_attnkit_links_attnkit target out)
    set(_pending "${target}")
    set(_seen "")
    set(_found FALSE)
    while(_pending AND NOT _found)
        list(POP_FRONT _pending _item)
        if(_item IN_LIST _seen OR NOT TARGET "${_item}")
            continue()
        endif()
        list(APPEND _seen "${_item}")
        get_target_property(_aliased "${_item}" ALIASED_TARGET)
        if(_aliased)
            list(APPEND _pending "${_aliased}")
            continue()
        endif()
        if(_item STREQUAL "attnkit::attnkit")
            set(_found TRUE)
            break()
        endif()
        get_target_property(_imported "${_item}" IMPORTED)
        if(NOT _imported AND TARGET attnkit::attnkit)
            get_target_property(_attnkit attnkit::attnkit ALIASED_TARGET)
            if(_item STREQUAL _attnkit)
                set(_found TRUE)
                break()
            endif()
        endif()
        get_target_property(_type "${_item}" TYPE)
        set(_links "")
        if(NOT _imported AND NOT _type STREQUAL "INTERFACE_LIBRARY")
            get_target_property(_direct "${_item}" LINK_LIBRARIES)
            if(_direct)
                list(APPEND _links ${_direct})
            endif()
        endif()
        get_target_property(_interface "${_item}" INTERFACE_LINK_LIBRARIES)
        if(_interface)
            list(APPEND _links ${_interface})
        endif()
        foreach(_link IN LISTS _links)
            if(NOT _link MATCHES "\\$<")
                list(APPEND _pending "${_link}")
            endif()
        endforeach()
    endwhile()
    set(${out} ${_found} PARENT_SCOPE)
endfunction()

function(_attnkit_isa_dispatch_check_link target)
    _attnkit_links_attnkit("${target}" _links)
    if(NOT _links)
        message(FATAL_ERROR "attnkit_add_isa_dispatch: `${target}` does not link attnkit::attnkit, so its "
                            "generated ISA units cannot find <attnkit/attnkit.hpp>; add "
                            "`target_link_libraries(${target} PRIVATE attnkit::attnkit)` (directly or "
                            "through a library that links it)")
    endif()
endfunction()

function(attnkit_add_isa_dispatch target)
    if(ARGC GREATER 1)
        message(FATAL_ERROR "attnkit_add_isa_dispatch: takes one target, got: ${ARGV}")
    endif()
    if(NOT TARGET "${target}")
        message(FATAL_ERROR "attnkit_add_isa_dispatch: `${target}` is not a target")
    endif()
    get_target_property(_type "${target}" TYPE)
    if(_type STREQUAL "INTERFACE_LIBRARY" OR _type STREQUAL "UTILITY")
        message(FATAL_ERROR "attnkit_add_isa_dispatch: `${target}` is a ${_type}; "
                            "it needs a target that compiles sources (an executable or a library)")
    endif()
    get_target_property(_imported "${target}" IMPORTED)
    if(_imported)
        message(FATAL_ERROR "attnkit_add_isa_dispatch: `${target}` is an imported target")
    endif()

    # The generated units include attnkit's headers, which reach <target> only
    # through attnkit::attnkit: checked once the directory is configured (the
    # link may come after this call), not when the build fails on the include.
    cmake_language(EVAL CODE "cmake_language(DEFER DIRECTORY [[${CMAKE_CURRENT_SOURCE_DIR}]]
                              CALL _attnkit_isa_dispatch_check_link [[${target}]])")

    # The flags below are GCC/Clang spellings.
    if(NOT CMAKE_CXX_COMPILER_ID MATCHES "^(GNU|Clang|AppleClang|IntelLLVM)$"
       OR CMAKE_CXX_COMPILER_FRONTEND_VARIANT STREQUAL "MSVC")
        message(FATAL_ERROR "attnkit_add_isa_dispatch: compiler ${CMAKE_CXX_COMPILER_ID} is not supported "
                            "(GCC- or Clang-style flags are needed)")
    endif()

    # Each entry: name|arch type|flags separated by spaces: the rows of the ISA
    # table, include/attnkit/detail/isa_table.hpp (the ctest test
    # lint.isa_table checks this copy against it).
    #
    # Narrowest first, on purpose. Inline functions that are not inlined (from
    # the standard library, say) get a copy in every unit that uses them, each
    # compiled with that unit's flags, and the linker keeps the first copy in
    # link order. The target's own sources come first, then these units in this
    # order, so the copy kept is never wider than any of its callers: no AVX
    # instruction can leak into the SSE2 path through a shared inline function.
    set(_x86_isas
        "sse2|xsimd::sse2|"
        "avx2|xsimd::fma3<xsimd::avx2>|-mavx2 -mfma"
        "avx512|xsimd::avx512bw|-mavx512f -mavx512cd -mavx512dq -mavx512bw -mavx512vl -mavx2 -mfma")
    set(_aarch64_isas
        "neon|xsimd::neon64|")
    set(_isas "")
    if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
        set(_isas ${_x86_isas})
        # GCC before 13 warns about its own AVX-512 intrinsics (the `__Y = __Y`
        # of _mm512_undefined_*, GCC bug 105593; -Wmaybe-uninitialized when
        # optimising, -Wuninitialized under the sanitizers): silence that false
        # positive in the generated unit, which holds no code of the caller's.
        # The same kernels still get both warnings in the SSE2 and AVX2 units.
        if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
            list(TRANSFORM _isas APPEND " -Wno-uninitialized -Wno-maybe-uninitialized" REGEX "^avx512[|]")
        endif()
    elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64|ARM64)$")
        set(_isas ${_aarch64_isas})
    else()
        message(FATAL_ERROR "attnkit_add_isa_dispatch: no instruction sets known for processor "
                            "`${CMAKE_SYSTEM_PROCESSOR}` (x86_64 and aarch64 are supported)")
    endif()

    # On a library the definitions are PUBLIC: every target that links it then
    # dispatches to the instances compiled once into it (a project with many
    # executables compiles the kernels once, not once per executable).
    if(_type MATCHES "^(STATIC_LIBRARY|SHARED_LIBRARY|OBJECT_LIBRARY|MODULE_LIBRARY)$")
        set(_scope PUBLIC)
    else()
        set(_scope PRIVATE)
    endif()

    get_target_property(_binary_dir "${target}" BINARY_DIR)
    set(_dir "${_binary_dir}/attnkit_isa_dispatch/${target}")

    foreach(_entry IN LISTS _isas)
        string(REPLACE "|" ";" _fields "${_entry}")
        list(GET _fields 0 _name)
        list(GET _fields 1 ATTNKIT_ISA_ARCH_TYPE)
        list(GET _fields 2 _flags)
        separate_arguments(_flags UNIX_COMMAND "${_flags}")

        set(_source "${_dir}/isa_${_name}.cpp")
        file(CONFIGURE OUTPUT "${_source}"
             CONTENT "#include <attnkit/isa_instance.hpp>\ntemplate struct attnkit::detail::isa_kernels<@ATTNKIT_ISA_ARCH_TYPE@>;\n"
             @ONLY)
        target_sources("${target}" PRIVATE "${_source}")
        # Source properties are directory-scoped: attach them where the target lives.
        set_source_files_properties("${_source}" TARGET_DIRECTORY "${target}"
                                    PROPERTIES COMPILE_OPTIONS "${_flags}")

        string(TOUPPER "${_name}" _upper)
        target_compile_definitions("${target}" ${_scope} "ATTNKIT_HAVE_ISA_${_upper}=1")
    endforeach()

    target_compile_definitions("${target}" ${_scope} ATTNKIT_ISA_DISPATCH=1)
endfunction()
