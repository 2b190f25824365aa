#pragma once
// The household survey table the expenditure-based, food-share and hybrid methods are computed from
// (primer section 2). One row per household: an id, a survey weight, a size, optional composition,
// area names, outcomes such as the Food Consumption Score, and expenditure columns, each recalled over
// its own period and converted here to a month. The survey is parsed and validated at the edge into
// plain vectors; nothing downstream reads text.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <Eigen/Core>

namespace meb {

/// The period an expenditure question asks about.
enum class Recall { days_7, days_30, months_6, months_12 };
/// "7d", "30d", "6m", "12m".
[[nodiscard]] std::string_view to_string(Recall recall);
/// Accepts "7d", "30d", "6m", "12m" and "7 days", "30 days", "6 months", "12 months" (case-insensitive).
[[nodiscard]] std::optional<Recall> parse_recall(std::string_view text);
/// What one recall period's amount is multiplied by to give a month (primer section 2, the usual
/// conversion, with 30 days a month): ×30/7 for 7 days, ×1 for 30 days, ÷6 for 6 months, ÷12 for 12 months.
[[nodiscard]] double monthly_factor(Recall recall);

/// The expenditure categories of issue 3 (the MEB components of the field, plus "other").
enum class ExpenditureCategory { food, water, hygiene, energy, rent, health, education, transport, communication, other };
inline constexpr std::size_t kExpenditureCategoryCount = 10;
/// The lower-case name: "food", "water", …, "other".
[[nodiscard]] std::string_view to_string(ExpenditureCategory category);
/// The lower-case name, matched case-insensitively.
[[nodiscard]] std::optional<ExpenditureCategory> parse_expenditure_category(std::string_view text);

/// How the methodology reads one expenditure column.
struct ExpenditureColumn {
  std::string column;  ///< header name in the survey file (matched case-insensitively)
  ExpenditureCategory category = ExpenditureCategory::other;
  Recall recall = Recall::days_30;
  bool in_meb = true;     ///< false for spending the MEB excludes (alcohol, tobacco, debt repayment, ceremonies)
  std::string component;  ///< the MEB component it counts towards; empty means the category name
};

/// Which survey columns mean what. Empty names are absent columns.
struct SurveySpec {
  std::string id = "hh_id";
  std::string weight = "weight";  ///< empty: every household has weight 1 (an unweighted survey)
  std::string size = "hh_size";   ///< empty: the size is adults + children (both must then be named)
  std::string adults;
  std::string children;
  std::string admin1;
  std::string admin2;
  std::vector<std::string> outcomes;  ///< numeric columns kept as they are, e.g. "fcs"
  std::vector<ExpenditureColumn> expenditures;
  /// What a missing expenditure amount means: an error, or no spending. Only expenditures: a missing
  /// id, weight, size, composition, area or outcome is always an error.
  enum class Missing { error, zero };
  Missing missing = Missing::error;
  /// What a household with a bad value means (a missing or non-numeric value, a negative amount, a weight
  /// ≤ 0, a size < 1, inconsistent composition): an error, or the household is dropped and listed in
  /// Survey::dropped (and the manifest). A duplicate household id or a row of the wrong width is always an error.
  enum class Invalid { error, drop };
  Invalid invalid = Invalid::error;
};

/// A validated survey. Vectors are per household, in file order.
struct Survey {
  std::string path;
  std::vector<std::string> ids;
  Eigen::VectorXd weight;
  Eigen::VectorXd size;
  Eigen::VectorXd adults;    ///< empty when the spec names no adults column
  Eigen::VectorXd children;  ///< empty when the spec names no children column
  std::vector<std::string> admin1;  ///< empty when the spec names no admin1 column
  std::vector<std::string> admin2;  ///< empty when the spec names no admin2 column
  std::vector<std::pair<std::string, Eigen::VectorXd>> outcomes;  ///< named and ordered as in SurveySpec::outcomes
  std::vector<ExpenditureColumn> columns;  ///< the spec's expenditure columns, component filled in
  Eigen::MatrixXd monthly;  ///< households × columns: spending per household per month
  std::vector<std::size_t> lines;  ///< 1-based line of each household in the file
  /// A household left out under `invalid: drop`, with the error it would have raised.
  struct Dropped {
    std::string id;
    std::size_t line = 0;
    std::string reason;
  };
  std::vector<Dropped> dropped;

  [[nodiscard]] Eigen::Index households() const { return weight.size(); }
};

/// Reads a survey table (CSV) held in `content`; `path` names it in messages.
///
/// Columns are matched by header name, case-insensitively. Throws InputError:
/// - when a column the spec names is not in the header (naming it and listing the header), or is there twice;
/// - for a row whose width differs from the header's;
/// - for a missing value (empty, "NA", "n/a"), a value that is not a number, a negative amount, a weight
///   ≤ 0, a household size < 1, a negative number of adults or children, adults + children different
///   from the size when both are given (or either above the size), or a household id seen before.
/// Each message names the file, line, household id, column and value: "survey.csv:4: household 'H3',
/// column 'weight': '0' is not > 0". With spec.missing == zero a missing expenditure amount reads as 0.
/// Rows whose first field starts with '#' (HXL hashtags) are skipped.
/// A spec that names no id column, names an expenditure column twice or has neither a size column nor
/// both adults and children throws MethodologyError.
[[nodiscard]] Survey read_survey(const std::string& path, std::string_view content, const SurveySpec& spec);

/// read_survey over the contents of the file at `path`.
[[nodiscard]] Survey read_survey_file(const std::string& path, const SurveySpec& spec);

/// Monthly spending per person: the household's total over its expenditure columns (only those with
/// in_meb when `meb_only`) divided by its size.
[[nodiscard]] Eigen::VectorXd per_capita_total(const Survey& survey, bool meb_only);

/// Monthly household spending summed by component: households × components. `component_names`
/// receives the components in the order they first appear among the (kept) columns.
[[nodiscard]] Eigen::MatrixXd by_component(const Survey& survey, std::vector<std::string>& component_names,
                                           bool meb_only);

/// Monthly household spending summed by category: households × kExpenditureCategoryCount, one column per
/// ExpenditureCategory in declaration order (a category without columns is a column of zeros).
[[nodiscard]] Eigen::MatrixXd by_category(const Survey& survey, bool meb_only);

}  // namespace meb
