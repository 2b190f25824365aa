#include "meb/costing.hpp"

#include <cmath>
#include <limits>

#include "meb/csv.hpp"
#include "meb/error.hpp"

namespace meb {

namespace {

int series_index(const std::vector<SeriesSpec>& series, const std::string& name) {
  const std::string lowered = detail::to_lower(name);
  for (std::size_t s = 0; s < series.size(); ++s)
    for (const auto& match : series[s].match_names)
      if (match == lowered) return static_cast<int>(s);
  return -1;
}

/// Price per line unit = series price × (series units per line unit).
double factor_to_line(const Methodology& methodology, const BasketItem& item, const SeriesSpec& spec) {
  const auto factor = conversion_factor(item.unit, spec.unit, item.density_kg_per_litre ? item.density_kg_per_litre
                                                                                         : spec.density_kg_per_litre);
  if (!factor)
    throw MethodologyError(methodology.source_path + ":" + std::to_string(item.line) + ": item '" + item.item +
                           "' in unit '" + item.unit.text + "' cannot use the price of '" + spec.name + "' in unit '" +
                           spec.unit.text + "'; give density_kg_per_l or use the same unit");
  return *factor;
}

}  // namespace

std::string_view to_string(LineSource source) {
  switch (source) {
    case LineSource::market: return "market";
    case LineSource::stated: return "stated";
    case LineSource::survey: return "survey";
    case LineSource::food_share: return "food_share";
  }
  return "market";
}

std::vector<CostLine> expand_basket(const Methodology& methodology, const std::vector<SeriesSpec>& series) {
  std::vector<CostLine> lines;
  const double persons = methodology.household.persons();
  for (const auto& component : methodology.basket.components) {
    if (component.method == ComponentMethod::expenditure) {
      // The reference group's spending per person per month, for `persons` persons (or adult equivalents).
      CostLine line;
      line.kind = CostLine::Kind::survey;
      line.component = component.component;
      line.tier = component.tier;
      line.item = component.component;
      line.unit = "person/month";
      line.monthly_quantity = persons;
      line.markup_factor = 1.0 + component.markup_percent / 100.0;
      line.survey_components = component.survey_components.empty() ? std::vector<std::string>{component.component}
                                                                    : component.survey_components;
      lines.push_back(std::move(line));
      continue;
    }
    for (const auto& item : component.items) {
      CostLine line;
      line.component = component.component;
      line.tier = component.tier;
      line.item = item.item;
      line.markup_factor = 1.0 + component.markup_percent / 100.0;
      const double multiplier = monthly_multiplier(item.per, persons, methodology.days_per_month);
      if (item.cost) {
        line.kind = CostLine::Kind::stated;
        line.monthly_quantity = 1.0;
        line.stated_cost = *item.cost * multiplier;
      } else {
        line.unit = item.unit.text;
        line.monthly_quantity = item.quantity * multiplier;
        if (item.composite) {
          line.kind = CostLine::Kind::composite;
          line.composite_statistic = item.composite->statistic;
          for (const auto& name : item.composite->of) {
            const int s = series_index(series, name);
            line.alternatives.push_back(s);
            line.alternative_factors.push_back(factor_to_line(methodology, item, series[static_cast<std::size_t>(s)]));
          }
        } else {
          line.series = series_index(series, item.item);
          line.series_factor = factor_to_line(methodology, item, series[static_cast<std::size_t>(line.series)]);
        }
        for (const auto& name : item.substitutes) {
          const int s = series_index(series, name);
          line.substitutes.push_back(s);
          line.substitute_factors.push_back(factor_to_line(methodology, item, series[static_cast<std::size_t>(s)]));
        }
      }
      lines.push_back(std::move(line));
    }
  }
  if (methodology.method == Method::food_share) {
    // Engel: MEB = food / share, so the non-food part is food × (1/share − 1) (primer section 2).
    CostLine line;
    line.kind = CostLine::Kind::food_share;
    line.component = "non-food (food share)";
    line.tier = Tier::meb;
    line.item = "non-food (food share)";
    line.monthly_quantity = 1.0;
    lines.push_back(std::move(line));
  }
  return lines;
}

namespace {

LinePrice from_series(const PricePanel& panel, int series, double factor, std::size_t area, std::size_t month) {
  LinePrice price;
  const std::size_t cell = panel.cell(static_cast<std::size_t>(series), area, month);
  price.status = panel.status[cell];
  if (price.status == PriceStatus::missing) {
    price.price = std::numeric_limits<double>::quiet_NaN();
    return price;
  }
  price.price = panel.value[cell] * factor;
  price.observations = panel.observations[cell];
  price.source_area = panel.source_area[cell];
  price.source_month = panel.source_month[cell];
  price.priced_as = series;
  return price;
}

}  // namespace

LinePrice price_line(const CostLine& line, const PricePanel& panel, std::size_t area, std::size_t month) {
  LinePrice result;
  if (line.kind == CostLine::Kind::stated) {
    result.price = line.stated_cost;
    result.status = PriceStatus::observed;
    result.source = LineSource::stated;
    return result;
  }
  if (line.kind == CostLine::Kind::survey || line.kind == CostLine::Kind::food_share) {
    // Priced by the compute step, from the survey or from the row's food cost.
    result.price = std::numeric_limits<double>::quiet_NaN();
    result.source = line.kind == CostLine::Kind::survey ? LineSource::survey : LineSource::food_share;
    return result;
  }
  if (line.kind == CostLine::Kind::priced) {
    result = from_series(panel, line.series, line.series_factor, area, month);
    if (result.status != PriceStatus::missing) result.priced_as = -1;
  } else {
    // Few alternatives (public or private gas, LPG or kerosene): a stack buffer, no allocation per cell.
    constexpr std::size_t kMaxAlternatives = 16;
    double values[kMaxAlternatives];
    std::size_t count = 0;
    PriceStatus least_certain = PriceStatus::observed;
    std::int32_t observations = 0;
    // The composite says where its least certain price came from (the first alternative with that status), so
    // a composite marked carried_forward or parent names its source like any other line.
    std::int32_t source_area = -1, source_month = -1;
    for (std::size_t k = 0; k < line.alternatives.size() && k < kMaxAlternatives; ++k) {
      const LinePrice alternative = from_series(panel, line.alternatives[k], line.alternative_factors[k], area, month);
      if (alternative.status == PriceStatus::missing) continue;
      values[count++] = alternative.price;
      if (alternative.status > least_certain) {
        least_certain = alternative.status;
        source_area = alternative.source_area;
        source_month = alternative.source_month;
      }
      observations += alternative.observations;
    }
    result.price = std::numeric_limits<double>::quiet_NaN();
    result.status = PriceStatus::missing;
    if (count > 0) {
      result.price = combine(line.composite_statistic, values, count);
      result.status = least_certain;
      result.observations = observations;
      result.source_area = source_area;
      result.source_month = source_month;
    }
  }
  if (result.status != PriceStatus::missing) return result;
  for (std::size_t k = 0; k < line.substitutes.size(); ++k) {
    LinePrice substitute = from_series(panel, line.substitutes[k], line.substitute_factors[k], area, month);
    if (substitute.status != PriceStatus::missing) return substitute;
  }
  return result;
}

Eigen::VectorXd basket_totals(const Eigen::Ref<const Eigen::MatrixXd>& prices,
                              const Eigen::Ref<const Eigen::VectorXd>& quantities,
                              const Eigen::Ref<const Eigen::VectorXd>& tier_mask, bool missing_as_zero) {
  const Eigen::VectorXd weights = quantities.cwiseProduct(tier_mask);
  Eigen::VectorXd totals = Eigen::VectorXd::Zero(prices.rows());
  for (Eigen::Index j = 0; j < prices.cols(); ++j) {
    if (weights[j] == 0.0) continue;  // a line outside the tier, or of zero quantity, adds nothing
    const auto column = prices.col(j);
    if (missing_as_zero)
      totals += column.unaryExpr([](double p) { return std::isnan(p) ? 0.0 : p; }) * weights[j];
    else
      totals += column * weights[j];  // NaN propagates: a missing price makes the total missing
  }
  return totals;
}

}  // namespace meb
