// Catch2's main, for builds where the project's shared one (attnkit_catch_main) is absent.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
