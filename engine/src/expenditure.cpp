#include "meb/expenditure.hpp"

#include <cmath>
#include <sstream>

#include "meb/csv.hpp"
#include "meb/error.hpp"

namespace meb {

bool OutcomeCondition::holds(double x) const {
  switch (op) {
    case Op::ge: return x >= value;
    case Op::gt: return x > value;
    case Op::le: return x <= value;
    case Op::lt: return x < value;
    case Op::eq: return x == value;
    case Op::ne: return x != value;
  }
  return false;
}

std::string OutcomeCondition::describe() const {
  static const char* names[] = {">=", ">", "<=", "<", "==", "!="};
  std::ostringstream text;
  text << outcome << " " << names[static_cast<int>(op)] << " " << value;
  return text.str();
}

std::optional<OutcomeCondition> parse_outcome_condition(std::string_view text) {
  static const std::pair<std::string_view, OutcomeCondition::Op> operators[] = {
      {">=", OutcomeCondition::Op::ge}, {"<=", OutcomeCondition::Op::le}, {"==", OutcomeCondition::Op::eq},
      {"!=", OutcomeCondition::Op::ne}, {">", OutcomeCondition::Op::gt},  {"<", OutcomeCondition::Op::lt}};
  for (const auto& [symbol, op] : operators) {
    const auto at = text.find(symbol);
    if (at == std::string_view::npos) continue;
    OutcomeCondition condition;
    condition.outcome = std::string(detail::trim(text.substr(0, at)));
    condition.op = op;
    if (condition.outcome.empty() || !detail::parse_double(text.substr(at + symbol.size()), condition.value))
      return std::nullopt;
    return condition;
  }
  return std::nullopt;
}

std::string ReferenceGroup::describe() const {
  std::ostringstream text;
  text << "weighted " << to_string(statistic) << " of monthly MEB spending per "
       << (per_adult_equivalent ? std::string(to_string(scale)) + " adult equivalent" : std::string("person"));
  if (band_from && band_to) text << ", households between quantiles " << *band_from << " and " << *band_to;
  for (const auto& condition : conditions) text << ", " << condition.describe();
  if (!admin1.empty()) {
    text << ", in";
    for (const auto& area : admin1) text << " " << area;
  }
  text << (pooled ? ", pooled across areas with a price index" : ", per area");
  return text.str();
}

double ReferenceSpending::component(std::string_view name) const {
  for (std::size_t c = 0; c < components.size(); ++c)
    if (components[c] == name) return per_person[static_cast<Eigen::Index>(c)];
  return 0.0;
}

namespace {

/// Each household's divisor: its size, or its adult equivalents on the group's scale.
Eigen::VectorXd persons_of(const Survey& survey, const ReferenceGroup& group) {
  if (!group.per_adult_equivalent) return survey.size;
  if (group.scale != EquivalenceScale::square_root && (survey.adults.size() == 0 || survey.children.size() == 0))
    throw InputError(survey.path + ": spending per adult equivalent on the " + std::string(to_string(group.scale)) +
                     " scale needs the survey's adults and children columns (survey.adults, survey.children)");
  Eigen::VectorXd divisor(survey.households());
  for (Eigen::Index h = 0; h < survey.households(); ++h) {
    Household household;
    household.model = HouseholdModel::equivalence;
    household.scale = group.scale;
    if (group.scale == EquivalenceScale::square_root) {
      household.adults = survey.size[h];
      household.children = 0.0;
    } else {
      household.adults = survey.adults[h];
      household.children = survey.children[h];
    }
    divisor[h] = household.persons();
  }
  return divisor;
}

}  // namespace

Mask households_in_area(const Survey& survey, std::string_view level, std::string_view area) {
  Mask mask = Mask::Constant(survey.households(), level == "national");
  if (level == "national") return mask;
  const std::vector<std::string>& names = level == "admin2" ? survey.admin2 : survey.admin1;
  if (names.empty())
    throw InputError(survey.path + ": results by " + std::string(level) + " need the survey's " + std::string(level) +
                     " column (survey." + std::string(level) + ")");
  // Survey and price data spell areas their own way (Segou, Ségou): names are compared folded.
  const std::string wanted = detail::fold_name(area);
  for (Eigen::Index h = 0; h < survey.households(); ++h)
    mask[h] = detail::fold_name(names[static_cast<std::size_t>(h)]) == wanted;
  return mask;
}

Mask reference_households(const Survey& survey, const ReferenceGroup& group) {
  Mask mask = Mask::Constant(survey.households(), true);
  if (!group.admin1.empty()) {
    Mask any = Mask::Constant(survey.households(), false);
    for (const auto& area : group.admin1) any = any || households_in_area(survey, "admin1", area);
    mask = mask && any;
  }
  if (group.band_from && group.band_to && mask.any()) {
    // The band is taken on the distribution of every household of the filtered areas, before the
    // outcome conditions: "households with acceptable food consumption within a band of the per-capita
    // expenditure distribution" (primer section 2), not a band of the better-fed only.
    const Eigen::VectorXd spending = per_capita_total(survey, true);
    const Eigen::VectorXd divisor = persons_of(survey, group);
    std::vector<Eigen::Index> kept;
    for (Eigen::Index h = 0; h < survey.households(); ++h)
      if (mask[h]) kept.push_back(h);
    Eigen::VectorXd values(static_cast<Eigen::Index>(kept.size())), weights(static_cast<Eigen::Index>(kept.size()));
    for (std::size_t k = 0; k < kept.size(); ++k) {
      const Eigen::Index h = kept[k];
      values[static_cast<Eigen::Index>(k)] = spending[h] * survey.size[h] / divisor[h];
      weights[static_cast<Eigen::Index>(k)] = survey.weight[h];
    }
    const Mask in_band = band_mask(values, weights, *group.band_from, *group.band_to);
    for (std::size_t k = 0; k < kept.size(); ++k) mask[kept[k]] = in_band[static_cast<Eigen::Index>(k)];
  }
  for (const auto& condition : group.conditions) {
    const Eigen::VectorXd* values = nullptr;
    for (const auto& [name, column] : survey.outcomes)
      if (detail::to_lower(name) == detail::to_lower(condition.outcome)) values = &column;
    if (values == nullptr)
      throw InputError(survey.path + ": the reference group's condition '" + condition.describe() +
                       "' names outcome '" + condition.outcome + "', which survey.outcomes does not read");
    for (Eigen::Index h = 0; h < survey.households(); ++h) mask[h] = mask[h] && condition.holds((*values)[h]);
  }
  return mask;
}

ReferenceSpending reference_spending(const Survey& survey, const ReferenceGroup& group, const Mask& members) {
  ReferenceSpending result;
  const Eigen::MatrixXd components = by_component(survey, result.components, true);
  const Eigen::MatrixXd categories = by_category(survey, true);
  const Eigen::VectorXd divisor = persons_of(survey, group);
  result.per_person = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(result.components.size()));
  std::vector<Eigen::Index> rows;
  for (Eigen::Index h = 0; h < survey.households(); ++h)
    if (members[h]) rows.push_back(h);
  result.households = rows.size();
  if (rows.size() < std::max<std::size_t>(group.min_households, 1)) {
    result.reason = rows.empty() ? "no surveyed household in the reference group here"
                                 : "only " + std::to_string(rows.size()) + " reference households here, fewer than " +
                                       std::to_string(group.min_households);
    return result;
  }
  const auto n = static_cast<Eigen::Index>(rows.size());
  Eigen::VectorXd total(n), weight(n);
  Eigen::MatrixXd per_person(n, components.cols());
  double food = 0.0, all = 0.0;
  for (Eigen::Index k = 0; k < n; ++k) {
    const Eigen::Index h = rows[static_cast<std::size_t>(k)];
    per_person.row(k) = components.row(h) / divisor[h];
    total[k] = per_person.row(k).sum();
    weight[k] = survey.weight[h];
    food += weight[k] * categories(h, static_cast<Eigen::Index>(ExpenditureCategory::food));
    all += weight[k] * categories.row(h).sum();
  }
  result.weight = weight.sum();
  result.food_share = all > 0.0 ? food / all : 0.0;
  if (group.statistic == Statistic::mean) {
    for (Eigen::Index c = 0; c < per_person.cols(); ++c) result.per_person[c] = weighted_mean(per_person.col(c), weight);
    result.total = result.per_person.sum();
    return result;
  }
  result.total = weighted_median(total, weight);
  const double weighted_total = weight.dot(total);
  if (weighted_total > 0.0)
    for (Eigen::Index c = 0; c < per_person.cols(); ++c)
      result.per_person[c] = result.total * weight.dot(per_person.col(c)) / weighted_total;
  return result;
}

}  // namespace meb
