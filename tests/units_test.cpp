#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "meb/units.hpp"
#include "test_helpers.hpp"

using meb::conversion_factor;
using meb::Dimension;
using meb::parse_unit;
using meb::Unit;

namespace {
// The factor between two unit strings; fails the test when the engine finds none.
double factor(const std::string& from, const std::string& to) {
  const auto value = conversion_factor(parse_unit(from), parse_unit(to));
  INFO(from << " -> " << to);
  REQUIRE(value.has_value());
  return *value;
}
}  // namespace

TEST_CASE("base units parse to their dimension and amount in kg, litres or pieces", "[units]") {
  struct Case {
    const char* text;
    Dimension dimension;
    double amount;
  };
  const std::vector<Case> cases = {
      {"KG", Dimension::mass, 1.0},      {"G", Dimension::mass, 0.001},  // 1 g = 1/1000 kg
      {"L", Dimension::volume, 1.0},     {"ML", Dimension::volume, 0.001},  // 1 ml = 1/1000 l
      {"M3", Dimension::volume, 1000.0},  // 1 m3 = 1000 l
      {"pcs", Dimension::count, 1.0},    {"Unit", Dimension::count, 1.0},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    const Unit unit = parse_unit(c.text);
    CHECK(unit.recognised());
    CHECK(unit.dimension == c.dimension);
    CHECK(unit.amount == Approx(c.amount));
    CHECK(unit.text == c.text);
  }
}

TEST_CASE("multiples of a unit multiply its amount", "[units]") {
  struct Case {
    const char* text;
    Dimension dimension;
    double amount;
  };
  const std::vector<Case> cases = {
      {"50 KG", Dimension::mass, 50.0},   {"100 KG", Dimension::mass, 100.0}, {"1.1 KG", Dimension::mass, 1.1},
      {"500 G", Dimension::mass, 0.5},    // 500 x 0.001 kg
      {"30 pcs", Dimension::count, 30.0}, {"10 pcs", Dimension::count, 10.0},
      {"0.5L", Dimension::volume, 0.5},   {"5 L", Dimension::volume, 5.0},
      {"250 ML", Dimension::volume, 0.25},  // 250 x 0.001 l
      {"11 KG", Dimension::mass, 11.0},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    const Unit unit = parse_unit(c.text);
    CHECK(unit.dimension == c.dimension);
    CHECK(unit.amount == Approx(c.amount));
  }
}

TEST_CASE("unit names ignore case and spacing", "[units]") {
  for (const char* text : {"kg", "Kg", " KG ", "\tkg"}) {
    INFO("'" << text << "'");
    CHECK(parse_unit(text).dimension == Dimension::mass);
    CHECK(parse_unit(text).amount == Approx(1.0));
  }
  for (const char* text : {"50 KG", "50KG", "50  kg", " 50 Kg "}) {
    INFO("'" << text << "'");
    CHECK(parse_unit(text).dimension == Dimension::mass);
    CHECK(parse_unit(text).amount == Approx(50.0));
  }
  for (const char* text : {"PCS", "Pcs", "unit", "UNIT", "piece"}) {
    INFO("'" << text << "'");
    CHECK(parse_unit(text).dimension == Dimension::count);
    CHECK(parse_unit(text).amount == Approx(1.0));
  }
  CHECK(parse_unit("ml").amount == Approx(0.001));
  CHECK(parse_unit("m3").amount == Approx(1000.0));
  // The text is kept trimmed, as written.
  CHECK(parse_unit("  50 KG ").text == "50 KG");
}

TEST_CASE("unrecognised units keep their text and have no dimension", "[units]") {
  for (const char* text : {"Bunch", "Bag", "2 bunch", "Cuillere", "", "0 KG", "1.2.3 KG", "KG 50"}) {
    INFO("'" << text << "'");
    const Unit unit = parse_unit(text);
    CHECK_FALSE(unit.recognised());
    CHECK(unit.dimension == Dimension::unknown);
  }
  CHECK(parse_unit(" Bunch ").text == "Bunch");
  CHECK(meb::to_string(Dimension::mass) == "mass");
  CHECK(meb::to_string(Dimension::volume) == "volume");
  CHECK(meb::to_string(Dimension::count) == "count");
  CHECK(meb::to_string(Dimension::unknown) == "unknown");
}

TEST_CASE("conversion factors within a dimension", "[units]") {
  // How many `to` units one `from` unit holds.
  CHECK(factor("100 KG", "KG") == Approx(100.0));
  CHECK(factor("50 KG", "KG") == Approx(50.0));
  CHECK(factor("G", "KG") == Approx(0.001));
  CHECK(factor("KG", "G") == Approx(1000.0));
  CHECK(factor("500 G", "KG") == Approx(0.5));
  CHECK(factor("KG", "500 G") == Approx(2.0));   // 1 / 0.5
  CHECK(factor("50 KG", "500 G") == Approx(100.0));  // 50 / 0.5
  CHECK(factor("M3", "L") == Approx(1000.0));
  CHECK(factor("L", "ML") == Approx(1000.0));
  CHECK(factor("ML", "L") == Approx(0.001));
  CHECK(factor("30 pcs", "pcs") == Approx(30.0));
  CHECK(factor("30 pcs", "10 pcs") == Approx(3.0));
  CHECK(factor("Unit", "pcs") == Approx(1.0));
  CHECK(factor("1.1 KG", "KG") == Approx(1.1));
  CHECK(factor("KG", "KG") == Approx(1.0));
}

TEST_CASE("conversion factors are reciprocal and chain", "[units]") {
  const std::vector<std::string> masses = {"KG", "G", "50 KG", "100 KG", "1.1 KG", "500 G", "MT"};
  const std::vector<std::string> volumes = {"L", "ML", "M3", "0.5L", "5 L"};
  const std::vector<std::string> counts = {"pcs", "Unit", "30 pcs", "10 pcs"};
  for (const auto* group : {&masses, &volumes, &counts}) {
    for (const auto& a : *group) {
      for (const auto& b : *group) {
        INFO(a << " <-> " << b);
        CHECK(factor(a, b) * factor(b, a) == Approx(1.0));
        for (const auto& c : *group) CHECK(factor(a, b) * factor(b, c) == Approx(factor(a, c)));
      }
    }
  }
}

TEST_CASE("mass and volume convert only through a density", "[units]") {
  const Unit litre = parse_unit("L");
  const Unit kg = parse_unit("KG");
  CHECK_FALSE(conversion_factor(litre, kg).has_value());
  CHECK_FALSE(conversion_factor(kg, litre).has_value());
  // Vegetable oil at 0.92 kg/l: 1 l = 0.92 kg, 1 kg = 1 / 0.92 l.
  REQUIRE(conversion_factor(litre, kg, 0.92).has_value());
  CHECK(*conversion_factor(litre, kg, 0.92) == Approx(0.92));
  CHECK(*conversion_factor(kg, litre, 0.92) == Approx(1.0 / 0.92));
  // 5 l = 5 x 0.92 = 4.6 kg; 500 ml = 0.5 x 0.92 = 0.46 kg = 460 g.
  CHECK(*conversion_factor(parse_unit("5 L"), kg, 0.92) == Approx(4.6));
  CHECK(*conversion_factor(parse_unit("500 ML"), parse_unit("G"), 0.92) == Approx(460.0));
  // A density never links a count to a mass or a volume.
  CHECK_FALSE(conversion_factor(parse_unit("pcs"), kg, 0.92).has_value());
  CHECK_FALSE(conversion_factor(kg, parse_unit("pcs"), 0.92).has_value());
  CHECK_FALSE(conversion_factor(litre, parse_unit("30 pcs"), 0.92).has_value());
}

TEST_CASE("an unknown unit matches only the very same text", "[units]") {
  const Unit bunch = parse_unit("Bunch");
  CHECK(conversion_factor(bunch, parse_unit("Bunch")) == Approx(1.0));
  CHECK(conversion_factor(parse_unit(" Bunch "), bunch) == Approx(1.0));  // trimmed first
  CHECK_FALSE(conversion_factor(bunch, parse_unit("2 Bunch")).has_value());
  CHECK_FALSE(conversion_factor(bunch, parse_unit("Bag")).has_value());
  CHECK_FALSE(conversion_factor(bunch, parse_unit("bunch")).has_value());  // not the exact same string
  // Unknown against known fails both ways, even with a density.
  CHECK_FALSE(conversion_factor(bunch, parse_unit("KG")).has_value());
  CHECK_FALSE(conversion_factor(parse_unit("KG"), bunch).has_value());
  CHECK_FALSE(conversion_factor(bunch, parse_unit("L"), 0.92).has_value());
  CHECK_FALSE(conversion_factor(parse_unit("pcs"), bunch).has_value());
}
