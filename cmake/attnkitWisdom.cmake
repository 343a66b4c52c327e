# attnkit::wisdom: <attnkit/wisdom.hpp>, which reads and writes the tuner's
# results ("wisdom", docs/wisdom.md) for variant::automatic. It needs nlohmann's
# JSON library; attnkit::attnkit itself does not, so the target exists only when
# nlohmann_json is found (Debian: nlohmann-json3-dev), and a build without it
# loses only the wisdom files. Included by the root CMakeLists.txt after the
# attnkit target and before the install rules.

find_package(nlohmann_json 3 QUIET)

if(nlohmann_json_FOUND)
    add_library(attnkit_wisdom INTERFACE)
    add_library(attnkit::wisdom ALIAS attnkit_wisdom)
    # Exported as attnkit::wisdom, like the alias.
    set_target_properties(attnkit_wisdom PROPERTIES EXPORT_NAME wisdom)
    target_link_libraries(attnkit_wisdom INTERFACE attnkit::attnkit nlohmann_json::nlohmann_json)
    if(ATTNKIT_INSTALL)
        install(TARGETS attnkit_wisdom EXPORT attnkitTargets)
    endif()
    # Read by attnkitConfig.cmake.in: the installed package looks for nlohmann_json too.
    set(ATTNKIT_HAVE_WISDOM ON)
else()
    set(ATTNKIT_HAVE_WISDOM OFF)
    message(STATUS "attnkit: nlohmann_json not found; no attnkit::wisdom target (wisdom files) "
                   "(apt-get install nlohmann-json3-dev)")
endif()
