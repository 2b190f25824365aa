#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "meb/error.hpp"
#include "meb/survey.hpp"

using meb::ExpenditureCategory;
using meb::ExpenditureColumn;
using meb::InputError;
using meb::Recall;
using meb::Survey;
using meb::SurveySpec;

namespace {

ExpenditureColumn column(const std::string& name, ExpenditureCategory category, Recall recall, bool in_meb = true,
                         const std::string& component = "") {
  ExpenditureColumn c;
  c.column = name;
  c.category = category;
  c.recall = recall;
  c.in_meb = in_meb;
  c.component = component;
  return c;
}

// Two households, every recall period, one excluded item and one component renamed.
SurveySpec full_spec() {
  SurveySpec spec;
  spec.adults = "adults";
  spec.children = "children";
  spec.admin1 = "admin1";
  spec.admin2 = "admin2";
  spec.outcomes = {"fcs"};
  spec.expenditures = {column("food_7d", ExpenditureCategory::food, Recall::days_7),
                       column("water_30d", ExpenditureCategory::water, Recall::days_30),
                       column("clothes_6m", ExpenditureCategory::other, Recall::months_6, true, "clothing"),
                       column("school_12m", ExpenditureCategory::education, Recall::months_12),
                       column("tobacco_30d", ExpenditureCategory::other, Recall::days_30, false)};
  return spec;
}

// Header names in other cases than the spec's: matching is case-insensitive.
const std::string kHeader = "HH_ID,Weight,hh_size,Adults,children,admin1,admin2,FCS,food_7d,water_30d,clothes_6m,school_12m,tobacco_30d\n";
const std::string kGood = kHeader +
                          "H1,1.5,5,2,3,Mopti,Djenne,45,700,150,600,1200,90\n"
                          "H2,2,4,2,2,Bamako,Bamako,38,350,60,0,2400,0\n";

// A survey with one household line under kHeader, read as "survey.csv"; the household is on line 2.
Survey read_one(const std::string& row, const SurveySpec& spec = full_spec()) {
  return meb::read_survey("survey.csv", kHeader + row + "\n", spec);
}

}  // namespace

TEST_CASE("recall periods parse and convert to a month", "[survey]") {
  CHECK(meb::parse_recall("7d") == Recall::days_7);
  CHECK(meb::parse_recall("7 days") == Recall::days_7);
  CHECK(meb::parse_recall("30d") == Recall::days_30);
  CHECK(meb::parse_recall("30 days") == Recall::days_30);
  CHECK(meb::parse_recall("6m") == Recall::months_6);
  CHECK(meb::parse_recall("6 Months") == Recall::months_6);
  CHECK(meb::parse_recall("12m") == Recall::months_12);
  CHECK(meb::parse_recall("12 months") == Recall::months_12);
  CHECK_FALSE(meb::parse_recall("2w").has_value());
  CHECK_FALSE(meb::parse_recall("").has_value());
  for (const Recall r : {Recall::days_7, Recall::days_30, Recall::months_6, Recall::months_12})
    CHECK(meb::parse_recall(meb::to_string(r)) == r);
  // Primer section 2: ×30/7, ×1, ÷6, ÷12.
  CHECK(meb::monthly_factor(Recall::days_7) == Approx(30.0 / 7.0));
  CHECK(meb::monthly_factor(Recall::days_30) == 1.0);
  CHECK(meb::monthly_factor(Recall::months_6) == Approx(1.0 / 6.0));
  CHECK(meb::monthly_factor(Recall::months_12) == Approx(1.0 / 12.0));
}

TEST_CASE("expenditure categories round-trip through their names", "[survey]") {
  const std::vector<std::string> names = {"food",   "water",     "hygiene",   "energy",        "rent",
                                          "health", "education", "transport", "communication", "other"};
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto category = meb::parse_expenditure_category(names[i]);
    REQUIRE(category.has_value());
    CHECK(static_cast<std::size_t>(*category) == i);
    CHECK(meb::to_string(*category) == names[i]);
  }
  CHECK(meb::parse_expenditure_category("Food") == ExpenditureCategory::food);
  CHECK_FALSE(meb::parse_expenditure_category("alcohol").has_value());
}

TEST_CASE("a survey is read with every recall converted to a month", "[survey]") {
  const Survey survey = meb::read_survey("survey.csv", kGood, full_spec());
  REQUIRE(survey.households() == 2);
  CHECK(survey.ids == std::vector<std::string>{"H1", "H2"});
  CHECK(survey.lines == std::vector<std::size_t>{2, 3});
  CHECK(survey.weight[0] == 1.5);
  CHECK(survey.weight[1] == 2.0);
  CHECK(survey.size[0] == 5.0);
  CHECK(survey.adults[1] == 2.0);
  CHECK(survey.children[0] == 3.0);
  CHECK(survey.admin1 == std::vector<std::string>{"Mopti", "Bamako"});
  CHECK(survey.admin2 == std::vector<std::string>{"Djenne", "Bamako"});
  REQUIRE(survey.outcomes.size() == 1);
  CHECK(survey.outcomes[0].first == "fcs");
  CHECK(survey.outcomes[0].second[0] == 45.0);
  CHECK(survey.outcomes[0].second[1] == 38.0);

  REQUIRE(survey.monthly.rows() == 2);
  REQUIRE(survey.monthly.cols() == 5);
  // H1: 700 over 7 days → 700 × 30/7 = 3000; 150 over 30 days → 150; 600 over 6 months → 100;
  // 1200 over 12 months → 100; tobacco 90.
  CHECK(survey.monthly(0, 0) == Approx(3000.0).epsilon(1e-14));
  CHECK(survey.monthly(0, 1) == 150.0);
  CHECK(survey.monthly(0, 2) == Approx(100.0).epsilon(1e-14));
  CHECK(survey.monthly(0, 3) == Approx(100.0).epsilon(1e-14));
  CHECK(survey.monthly(0, 4) == 90.0);
  // H2: 350 × 30/7 = 1500; 60; 0; 2400 / 12 = 200; 0.
  CHECK(survey.monthly(1, 0) == Approx(1500.0).epsilon(1e-14));
  CHECK(survey.monthly(1, 3) == Approx(200.0).epsilon(1e-14));

  // The component defaults to the category name.
  CHECK(survey.columns[0].component == "food");
  CHECK(survey.columns[2].component == "clothing");
  CHECK(survey.columns[4].component == "other");
}

TEST_CASE("per-capita totals and sums by component and category", "[survey]") {
  const Survey survey = meb::read_survey("survey.csv", kGood, full_spec());
  // H1: MEB items 3000 + 150 + 100 + 100 = 3350 over 5 persons = 670; with tobacco 3440 / 5 = 688.
  // H2: 1500 + 60 + 0 + 200 = 1760 over 4 persons = 440; tobacco 0.
  const Eigen::VectorXd meb_only = meb::per_capita_total(survey, true);
  const Eigen::VectorXd all = meb::per_capita_total(survey, false);
  CHECK(meb_only[0] == Approx(670.0).epsilon(1e-14));
  CHECK(meb_only[1] == Approx(440.0).epsilon(1e-14));
  CHECK(all[0] == Approx(688.0).epsilon(1e-14));
  CHECK(all[1] == Approx(440.0).epsilon(1e-14));

  std::vector<std::string> names;
  const Eigen::MatrixXd components = meb::by_component(survey, names, true);
  CHECK(names == std::vector<std::string>{"food", "water", "clothing", "education"});
  REQUIRE(components.cols() == 4);
  CHECK(components(0, 0) == Approx(3000.0));
  CHECK(components(0, 2) == Approx(100.0));
  CHECK(components(1, 3) == Approx(200.0));
  const Eigen::MatrixXd with_excluded = meb::by_component(survey, names, false);
  CHECK(names == std::vector<std::string>{"food", "water", "clothing", "education", "other"});
  CHECK(with_excluded(0, 4) == 90.0);

  // By category: "other" holds clothing (100) and, unless MEB-only, tobacco (90).
  const auto other = static_cast<Eigen::Index>(ExpenditureCategory::other);
  const auto food = static_cast<Eigen::Index>(ExpenditureCategory::food);
  const auto rent = static_cast<Eigen::Index>(ExpenditureCategory::rent);
  const Eigen::MatrixXd categories = meb::by_category(survey, false);
  REQUIRE(categories.cols() == 10);
  CHECK(categories(0, other) == Approx(190.0));
  CHECK(meb::by_category(survey, true)(0, other) == Approx(100.0));
  CHECK(categories(1, food) == Approx(1500.0));
  CHECK(categories(0, rent) == 0.0);
}

TEST_CASE("survey size may come from adults and children, and the weight may be absent", "[survey]") {
  SurveySpec spec;
  spec.size = "";
  spec.weight = "";
  spec.adults = "adults";
  spec.children = "children";
  spec.expenditures = {column("food", ExpenditureCategory::food, Recall::days_30)};
  const Survey survey = meb::read_survey("s.csv", "hh_id,adults,children,food\nA,1,2,300\nB,2,0,100\n", spec);
  CHECK(survey.size[0] == 3.0);
  CHECK(survey.size[1] == 2.0);
  CHECK(survey.weight[0] == 1.0);
  CHECK(meb::per_capita_total(survey, true)[0] == Approx(100.0));  // 300 / 3
  CHECK(survey.admin1.empty());
  REQUIRE_THROWS_WITH(meb::read_survey("s.csv", "hh_id,adults,children,food\nA,0,0,300\n", spec),
                      Catch::Contains("s.csv:2: household 'A', column 'adults': '0' plus children '0' is below 1"));
}

TEST_CASE("survey reading skips HXL rows and keeps physical line numbers", "[survey]") {
  const std::string csv = kHeader + "#hh+id,#weight,,,,,,,,,,,\nH1,1.5,5,2,3,Mopti,Djenne,45,700,150,600,1200,90\n"
                                    "\nH2,0,4,2,2,Bamako,Bamako,38,350,60,0,2400,0\n";
  REQUIRE_THROWS_WITH(meb::read_survey("survey.csv", csv, full_spec()),
                      Catch::Contains("survey.csv:5: household 'H2', column 'Weight': '0' is not > 0"));
}

TEST_CASE("a column the spec names must be in the survey header", "[survey]") {
  SurveySpec spec = full_spec();
  spec.expenditures.push_back(column("fuel_30d", ExpenditureCategory::energy, Recall::days_30));
  REQUIRE_THROWS_AS(meb::read_survey("survey.csv", kGood, spec), InputError);
  REQUIRE_THROWS_WITH(meb::read_survey("survey.csv", kGood, spec),
                      Catch::Contains("survey.csv:1: no column 'fuel_30d' (expenditure on energy over 30d)") &&
                          Catch::Contains("the header has: HH_ID, Weight, hh_size, Adults"));
  SurveySpec no_fcs = full_spec();
  no_fcs.outcomes = {"rcsi"};
  REQUIRE_THROWS_WITH(meb::read_survey("survey.csv", kGood, no_fcs), Catch::Contains("no column 'rcsi' (outcome)"));
  REQUIRE_THROWS_WITH(meb::read_survey("survey.csv", "hh_id,weight,hh_size,hh_size\n", SurveySpec{}),
                      Catch::Contains("survey.csv:1: column 'hh_size' (household size) appears 2 times in the header"));
}

TEST_CASE("each bad survey value names the file, line, household, column and value", "[survey]") {
  // Columns: HH_ID,Weight,hh_size,Adults,children,admin1,admin2,FCS,food_7d,water_30d,clothes_6m,school_12m,tobacco_30d
  struct Case {
    const char* row;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"H1,NA,5,2,3,Mopti,Djenne,45,700,150,600,1200,90", "survey.csv:2: household 'H1', column 'Weight': 'NA' is missing (survey weight)"},
      {"H1,,5,2,3,Mopti,Djenne,45,700,150,600,1200,90", "survey.csv:2: household 'H1', column 'Weight': '' is missing"},
      {"H1,0,5,2,3,Mopti,Djenne,45,700,150,600,1200,90", "survey.csv:2: household 'H1', column 'Weight': '0' is not > 0"},
      {"H1,-1.5,5,2,3,Mopti,Djenne,45,700,150,600,1200,90", "household 'H1', column 'Weight': '-1.5' is not > 0"},
      {"H1,one,5,2,3,Mopti,Djenne,45,700,150,600,1200,90", "household 'H1', column 'Weight': 'one' is not a number"},
      {"H1,1,0.5,0.5,0,Mopti,Djenne,45,700,150,600,1200,90", "household 'H1', column 'hh_size': '0.5' is below 1"},
      {"H1,1,5,2,2,Mopti,Djenne,45,700,150,600,1200,90",
       "household 'H1', column 'hh_size': '5' differs from adults + children = 2 + 2 (columns 'Adults' and 'children')"},
      {"H1,1,5,-1,6,Mopti,Djenne,45,700,150,600,1200,90", "household 'H1', column 'Adults': '-1' is negative"},
      {"H1,1,5,2,n/a,Mopti,Djenne,45,700,150,600,1200,90", "household 'H1', column 'children': 'n/a' is missing (children)"},
      {"H1,1,5,2,3,,Djenne,45,700,150,600,1200,90", "household 'H1', column 'admin1': '' is missing (admin1)"},
      {"H1,1,5,2,3,Mopti,Djenne,NA,700,150,600,1200,90", "household 'H1', column 'FCS': 'NA' is missing (outcome)"},
      {"H1,1,5,2,3,Mopti,Djenne,45,abc,150,600,1200,90",
       "survey.csv:2: household 'H1', column 'food_7d': 'abc' is not a number (expenditure on food over 7d)"},
      {"H1,1,5,2,3,Mopti,Djenne,45,700,-5,600,1200,90", "household 'H1', column 'water_30d': '-5' is a negative amount"},
      {"H1,1,5,2,3,Mopti,Djenne,45,700,150,,1200,90", "household 'H1', column 'clothes_6m': '' is missing (expenditure on other over 6m)"},
      {",1,5,2,3,Mopti,Djenne,45,700,150,600,1200,90", "survey.csv:2: household '', column 'HH_ID': '' is missing (household id)"},
      {"H1,1,5,2,3,Mopti,Djenne,45,700,150,600,1200", "survey.csv:2: household 'H1': expected 13 columns as in the header, found 12"},
  };
  for (const Case& c : cases) {
    INFO(c.row);
    REQUIRE_THROWS_AS(read_one(c.row), InputError);
    REQUIRE_THROWS_WITH(read_one(c.row), Catch::Contains(c.message));
  }
}

TEST_CASE("a duplicate household id names both lines", "[survey]") {
  const std::string csv = kGood + "H1,1,4,2,2,Mopti,Mopti,50,100,10,0,0,0\n";
  REQUIRE_THROWS_WITH(meb::read_survey("survey.csv", csv, full_spec()),
                      Catch::Contains("survey.csv:4: household 'H1', column 'HH_ID': 'H1' is a duplicate household id "
                                      "(first on line 2)"));
}

TEST_CASE("missing: zero turns only a missing expenditure into 0", "[survey]") {
  SurveySpec spec = full_spec();
  spec.missing = SurveySpec::Missing::zero;
  // Missing food (empty) and tobacco (NA): 0 per month; the other columns as usual.
  const Survey survey = read_one("H1,1,5,2,3,Mopti,Djenne,45,,150,600,1200,NA", spec);
  CHECK(survey.monthly(0, 0) == 0.0);
  CHECK(survey.monthly(0, 4) == 0.0);
  CHECK(survey.monthly(0, 1) == 150.0);
  // 150 + 100 + 100 = 350 over 5 persons = 70.
  CHECK(meb::per_capita_total(survey, true)[0] == Approx(70.0));
  // Still errors: a missing weight or outcome, a negative or non-numeric amount.
  REQUIRE_THROWS_WITH(read_one("H1,NA,5,2,3,Mopti,Djenne,45,,150,600,1200,NA", spec),
                      Catch::Contains("household 'H1', column 'Weight': 'NA' is missing"));
  REQUIRE_THROWS_WITH(read_one("H1,1,5,2,3,Mopti,Djenne,,700,150,600,1200,90", spec),
                      Catch::Contains("household 'H1', column 'FCS': '' is missing (outcome)"));
  REQUIRE_THROWS_WITH(read_one("H1,1,5,2,3,Mopti,Djenne,45,700,-150,600,1200,90", spec),
                      Catch::Contains("column 'water_30d': '-150' is a negative amount"));
  REQUIRE_THROWS_WITH(read_one("H1,1,5,2,3,Mopti,Djenne,45,700,x,600,1200,90", spec),
                      Catch::Contains("column 'water_30d': 'x' is not a number"));
}

TEST_CASE("an empty survey, a survey without households and a bad spec are errors", "[survey]") {
  REQUIRE_THROWS_WITH(meb::read_survey("survey.csv", "", full_spec()), Catch::Contains("survey.csv: the survey file is empty"));
  REQUIRE_THROWS_WITH(meb::read_survey("survey.csv", kHeader, full_spec()),
                      Catch::Contains("survey.csv: the survey has a header but no households"));
  SurveySpec twice = full_spec();
  twice.expenditures.push_back(column("FOOD_7d", ExpenditureCategory::food, Recall::days_7));
  REQUIRE_THROWS_AS(meb::read_survey("survey.csv", kGood, twice), meb::MethodologyError);
  REQUIRE_THROWS_WITH(meb::read_survey("survey.csv", kGood, twice), Catch::Contains("'FOOD_7d' is listed twice"));
  SurveySpec no_size;
  no_size.size = "";
  REQUIRE_THROWS_WITH(meb::read_survey("survey.csv", kGood, no_size),
                      Catch::Contains("name a household size column, or both an adults and a children column"));
}

TEST_CASE("read_survey_file reads a file and names a missing one", "[survey]") {
  const auto dir = std::filesystem::temp_directory_path() / ("meb_survey_test_" + std::to_string(static_cast<long>(::getpid())));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "survey.csv").string();
  std::ofstream(path, std::ios::binary) << kGood;
  const Survey survey = meb::read_survey_file(path, full_spec());
  CHECK(survey.path == path);
  CHECK(survey.households() == 2);
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  REQUIRE_THROWS_WITH(meb::read_survey_file(path, full_spec()), Catch::Contains("cannot open '" + path + "'"));
}

TEST_CASE("invalid drop leaves bad households out and lists them, keeping the good ones exactly", "[survey]") {
  // Line 3 has a zero weight and line 4 a negative amount: dropped, with the error each would have raised.
  // H1 and H4 are read as under `invalid: error` (700 over 7 days = 3000 a month for H1).
  SurveySpec spec = full_spec();
  spec.invalid = SurveySpec::Invalid::drop;
  const std::string csv = kHeader +
                          "H1,1.5,5,2,3,Mopti,Djenne,45,700,150,600,1200,90\n"
                          "H2,0,4,2,2,Bamako,Bamako,38,350,60,0,2400,0\n"
                          "H3,2,4,2,2,Bamako,Bamako,38,-5,60,0,2400,0\n"
                          "H4,2,4,2,2,Bamako,Bamako,38,350,60,0,2400,0\n";
  const Survey survey = meb::read_survey("survey.csv", csv, spec);
  REQUIRE(survey.households() == 2);
  CHECK(survey.ids == std::vector<std::string>{"H1", "H4"});
  CHECK(survey.lines == std::vector<std::size_t>{2, 5});
  CHECK(survey.weight[1] == 2.0);
  CHECK(survey.monthly(0, 0) == Approx(3000.0));
  CHECK(survey.admin1 == std::vector<std::string>{"Mopti", "Bamako"});
  REQUIRE(survey.dropped.size() == 2);
  CHECK(survey.dropped[0].id == "H2");
  CHECK(survey.dropped[0].line == 3);
  CHECK_THAT(survey.dropped[0].reason, Catch::Contains("survey.csv:3: household 'H2'") && Catch::Contains("is not > 0"));
  CHECK(survey.dropped[1].id == "H3");
  CHECK_THAT(survey.dropped[1].reason, Catch::Contains("'-5' is a negative amount"));
  // The same file under the default rule stops at the first bad household.
  REQUIRE_THROWS_WITH(meb::read_survey("survey.csv", csv, full_spec()), Catch::Contains("survey.csv:3: household 'H2'"));
  // A duplicate id is never dropped: it is an error whatever the rule.
  REQUIRE_THROWS_WITH(meb::read_survey("survey.csv", kGood + "H1,1,4,2,2,Bamako,Bamako,38,350,60,0,2400,0\n", spec),
                      Catch::Contains("duplicate household id"));
}
