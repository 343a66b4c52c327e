# Fails when README.md does not quote each example verbatim. Run by ctest:
#   cmake -DREADME=<README.md> "-DEXAMPLES=<a.cpp|b.cpp>" -P attnkitCheckReadme.cmake
cmake_minimum_required(VERSION 3.20)
string(REPLACE "|" ";" EXAMPLES "${EXAMPLES}")
file(READ "${README}" _readme)
foreach(_example IN LISTS EXAMPLES)
    file(READ "${_example}" _text)
    string(FIND "${_readme}" "${_text}" _at)
    if(_at EQUAL -1)
        get_filename_component(_name "${_example}" NAME)
        message(FATAL_ERROR "README.md does not quote examples/${_name} as it is now: update the README")
    endif()
endforeach()
