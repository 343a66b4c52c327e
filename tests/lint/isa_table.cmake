# The copies of the ISA table outside C++ agree with it (issue 13, item 4).
#   cmake -DSOURCE_DIR=<attnkit source tree> -P tests/lint/isa_table.cmake
# The table is include/attnkit/detail/isa_table.hpp's ATTNKIT_ISA_TABLE; its
# rows' name, kernels type and flags must be, as "name|type|flags" strings,
# exactly those of cmake/attnkitIsaDispatch.cmake (every row) and of
# fuzz/run.sh (the x86 rows: the fuzzer builds on x86-64 only); the README's
# plain g++ recipe (one `printf "$unit" '<type>' > isa_<name>.cpp` and one
# `g++ ... $DISPATCH <flags> -c isa_<name>.cpp` line per unit) must name the
# x86 rows too, where it has them; and the consumer.include_path tests' _isa_avx512
# flags in tests/CMakeLists.txt are the avx512 row's.
cmake_minimum_required(VERSION 3.20)

function(read_rows file out)
    file(READ "${file}" _text)
    set(${out} "${_text}" PARENT_SCOPE)
endfunction()

# "name|type|flags" for each row of the C++ table.
read_rows("${SOURCE_DIR}/include/attnkit/detail/isa_table.hpp" _header)
string(FIND "${_header}" "#define ATTNKIT_ISA_TABLE(X)" _at)
string(SUBSTRING "${_header}" ${_at} -1 _header)
string(FIND "${_header}" "// clang-format on" _end)
string(SUBSTRING "${_header}" 0 ${_end} _header)
string(REGEX REPLACE "\\\\\n" " " _header "${_header}")
string(REGEX REPLACE "[ \t\n]+" " " _header "${_header}")
string(REGEX MATCHALL "X\\([a-z0-9]+, [^,]+, [^,]+, [^\"]+, \"[^\"]*\"\\)" _rows "${_header}")
set(_table "")
set(_table_x86 "")
foreach(_row IN LISTS _rows)
    string(REGEX REPLACE "^X\\(([a-z0-9]+), ([^,]+), [^,]+, [^\"]+, \"([^\"]*)\"\\)$" "\\1|\\2|\\3" _entry "${_row}")
    list(APPEND _table "${_entry}")
    if(NOT _entry MATCHES "^[a-z0-9]+[|]xsimd::neon")
        list(APPEND _table_x86 "${_entry}")
    endif()
endforeach()
list(LENGTH _table _count)
if(_count LESS 4)
    message(FATAL_ERROR "isa_table: found ${_count} rows in isa_table.hpp (${_table}); the parser needs fixing")
endif()
list(SORT _table)
list(SORT _table_x86)

function(check_copy file expected)
    file(READ "${SOURCE_DIR}/${file}" _text)
    string(REGEX MATCHALL "\"[a-z0-9]+[|]xsimd::[^|\"]+[|][^\"]*\"" _quoted "${_text}")
    set(_copy "")
    foreach(_q IN LISTS _quoted)
        string(REGEX REPLACE "^\"(.*)\"$" "\\1" _q "${_q}")
        list(APPEND _copy "${_q}")
    endforeach()
    list(SORT _copy)
    if(NOT _copy STREQUAL expected)
        string(REPLACE ";" "\n    " _want "${expected}")
        string(REPLACE ";" "\n    " _got "${_copy}")
        message(FATAL_ERROR "isa_table: ${file} disagrees with include/attnkit/detail/isa_table.hpp\n"
                            "  the table says:\n    ${_want}\n  ${file} says:\n    ${_got}")
    endif()
    message(STATUS "isa_table: ${file} agrees with the table")
endfunction()

check_copy("cmake/attnkitIsaDispatch.cmake" "${_table}")
check_copy("fuzz/run.sh" "${_table_x86}")

# The README's recipe without CMake.
file(STRINGS "${SOURCE_DIR}/README.md" _units REGEX "^printf \"\\$unit\" '[^']+' > isa_[a-z0-9]+[.]cpp$")
file(STRINGS "${SOURCE_DIR}/README.md" _compiles REGEX "^g[+][+] .*[$]DISPATCH.* -c isa_[a-z0-9]+[.]cpp$")
set(_readme "")
foreach(_unit IN LISTS _units)
    string(REGEX REPLACE "^printf \"\\$unit\" '([^']+)' > isa_([a-z0-9]+)[.]cpp$" "\\2;\\1" _pair "${_unit}")
    list(GET _pair 0 _name)
    list(GET _pair 1 _type)
    set(_flags "")
    foreach(_compile IN LISTS _compiles)
        if(_compile MATCHES "[$]DISPATCH ?(.*) -c isa_${_name}[.]cpp$")
            string(STRIP "${CMAKE_MATCH_1}" _flags)
        endif()
    endforeach()
    list(APPEND _readme "${_name}|${_type}|${_flags}")
endforeach()
list(SORT _readme)
if(_readme)
    if(NOT _readme STREQUAL _table_x86)
        string(REPLACE ";" "\n    " _want "${_table_x86}")
        string(REPLACE ";" "\n    " _got "${_readme}")
        message(FATAL_ERROR "isa_table: README.md's recipe without CMake disagrees with include/attnkit/detail/isa_table.hpp\n"
                            "  the table says:\n    ${_want}\n  README.md says:\n    ${_got}")
    endif()
    message(STATUS "isa_table: README.md's recipe without CMake agrees with the table")
else()
    message(STATUS "isa_table: README.md has no recipe without CMake to check")
endif()

# The consumer.include_path tests' AVX-512 flags (tests/CMakeLists.txt).
file(STRINGS "${SOURCE_DIR}/tests/CMakeLists.txt" _consumer REGEX "^ *set\\(_isa_avx512 ")
foreach(_line IN LISTS _consumer)
    string(REGEX REPLACE "^ *set\\(_isa_avx512 (.*)\\)$" "\\1" _flags "${_line}")
    set(_entry "")
    foreach(_row IN LISTS _table)
        if(_row MATCHES "^avx512[|][^|]*[|](.*)$")
            set(_entry "${CMAKE_MATCH_1}")
        endif()
    endforeach()
    if(NOT _flags STREQUAL _entry)
        message(FATAL_ERROR "isa_table: tests/CMakeLists.txt's _isa_avx512 (${_flags}) is not the table's "
                            "avx512 flags (${_entry})")
    endif()
    message(STATUS "isa_table: tests/CMakeLists.txt's _isa_avx512 agrees with the table")
endforeach()
