# What may include what under include/ (docs/architecture.md, issue 13):
#   cmake -DSOURCE_DIR=<attnkit source tree> -P tests/lint/layering.cmake
# 1. A header includes system headers (<...>) and attnkit's own ("attnkit/..."),
#    nothing else: nothing of bench/, tests/, fuzz/ or python/.
# 2. The vocabulary headers (view, options, error, version, tuning) include
#    only each other and detail/config_namespace.hpp.
# 3. detail/ includes detail/ and the vocabulary, never the front door
#    (sdpa.hpp, isa.hpp, wisdom.hpp, attnkit.hpp, isa_instance.hpp).
# 4. The engines and what they use (everything in detail/ but detail/kernels/,
#    isa_instance.hpp) never include detail/kernels/: kernels sit above them.
# 5. Every public header (include/attnkit/*.hpp) is named in docs/architecture.md.
# 6. No header includes <sstream>: a string stream crashed a consumer that links
#    libstdc++ statically (GCC 13, the Python module on the 16-core host), so
#    numbers are written with std::to_chars (detail/validate.hpp, number_text).
cmake_minimum_required(VERSION 3.20)

set(_vocabulary view.hpp options.hpp error.hpp version.hpp tuning.hpp)
set(_above_kernels detail/isa_instance.hpp)
set(_errors "")

file(GLOB_RECURSE _headers RELATIVE "${SOURCE_DIR}/include/attnkit" "${SOURCE_DIR}/include/attnkit/*.hpp")
list(SORT _headers)
file(READ "${SOURCE_DIR}/docs/architecture.md" _design)
foreach(_header IN LISTS _headers)
    file(STRINGS "${SOURCE_DIR}/include/attnkit/${_header}" _lines REGEX "^[ \t]*#[ \t]*include")
    get_filename_component(_dir "${_header}" DIRECTORY)
    list(FIND _vocabulary "${_header}" _is_vocabulary)
    if(_dir STREQUAL "" AND NOT _design MATCHES "`${_header}`")
        list(APPEND _errors "public header ${_header} is not named in docs/architecture.md")
    endif()
    foreach(_line IN LISTS _lines)
        if(_line MATCHES "#[ \t]*include[ \t]*<[^>]+>")
            if(_line MATCHES "<sstream>")
                list(APPEND _errors "${_header}: `${_line}`: no string streams in include/ (rule 6)")
            endif()
            if(_line MATCHES "<attnkit/")
                list(APPEND _errors "${_header}: `${_line}`: attnkit's own headers are included as \"attnkit/...\"")
            endif()
            continue()
        endif()
        if(NOT _line MATCHES "#[ \t]*include[ \t]*\"attnkit/([^\"]+)\"")
            list(APPEND _errors "${_header}: `${_line}` is neither a system header nor one of include/attnkit")
            continue()
        endif()
        set(_target "${CMAKE_MATCH_1}")
        list(FIND _vocabulary "${_target}" _target_is_vocabulary)
        if(_is_vocabulary GREATER -1 AND _target_is_vocabulary EQUAL -1
           AND NOT _target STREQUAL "detail/config_namespace.hpp")
            list(APPEND _errors "${_header} (vocabulary) includes ${_target}")
        endif()
        if(_dir MATCHES "^detail" AND NOT _target MATCHES "^detail/" AND _target_is_vocabulary EQUAL -1)
            list(APPEND _errors "${_header} (internal) includes the front door's ${_target}")
        endif()
        if(_dir STREQUAL "detail" AND _target MATCHES "^detail/kernels/" AND NOT _header IN_LIST _above_kernels)
            list(APPEND _errors "${_header} (an engine's layer) includes ${_target} (kernels sit above the engines)")
        endif()
    endforeach()
endforeach()

if(_errors)
    string(REPLACE ";" "\n  " _text "${_errors}")
    message(FATAL_ERROR "layering: include/ breaks docs/architecture.md's rules:\n  ${_text}")
endif()
list(LENGTH _headers _count)
message(STATUS "layering: ${_count} headers follow docs/architecture.md's rules")
