#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "meb/household.hpp"
#include "test_helpers.hpp"

namespace {

meb::Household fixed(double size) {
  meb::Household household;
  household.model = meb::HouseholdModel::fixed;
  household.size = size;
  return household;
}

// Bands 1 → 1 person, up to 5 → 5, up to 7 → 7, then open → 9.
meb::Household banded(double size, bool open_last = true) {
  meb::Household household;
  household.model = meb::HouseholdModel::bands;
  household.size = size;
  household.bands = {{1.0, 1.0}, {5.0, 5.0}, {7.0, 7.0}};
  if (open_last) household.bands.push_back({std::numeric_limits<double>::infinity(), 9.0});
  return household;
}

meb::Household capped(double size, double base, double max) {
  meb::Household household;
  household.model = meb::HouseholdModel::capped;
  household.size = size;
  household.base = base;
  household.max = max;
  return household;
}

meb::Household equivalence(meb::EquivalenceScale scale, double adults, double children) {
  meb::Household household;
  household.model = meb::HouseholdModel::equivalence;
  household.scale = scale;
  household.adults = adults;
  household.children = children;
  return household;
}

}  // namespace

TEST_CASE("household fixed size multiplies by the size", "[household]") {
  CHECK(fixed(6.0).persons() == 6.0);
  CHECK(fixed(6.0).reported_size() == 6.0);
  CHECK(fixed(6.5).persons() == 6.5);  // fractional representative sizes occur (6.5 in practice)
  CHECK(fixed(1.0).persons() == 1.0);
}

TEST_CASE("household per capita is one person whatever the size", "[household]") {
  meb::Household household;
  household.model = meb::HouseholdModel::per_capita;
  household.size = 7.0;
  CHECK(household.persons() == 1.0);
  CHECK(household.reported_size() == 1.0);
}

TEST_CASE("household bands pick the first band whose up_to holds the size", "[household]") {
  CHECK(banded(1.0).persons() == 1.0);  // exactly on up_to 1
  CHECK(banded(2.0).persons() == 5.0);
  CHECK(banded(5.0).persons() == 5.0);  // exactly on up_to 5: still the second band
  CHECK(banded(6.0).persons() == 7.0);
  CHECK(banded(7.0).persons() == 7.0);  // exactly on up_to 7
  CHECK(banded(8.0).persons() == 9.0);  // the open last band
  CHECK(banded(20.0).persons() == 9.0);
  // The reported size is the household's own size, not the band's persons.
  CHECK(banded(6.0).reported_size() == 6.0);
  CHECK(banded(20.0).reported_size() == 20.0);
}

TEST_CASE("household bands read from YAML honour the edges", "[household]") {
  const std::string head = "id: h\nname: H\ncurrency: XOF\nhousehold:\n  model: bands\n";
  const std::string bands =
      "  bands: [{up_to: 1, persons: 1}, {up_to: 5, persons: 4.5}, {up_to: 7, persons: 6}, {persons: 8}]\n";
  const std::string basket =
      "basket:\n  - component: water\n    tier: smeb\n    cost: 100\n    per: household/month\n";
  CHECK(meb::testing::methodology_from(head + "  size: 5\n" + bands + basket).household.persons() == 4.5);
  CHECK(meb::testing::methodology_from(head + "  size: 5.5\n" + bands + basket).household.persons() == 6.0);
  CHECK(meb::testing::methodology_from(head + "  size: 12\n" + bands + basket).household.persons() == 8.0);
}

TEST_CASE("household capped multiplier is base times min of size and max", "[household]") {
  CHECK(capped(9.0, 1.0, 7.0).persons() == 7.0);   // 1 × min(9, 7) = 7
  CHECK(capped(5.0, 1.0, 7.0).persons() == 5.0);   // 1 × min(5, 7) = 5
  CHECK(capped(7.0, 1.0, 7.0).persons() == 7.0);   // on the cap
  CHECK(capped(9.0, 0.8, 7.0).persons() == Approx(5.6));  // 0.8 × 7 = 5.6
  CHECK(capped(4.0, 1.5, 7.0).persons() == Approx(6.0));  // 1.5 × 4 = 6
  CHECK(capped(9.0, 1.0, 7.0).reported_size() == 9.0);
}

TEST_CASE("household OECD equivalence scale", "[household]") {
  using meb::EquivalenceScale;
  // 1 + 0.7 (a − 1) + 0.5 c
  CHECK(equivalence(EquivalenceScale::oecd, 1.0, 0.0).persons() == Approx(1.0));
  CHECK(equivalence(EquivalenceScale::oecd, 2.0, 3.0).persons() == Approx(3.2));  // 1 + 0.7 + 1.5
  CHECK(equivalence(EquivalenceScale::oecd, 3.0, 4.0).persons() == Approx(4.4));  // 1 + 1.4 + 2.0
  CHECK(equivalence(EquivalenceScale::oecd, 2.0, 3.0).reported_size() == 5.0);    // 2 adults + 3 children
}

TEST_CASE("household modified OECD equivalence scale", "[household]") {
  using meb::EquivalenceScale;
  // 1 + 0.5 (a − 1) + 0.3 c
  CHECK(equivalence(EquivalenceScale::modified_oecd, 1.0, 0.0).persons() == Approx(1.0));
  CHECK(equivalence(EquivalenceScale::modified_oecd, 2.0, 3.0).persons() == Approx(2.4));  // 1 + 0.5 + 0.9
  CHECK(equivalence(EquivalenceScale::modified_oecd, 3.0, 4.0).persons() == Approx(3.2));  // 1 + 1.0 + 1.2
  CHECK(equivalence(EquivalenceScale::modified_oecd, 3.0, 4.0).reported_size() == 7.0);
}

TEST_CASE("household square root equivalence scale", "[household]") {
  using meb::EquivalenceScale;
  // √N with N = adults + children
  CHECK(equivalence(EquivalenceScale::square_root, 2.0, 2.0).persons() == Approx(2.0));  // √4
  CHECK(equivalence(EquivalenceScale::square_root, 4.0, 5.0).persons() == Approx(3.0));  // √9
  CHECK(equivalence(EquivalenceScale::square_root, 3.0, 2.0).persons() == Approx(2.2360679775));  // √5
  CHECK(equivalence(EquivalenceScale::square_root, 1.0, 0.0).persons() == Approx(1.0));
  CHECK(equivalence(EquivalenceScale::square_root, 3.0, 2.0).reported_size() == 5.0);
}

TEST_CASE("household describe names the model and the multiplier", "[household]") {
  CHECK_THAT(capped(9.0, 1.0, 7.0).describe(), Catch::Contains("min(9, 7) = 7"));
  CHECK_THAT(equivalence(meb::EquivalenceScale::modified_oecd, 2.0, 3.0).describe(),
             Catch::Contains("modified_oecd"));
  CHECK_THAT(fixed(6.0).describe(), Catch::Contains("6"));
}
