# Builds and runs tests/consumer against the attnkit of this build tree, offline.
# Run by ctest (see tests/CMakeLists.txt) as
#   cmake -D<VAR>=<value>... -DMODE=package|subdirectory -P check.cmake
# MODE=package:      `cmake --install` of this build into a fresh prefix, then
#                    the consumer finds it with find_package(attnkit CONFIG).
# MODE=subdirectory: the consumer pulls attnkit's source tree in with add_subdirectory.
# Optional: STRICT=ON (warnings as errors, attnkit's headers included),
# CXX_STANDARD=17|20, CXX_COMPILER (default: this build's), NAME (the work
# folder under consumer/, default MODE, for several checks of one mode).
cmake_minimum_required(VERSION 3.20)

foreach(_var IN ITEMS MODE ATTNKIT_SOURCE_DIR ATTNKIT_BINARY_DIR CONSUMER_SOURCE_DIR GENERATOR CTEST_COMMAND)
    if("${${_var}}" STREQUAL "")
        message(FATAL_ERROR "check.cmake: ${_var} is not set")
    endif()
endforeach()

function(step what)
    message(STATUS "consumer.${MODE}: ${what}")
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE _rc)
    if(NOT _rc EQUAL 0)
        string(REPLACE ";" " " _line "${ARGN}")
        message(FATAL_ERROR "consumer.${MODE}: ${what} failed (${_rc}): ${_line}")
    endif()
endfunction()

# NAME: the build folder's name when several checks of one MODE run (by default MODE).
if("${NAME}" STREQUAL "")
    set(NAME "${MODE}")
endif()
set(_work "${ATTNKIT_BINARY_DIR}/consumer/${NAME}")
set(_build "${_work}/build")
file(REMOVE_RECURSE "${_work}")

set(_configure -S "${CONSUMER_SOURCE_DIR}" -B "${_build}" -G "${GENERATOR}"
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
    "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}"
    "-DCMAKE_EXE_LINKER_FLAGS=${EXE_LINKER_FLAGS}")
foreach(_pair IN ITEMS "GENERATOR_PLATFORM|-A" "GENERATOR_TOOLSET|-T")
    string(REPLACE "|" ";" _pair "${_pair}")
    list(GET _pair 0 _var)
    list(GET _pair 1 _flag)
    if(NOT "${${_var}}" STREQUAL "")
        list(APPEND _configure ${_flag} "${${_var}}")
    endif()
endforeach()
foreach(_pair IN ITEMS "MAKE_PROGRAM|CMAKE_MAKE_PROGRAM" "CXX_COMPILER|CMAKE_CXX_COMPILER"
                       "CONSUMER_CONFIG|CMAKE_BUILD_TYPE" "xsimd_DIR|xsimd_DIR"
                       "USE_OPENMP|ATTNKIT_CONSUMER_OPENMP" "ISA_DISPATCH|ATTNKIT_CONSUMER_ISA_DISPATCH"
                       "VERSION|ATTNKIT_CONSUMER_VERSION" "STRICT|ATTNKIT_CONSUMER_STRICT"
                       "CXX_STANDARD|ATTNKIT_CONSUMER_CXX_STANDARD")
    string(REPLACE "|" ";" _pair "${_pair}")
    list(GET _pair 0 _var)
    list(GET _pair 1 _cache)
    if(NOT "${${_var}}" STREQUAL "" AND NOT "${${_var}}" MATCHES "-NOTFOUND$")
        list(APPEND _configure "-D${_cache}=${${_var}}")
    endif()
endforeach()

# CONFIG: this build's configuration (what is installed); CONSUMER_CONFIG: the
# consumer project's own (how it is built and run).
set(_config_args "")
if(NOT "${CONFIG}" STREQUAL "")
    set(_config_args --config "${CONFIG}")
endif()
set(_consumer_config_args "")
set(_ctest_config_args "")
if(NOT "${CONSUMER_CONFIG}" STREQUAL "")
    set(_consumer_config_args --config "${CONSUMER_CONFIG}")
    set(_ctest_config_args -C "${CONSUMER_CONFIG}")
endif()

if(MODE STREQUAL "package")
    set(_prefix "${_work}/prefix")
    step("install attnkit into ${_prefix}"
         "${CMAKE_COMMAND}" --install "${ATTNKIT_BINARY_DIR}" --prefix "${_prefix}" ${_config_args})
    foreach(_file IN ITEMS "include/attnkit/attnkit.hpp" "${INSTALL_CMAKEDIR}/attnkitConfig.cmake"
                           "${INSTALL_CMAKEDIR}/attnkitConfigVersion.cmake"
                           "${INSTALL_CMAKEDIR}/attnkitTargets.cmake"
                           "${INSTALL_CMAKEDIR}/attnkitIsaDispatch.cmake"
                           "${INSTALL_CMAKEDIR}/attnkitXsimdXtl.cmake")
        if(NOT EXISTS "${_prefix}/${_file}")
            message(FATAL_ERROR "consumer.package: ${_file} was not installed")
        endif()
    endforeach()
    list(APPEND _configure -DATTNKIT_CONSUMER_MODE=package "-DCMAKE_PREFIX_PATH=${_prefix}")
elseif(MODE STREQUAL "subdirectory")
    list(APPEND _configure -DATTNKIT_CONSUMER_MODE=subdirectory
         "-DATTNKIT_CONSUMER_ATTNKIT_SOURCE=${ATTNKIT_SOURCE_DIR}")
else()
    message(FATAL_ERROR "check.cmake: unknown MODE `${MODE}`")
endif()

step("configure" "${CMAKE_COMMAND}" ${_configure})

if(MODE STREQUAL "package")
    # The package must come from the fresh prefix, not from anywhere else.
    file(STRINGS "${_build}/CMakeCache.txt" _found REGEX "^attnkit_DIR:")
    string(REGEX REPLACE "^attnkit_DIR:[A-Z]+=" "" _found "${_found}")
    file(REAL_PATH "${_found}" _found)
    file(REAL_PATH "${_prefix}" _real_prefix)
    string(FIND "${_found}" "${_real_prefix}/" _at)
    if(NOT _at EQUAL 0)
        message(FATAL_ERROR "consumer.package: found attnkit in ${_found}, not under ${_real_prefix}")
    endif()
endif()

step("build" "${CMAKE_COMMAND}" --build "${_build}" ${_consumer_config_args})
step("run" "${CTEST_COMMAND}" --test-dir "${_build}" --output-on-failure ${_ctest_config_args})
