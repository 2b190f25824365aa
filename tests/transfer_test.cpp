#include <catch2/catch.hpp>

#include "test_helpers.hpp"
