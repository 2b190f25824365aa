#include "meb/survey.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <set>

#include "meb/csv.hpp"
#include "meb/error.hpp"

namespace meb {

std::string_view to_string(Recall recall) {
  switch (recall) {
    case Recall::days_7: return "7d";
    case Recall::days_30: return "30d";
    case Recall::months_6: return "6m";
    case Recall::months_12: return "12m";
  }
  return "30d";
}

std::optional<Recall> parse_recall(std::string_view text) {
  const std::string name = detail::to_lower(detail::trim(text));
  if (name == "7d" || name == "7 days") return Recall::days_7;
  if (name == "30d" || name == "30 days") return Recall::days_30;
  if (name == "6m" || name == "6 months") return Recall::months_6;
  if (name == "12m" || name == "12 months") return Recall::months_12;
  return std::nullopt;
}

double monthly_factor(Recall recall) {
  // Primer section 2: a month is 30 days, so a 7-day recall is scaled by 30/7; longer recalls are
  // spread evenly over their months.
  switch (recall) {
    case Recall::days_7: return 30.0 / 7.0;
    case Recall::days_30: return 1.0;
    case Recall::months_6: return 1.0 / 6.0;
    case Recall::months_12: return 1.0 / 12.0;
  }
  return 1.0;
}

namespace {

constexpr std::array<ExpenditureCategory, kExpenditureCategoryCount> kCategories = {
    ExpenditureCategory::food,   ExpenditureCategory::water,     ExpenditureCategory::hygiene,
    ExpenditureCategory::energy, ExpenditureCategory::rent,      ExpenditureCategory::health,
    ExpenditureCategory::education, ExpenditureCategory::transport, ExpenditureCategory::communication,
    ExpenditureCategory::other};

}  // namespace

std::string_view to_string(ExpenditureCategory category) {
  switch (category) {
    case ExpenditureCategory::food: return "food";
    case ExpenditureCategory::water: return "water";
    case ExpenditureCategory::hygiene: return "hygiene";
    case ExpenditureCategory::energy: return "energy";
    case ExpenditureCategory::rent: return "rent";
    case ExpenditureCategory::health: return "health";
    case ExpenditureCategory::education: return "education";
    case ExpenditureCategory::transport: return "transport";
    case ExpenditureCategory::communication: return "communication";
    case ExpenditureCategory::other: return "other";
  }
  return "other";
}

std::optional<ExpenditureCategory> parse_expenditure_category(std::string_view text) {
  const std::string name = detail::to_lower(detail::trim(text));
  for (const ExpenditureCategory category : kCategories)
    if (name == to_string(category)) return category;
  return std::nullopt;
}

namespace {

/// A column the spec names, with what it is for (said in the message when it is absent).
struct Wanted {
  std::string name;
  std::string role;
  std::size_t index = 0;
};

bool is_missing(std::string_view text) {
  const std::string value = detail::to_lower(detail::trim(text));
  return value.empty() || value == "na" || value == "n/a";
}

/// Reads the records of one survey file and turns each field into a checked value, with messages that
/// name the file, line, household, column and value.
class RowReader {
 public:
  RowReader(const std::string& path, std::size_t line, std::string household, const std::vector<std::string_view>& fields)
      : path_(path), line_(line), household_(std::move(household)), fields_(fields) {}

  [[nodiscard]] std::string text(const Wanted& column) const { return std::string(detail::trim(fields_[column.index])); }

  [[nodiscard]] InputError error(const Wanted& column, const std::string& what) const {
    return InputError::at_line(path_, line_, "household '" + household_ + "', column '" + column.name + "': '" +
                                                 text(column) + "' " + what);
  }

  /// A required number; `missing_as` stands in for a missing value when given.
  [[nodiscard]] double number(const Wanted& column, std::optional<double> missing_as = std::nullopt) const {
    const std::string_view field = fields_[column.index];
    if (is_missing(field)) {
      if (missing_as) return *missing_as;
      throw error(column, "is missing (" + column.role + ")");
    }
    double value = 0.0;
    if (!detail::parse_double(field, value)) throw error(column, "is not a number (" + column.role + ")");
    return value;
  }

  [[nodiscard]] std::string name(const Wanted& column) const {
    if (is_missing(fields_[column.index])) throw error(column, "is missing (" + column.role + ")");
    return text(column);
  }

 private:
  const std::string& path_;
  std::size_t line_;
  std::string household_;
  const std::vector<std::string_view>& fields_;
};

std::string join(const std::vector<std::string_view>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ", ";
    out += std::string(detail::trim(fields[i]));
  }
  return out;
}

void check_spec(const SurveySpec& spec) {
  if (detail::trim(spec.id).empty()) throw MethodologyError("survey: the household id column is not named");
  if (detail::trim(spec.size).empty() && (detail::trim(spec.adults).empty() || detail::trim(spec.children).empty()))
    throw MethodologyError("survey: name a household size column, or both an adults and a children column");
  std::set<std::string> seen;
  for (const ExpenditureColumn& column : spec.expenditures) {
    if (detail::trim(column.column).empty()) throw MethodologyError("survey: an expenditure column has no name");
    if (!seen.insert(detail::to_lower(detail::trim(column.column))).second)
      throw MethodologyError("survey: expenditure column '" + column.column +
                             "' is listed twice (its spending would be counted twice)");
  }
}

}  // namespace

Survey read_survey(const std::string& path, std::string_view content, const SurveySpec& spec) {
  check_spec(spec);
  detail::CsvReader csv(content);
  std::vector<std::string_view> fields;
  auto next = [&]() {
    try {
      return csv.next(fields);
    } catch (const InputError& e) {
      throw InputError(path + ": " + e.what());
    }
  };
  if (!next()) throw InputError(path + ": the survey file is empty");

  // Header: lower-case name → positions (a name may appear twice; that is an error only if it is used).
  std::map<std::string, std::vector<std::size_t>> header;
  for (std::size_t i = 0; i < fields.size(); ++i) header[detail::to_lower(detail::trim(fields[i]))].push_back(i);
  const std::size_t width = fields.size();
  const std::string header_list = join(fields);
  std::vector<std::string> header_names;  // as spelled in the file, for messages
  for (const std::string_view field : fields) header_names.emplace_back(detail::trim(field));
  auto locate = [&](const std::string& name, const std::string& role) {
    Wanted wanted{std::string(detail::trim(name)), role, 0};
    const auto it = header.find(detail::to_lower(wanted.name));
    if (it == header.end())
      throw InputError::at_line(path, 1, "no column '" + wanted.name + "' (" + role + "); the header has: " + header_list);
    if (it->second.size() > 1)
      throw InputError::at_line(path, 1, "column '" + wanted.name + "' (" + role + ") appears " +
                                             std::to_string(it->second.size()) + " times in the header: " + header_list);
    wanted.index = it->second.front();
    wanted.name = header_names[wanted.index];
    return wanted;
  };
  auto optional_column = [&](const std::string& name, const std::string& role) -> std::optional<Wanted> {
    if (detail::trim(name).empty()) return std::nullopt;
    return locate(name, role);
  };

  const Wanted id = locate(spec.id, "household id");
  const std::optional<Wanted> weight = optional_column(spec.weight, "survey weight");
  const std::optional<Wanted> size = optional_column(spec.size, "household size");
  const std::optional<Wanted> adults = optional_column(spec.adults, "adults");
  const std::optional<Wanted> children = optional_column(spec.children, "children");
  const std::optional<Wanted> admin1 = optional_column(spec.admin1, "admin1");
  const std::optional<Wanted> admin2 = optional_column(spec.admin2, "admin2");
  std::vector<Wanted> outcomes;
  for (const std::string& outcome : spec.outcomes) outcomes.push_back(locate(outcome, "outcome"));
  std::vector<Wanted> expenditures;
  for (const ExpenditureColumn& column : spec.expenditures)
    expenditures.push_back(locate(column.column, "expenditure on " + std::string(to_string(column.category)) +
                                                     " over " + std::string(to_string(column.recall))));

  Survey survey;
  survey.path = path;
  survey.columns = spec.expenditures;
  for (ExpenditureColumn& column : survey.columns) {
    column.column = std::string(detail::trim(column.column));
    if (detail::trim(column.component).empty()) column.component = std::string(to_string(column.category));
  }

  // Collected in growable vectors first; the Eigen vectors are filled once the count is known.
  std::vector<double> weights, sizes, adult_counts, child_counts;
  std::vector<std::vector<double>> outcome_values(outcomes.size());
  std::vector<double> amounts;  // row-major, households × columns
  std::map<std::string, std::size_t> first_line;  // household id → line it was first seen on

  while (next()) {
    if (detail::trim(fields[0]).rfind('#', 0) == 0) continue;  // HXL hashtag row
    const std::size_t line = csv.line();
    if (fields.size() != width) {
      std::string who;
      if (id.index < fields.size()) who = "household '" + std::string(detail::trim(fields[id.index])) + "': ";
      throw InputError::at_line(path, line, who + "expected " + std::to_string(width) + " columns as in the header, found " +
                                                std::to_string(fields.size()));
    }
    const std::string household(detail::trim(fields[id.index]));
    const RowReader row(path, line, household, fields);
    if (is_missing(household)) throw row.error(id, "is missing (household id)");
    const auto [seen, inserted] = first_line.emplace(household, line);
    if (!inserted) throw row.error(id, "is a duplicate household id (first on line " + std::to_string(seen->second) + ")");

    // Everything about one household is read before any of it is kept, so that under `invalid: drop` a
    // bad household leaves no trace but its entry in Survey::dropped.
    struct Household {
      double adults = 0.0, children = 0.0, size = 0.0, weight = 1.0;
      std::string admin1, admin2;
      std::vector<double> outcomes, amounts;
    } h;
    try {
      if (adults) {
        h.adults = row.number(*adults);
        if (h.adults < 0.0) throw row.error(*adults, "is negative");
      }
      if (children) {
        h.children = row.number(*children);
        if (h.children < 0.0) throw row.error(*children, "is negative");
      }
      h.size = h.adults + h.children;
      if (size) {
        h.size = row.number(*size);
        if (h.size < 1.0) throw row.error(*size, "is below 1 (household size)");
        const double tolerance = 1e-9 * h.size;
        if (adults && children && std::abs(h.adults + h.children - h.size) > tolerance)
          throw row.error(*size, "differs from adults + children = " + row.text(*adults) + " + " + row.text(*children) +
                                     " (columns '" + adults->name + "' and '" + children->name + "')");
        if (adults && h.adults > h.size + tolerance)
          throw row.error(*adults, "is more than the household size " + row.text(*size));
        if (children && h.children > h.size + tolerance)
          throw row.error(*children, "is more than the household size " + row.text(*size));
      } else if (h.size < 1.0) {
        throw row.error(*adults, "plus children '" + row.text(*children) + "' is below 1 (household size)");
      }
      if (weight) {
        h.weight = row.number(*weight);
        if (!(h.weight > 0.0)) throw row.error(*weight, "is not > 0 (survey weight)");
      }
      if (admin1) h.admin1 = row.name(*admin1);
      if (admin2) h.admin2 = row.name(*admin2);
      for (const Wanted& outcome : outcomes) h.outcomes.push_back(row.number(outcome));
      const std::optional<double> missing_as =
          spec.missing == SurveySpec::Missing::zero ? std::optional<double>(0.0) : std::nullopt;
      for (std::size_t c = 0; c < expenditures.size(); ++c) {
        const double amount = row.number(expenditures[c], missing_as);
        if (amount < 0.0) throw row.error(expenditures[c], "is a negative amount");
        h.amounts.push_back(amount * monthly_factor(survey.columns[c].recall));
      }
    } catch (const InputError& error) {
      if (spec.invalid != SurveySpec::Invalid::drop) throw;
      survey.dropped.push_back({household, line, error.what()});
      continue;
    }
    if (adults) adult_counts.push_back(h.adults);
    if (children) child_counts.push_back(h.children);
    sizes.push_back(h.size);
    weights.push_back(h.weight);
    if (admin1) survey.admin1.push_back(h.admin1);
    if (admin2) survey.admin2.push_back(h.admin2);
    for (std::size_t o = 0; o < outcomes.size(); ++o) outcome_values[o].push_back(h.outcomes[o]);
    amounts.insert(amounts.end(), h.amounts.begin(), h.amounts.end());
    survey.ids.push_back(household);
    survey.lines.push_back(line);
  }
  if (survey.ids.empty())
    throw InputError(path + (survey.dropped.empty() ? ": the survey has a header but no households"
                                                    : ": every household was dropped as invalid; the first: " +
                                                          survey.dropped.front().reason));

  const auto count = static_cast<Eigen::Index>(survey.ids.size());
  auto to_vector = [](const std::vector<double>& values) {
    return Eigen::VectorXd(Eigen::Map<const Eigen::VectorXd>(values.data(), static_cast<Eigen::Index>(values.size())));
  };
  survey.weight = to_vector(weights);
  survey.size = to_vector(sizes);
  survey.adults = to_vector(adult_counts);
  survey.children = to_vector(child_counts);
  for (std::size_t o = 0; o < outcomes.size(); ++o)
    survey.outcomes.emplace_back(std::string(detail::trim(spec.outcomes[o])), to_vector(outcome_values[o]));
  const auto columns = static_cast<Eigen::Index>(expenditures.size());
  survey.monthly = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
      amounts.data(), count, columns);
  return survey;
}

Survey read_survey_file(const std::string& path, const SurveySpec& spec) {
  const std::string content = read_file(path);
  return read_survey(path, content, spec);
}

Eigen::MatrixXd by_component(const Survey& survey, std::vector<std::string>& component_names, bool meb_only) {
  component_names.clear();
  std::vector<std::size_t> target(survey.columns.size());
  for (std::size_t c = 0; c < survey.columns.size(); ++c) {
    const ExpenditureColumn& column = survey.columns[c];
    if (meb_only && !column.in_meb) continue;
    const auto found = std::find(component_names.begin(), component_names.end(), column.component);
    target[c] = static_cast<std::size_t>(found - component_names.begin());
    if (found == component_names.end()) component_names.push_back(column.component);
  }
  Eigen::MatrixXd sums = Eigen::MatrixXd::Zero(survey.monthly.rows(), static_cast<Eigen::Index>(component_names.size()));
  for (std::size_t c = 0; c < survey.columns.size(); ++c) {
    if (meb_only && !survey.columns[c].in_meb) continue;
    sums.col(static_cast<Eigen::Index>(target[c])) += survey.monthly.col(static_cast<Eigen::Index>(c));
  }
  return sums;
}

Eigen::MatrixXd by_category(const Survey& survey, bool meb_only) {
  Eigen::MatrixXd sums =
      Eigen::MatrixXd::Zero(survey.monthly.rows(), static_cast<Eigen::Index>(kExpenditureCategoryCount));
  for (std::size_t c = 0; c < survey.columns.size(); ++c) {
    if (meb_only && !survey.columns[c].in_meb) continue;
    sums.col(static_cast<Eigen::Index>(survey.columns[c].category)) += survey.monthly.col(static_cast<Eigen::Index>(c));
  }
  return sums;
}

Eigen::VectorXd per_capita_total(const Survey& survey, bool meb_only) {
  Eigen::VectorXd total = Eigen::VectorXd::Zero(survey.monthly.rows());
  for (std::size_t c = 0; c < survey.columns.size(); ++c) {
    if (meb_only && !survey.columns[c].in_meb) continue;
    total += survey.monthly.col(static_cast<Eigen::Index>(c));
  }
  return total.cwiseQuotient(survey.size);
}

}  // namespace meb
