# Runs the shell commands that README.md gives to install and use attnkit,
# exactly as they are written there, in a fresh work folder whose HOME the
# commands see. Run by ctest (see tests/CMakeLists.txt) as
#   cmake -D<VAR>=<value>... -DMODE=install|pkg_config -P readme.cmake
# Each block that a MODE runs follows a line `<!-- consumer.readme_<MODE>... -->`
# in README.md: the ```sh block after that line is copied to a script and run
# with `sh -e -x`.
# MODE=install:    in <work>/attnkit, a copy of the files an install needs
#                  (CMakeLists.txt, CMakePresets.json, cmake/, docs/,
#                  include/, LICENSE, README.md: no tests/ or bench/), and in
#                  <work>/my_app, tests/consumer: the block configures attnkit
#                  with the `install` preset, installs it into a prefix under
#                  HOME and builds my_app against it through CMAKE_PREFIX_PATH;
#                  then my_app's test runs.
# MODE=pkg_config: this build tree is installed into the prefix the README
#                  uses, <work>/app.cpp is tests/consumer/api_checks.cpp, and
#                  the blocks build it with pkg-config and plain g++ lines,
#                  with and without the ISA dispatch units, and run it.
# The consumer project is configured in CONSUMER_CONFIG (the environment's
# CMAKE_BUILD_TYPE, which an explicit setting such as the preset's overrides).
cmake_minimum_required(VERSION 3.20)

foreach(_var IN ITEMS MODE ATTNKIT_SOURCE_DIR ATTNKIT_BINARY_DIR CONSUMER_SOURCE_DIR CTEST_COMMAND)
    if("${${_var}}" STREQUAL "")
        message(FATAL_ERROR "readme.cmake: ${_var} is not set")
    endif()
endforeach()

function(step what)
    message(STATUS "consumer.readme_${MODE}: ${what}")
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE _rc)
    if(NOT _rc EQUAL 0)
        string(REPLACE ";" " " _line "${ARGN}")
        message(FATAL_ERROR "consumer.readme_${MODE}: ${what} failed (${_rc}): ${_line}")
    endif()
endfunction()

# The ```sh blocks of README.md that follow a `<!-- consumer.readme_${MODE}` line, in order.
function(readme_blocks out)
    file(READ "${ATTNKIT_SOURCE_DIR}/README.md" _text)
    set(_blocks "")
    set(_count 0)
    while(TRUE)
        string(FIND "${_text}" "<!-- consumer.readme_${MODE}" _at)
        if(_at EQUAL -1)
            break()
        endif()
        string(SUBSTRING "${_text}" ${_at} -1 _text)
        string(FIND "${_text}" "```sh\n" _open)
        if(_open EQUAL -1)
            message(FATAL_ERROR "readme.cmake: no ```sh block after a consumer.readme_${MODE} marker in README.md")
        endif()
        math(EXPR _open "${_open} + 6")
        string(SUBSTRING "${_text}" ${_open} -1 _text)
        string(FIND "${_text}" "\n```" _close)
        if(_close EQUAL -1)
            message(FATAL_ERROR "readme.cmake: unterminated ```sh block in README.md")
        endif()
        string(SUBSTRING "${_text}" 0 ${_close} _block)
        string(APPEND _blocks "${_block}\n")
        math(EXPR _count "${_count} + 1")
        string(SUBSTRING "${_text}" ${_close} -1 _text)
    endwhile()
    if(_count EQUAL 0)
        message(FATAL_ERROR "readme.cmake: README.md has no block marked consumer.readme_${MODE}")
    endif()
    message(STATUS "consumer.readme_${MODE}: ${_count} block(s) of README.md")
    set(${out} "${_blocks}" PARENT_SCOPE)
endfunction()

set(_work "${ATTNKIT_BINARY_DIR}/consumer/readme_${MODE}")
file(REMOVE_RECURSE "${_work}")
file(MAKE_DIRECTORY "${_work}")
# What the README's commands call $HOME/.local/attnkit.
set(_prefix "${_work}/.local/attnkit")

readme_blocks(_script)
file(WRITE "${_work}/commands.sh" "${_script}")

# The commands run with the machine's default compilers, as a user's would,
# and nothing from the caller's environment steers them elsewhere.
set(_env "")
foreach(_var IN ITEMS PKG_CONFIG_PATH CMAKE_PREFIX_PATH CMAKE_GENERATOR CXX CXXFLAGS CPATH CPLUS_INCLUDE_PATH)
    list(APPEND _env "--unset=${_var}")
endforeach()
list(APPEND _env "HOME=${_work}" "CMAKE_BUILD_TYPE=${CONSUMER_CONFIG}")

if(MODE STREQUAL "install")
    set(_copy "${_work}/attnkit")
    file(MAKE_DIRECTORY "${_copy}")
    foreach(_item IN ITEMS CMakeLists.txt CMakePresets.json LICENSE README.md cmake docs include)
        file(COPY "${ATTNKIT_SOURCE_DIR}/${_item}" DESTINATION "${_copy}")
    endforeach()
    file(MAKE_DIRECTORY "${_work}/my_app")
    file(COPY "${CONSUMER_SOURCE_DIR}/CMakeLists.txt" "${CONSUMER_SOURCE_DIR}/main.cpp"
         DESTINATION "${_work}/my_app")
elseif(MODE STREQUAL "pkg_config")
    foreach(_tool IN ITEMS pkg-config g++)
        find_program(_found_${_tool} NAMES ${_tool})
        if(NOT _found_${_tool})
            message(FATAL_ERROR "consumer.readme_pkg_config: `${_tool}` not found, which the README's commands run: "
                                "apt-get install ${_tool}")
        endif()
    endforeach()
    step("install this build into ${_prefix}"
         "${CMAKE_COMMAND}" --install "${ATTNKIT_BINARY_DIR}" --prefix "${_prefix}")
    configure_file("${CONSUMER_SOURCE_DIR}/api_checks.cpp" "${_work}/app.cpp" COPYONLY)
    # The dispatch units the README writes by hand must include what
    # attnkit_add_isa_dispatch's generated units include.
    file(READ "${ATTNKIT_SOURCE_DIR}/cmake/attnkitIsaDispatch.cmake" _dispatch)
    if(NOT _dispatch MATCHES "CONTENT \"(#include <[^>]+>)")
        message(FATAL_ERROR "readme.cmake: cannot find the generated units' #include in attnkitIsaDispatch.cmake")
    endif()
    string(FIND "${_script}" "${CMAKE_MATCH_1}" _at)
    if(_at EQUAL -1)
        message(FATAL_ERROR "consumer.readme_pkg_config: the README's dispatch units do not `${CMAKE_MATCH_1}` "
                            "as attnkit_add_isa_dispatch's do: update README.md")
    endif()
else()
    message(FATAL_ERROR "readme.cmake: unknown MODE `${MODE}`")
endif()

step("run the README's commands (${_work}/commands.sh)"
     "${CMAKE_COMMAND}" -E chdir "${_work}" "${CMAKE_COMMAND}" -E env ${_env} sh -e -x commands.sh)

if(MODE STREQUAL "install")
    # The install configuration looked for neither Catch2 nor Google Benchmark.
    file(STRINGS "${_work}/attnkit/build/install/CMakeCache.txt" _found REGEX "^(Catch2|benchmark)_DIR:")
    if(_found)
        message(FATAL_ERROR "consumer.readme_install: the install preset looked for test or benchmark packages: ${_found}")
    endif()
    # What the README says the install puts into the prefix beside the CMake package.
    foreach(_file IN ITEMS include/attnkit/attnkit.hpp include/attnkit/isa_instance.hpp share/pkgconfig/attnkit.pc
                           share/doc/attnkit/README.md share/doc/attnkit/docs/api.md)
        if(NOT EXISTS "${_prefix}/${_file}")
            message(FATAL_ERROR "consumer.readme_install: ${_file} was not installed")
        endif()
    endforeach()
    # The consumer found attnkit in the README's prefix, not anywhere else.
    file(STRINGS "${_work}/my_app/build/CMakeCache.txt" _found REGEX "^attnkit_DIR:")
    string(REGEX REPLACE "^attnkit_DIR:[A-Z]+=" "" _found "${_found}")
    file(REAL_PATH "${_found}" _found)
    file(REAL_PATH "${_prefix}" _real_prefix)
    string(FIND "${_found}" "${_real_prefix}/" _at)
    if(NOT _at EQUAL 0)
        message(FATAL_ERROR "consumer.readme_install: my_app found attnkit in ${_found}, not under ${_real_prefix}")
    endif()
    step("run my_app's test" "${CTEST_COMMAND}" --test-dir "${_work}/my_app/build" --output-on-failure)
endif()
