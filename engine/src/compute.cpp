#include "meb/compute.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "meb/csv.hpp"
#include "meb/error.hpp"
#include "meb/expenditure.hpp"
#include "meb/outputs.hpp"

namespace meb {

PriceFilter make_price_filter(const Methodology& methodology, bool skip_bad_rows) {
  PriceFilter filter;
  filter.pricetype = methodology.prices.pricetype;
  filter.priceflags = methodology.prices.priceflags;
  filter.currency = methodology.currency;
  filter.skip_bad_rows = skip_bad_rows;
  for (auto& name : commodity_names(collect_series(methodology.basket))) filter.commodities.insert(std::move(name));
  if (methodology.prices.wide) filter.wide = &*methodology.prices.wide;
  filter.markets_of_all_rows = filter.commodities.empty();
  return filter;
}

bool needs_survey(const Methodology& methodology) {
  if (methodology.food_share.measured) return true;
  for (const auto& component : methodology.basket.components)
    if (component.method == ComponentMethod::expenditure) return true;
  return false;
}

namespace {

/// Prices the survey and food-share lines of every row, and writes each row's notes.
void price_derived_lines(const Methodology& methodology, const Survey* survey, ComputeResult& result) {
  const std::size_t n_lines = result.lines.size();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const ReferenceGroup& group = methodology.reference_group;
  const bool uses_survey = needs_survey(methodology);
  if (uses_survey && survey == nullptr)
    throw InputError("the methodology " + methodology.source_path +
                     " has expenditure-based components or a measured food share: give the household survey with "
                     "--survey FILE");
  Mask reference;
  ReferenceSpending pooled;
  std::vector<std::optional<ReferenceSpending>> by_area(result.areas.areas.size());
  std::int32_t national = -1;
  if (uses_survey) {
    reference = reference_households(*survey, group);
    if (group.pooled) {
      pooled = reference_spending(*survey, group, reference);
      for (std::size_t a = 0; a < result.areas.areas.size(); ++a)
        if (result.areas.areas[a].level == AreaLevel::national) national = static_cast<std::int32_t>(a);
    }
  }
  // The cost of the market-priced lines of an area and month: the price index that carries a pooled
  // reference group's spending to each area (pooled value × C(area, t) / C(national, t)).
  auto market_cost = [&](std::size_t area, std::size_t month) {
    double cost = 0.0;
    for (std::size_t l = 0; l < n_lines; ++l) {
      const CostLine& line = result.lines[l];
      if (line.kind != CostLine::Kind::priced && line.kind != CostLine::Kind::composite) continue;
      cost += line.monthly_quantity * price_line(line, result.panel, area, month).price;
    }
    return cost;
  };
  result.notes.assign(result.rows.size(), std::string());
  for (std::size_t r = 0; r < result.rows.size(); ++r) {
    const auto area = static_cast<std::size_t>(result.rows[r].area);
    const std::size_t month = result.rows[r].month;
    std::string& note = result.notes[r];
    auto add_note = [&](const std::string& text) { note += (note.empty() ? "" : "; ") + text; };
    const ReferenceSpending* spending = nullptr;
    double index = 1.0;
    if (uses_survey) {
      if (group.pooled) {
        spending = &pooled;
        if (result.areas.areas[area].level != AreaLevel::national) {
          index = national >= 0 ? market_cost(area, month) / market_cost(static_cast<std::size_t>(national), month) : nan;
          if (std::isnan(index)) add_note("no price index for the pooled survey value (a market price is missing)");
        }
      } else {
        if (!by_area[area]) {
          const Area& where = result.areas.areas[area];
          by_area[area] = reference_spending(*survey, group,
                                             reference && households_in_area(*survey, to_string(where.level), where.name));
        }
        spending = &*by_area[area];
      }
      if (!spending->has_value()) add_note("survey: " + spending->reason);
    }
    double food = 0.0;
    for (std::size_t l = 0; l < n_lines; ++l)
      if (detail::to_lower(result.lines[l].component) == "food") food += result.line_cost(r, l);
    std::string missing;
    for (std::size_t l = 0; l < n_lines; ++l) {
      const CostLine& line = result.lines[l];
      LinePrice& price = result.line_prices[r * n_lines + l];
      if (line.kind == CostLine::Kind::survey) {
        price.price = nan;
        if (spending->has_value()) {
          double per_person = 0.0;
          for (const auto& name : line.survey_components) per_person += spending->component(name);
          price.price = per_person * index;
        }
        price.status = std::isnan(price.price) ? PriceStatus::missing : PriceStatus::observed;
        price.observations = static_cast<std::int32_t>(spending->households);
      } else if (line.kind == CostLine::Kind::food_share) {
        double share = methodology.food_share.stated.value_or(nan);
        if (methodology.food_share.measured) share = spending->has_value() ? spending->food_share : nan;
        price.price = share > 0.0 ? food * (1.0 / share - 1.0) : nan;
        price.status = std::isnan(price.price) ? PriceStatus::missing : PriceStatus::observed;
        if (!std::isnan(share))
          add_note("food share " + format_number(std::round(share * 10000.0) / 10000.0) + (methodology.food_share.measured ? " (measured)" : " (stated)"));
      } else if (price.status == PriceStatus::missing && line.monthly_quantity != 0.0) {
        missing += (missing.empty() ? "" : ", ") + line.item;
      }
    }
    if (!missing.empty()) add_note("no price for " + missing);
  }
}

}  // namespace

ComputePlan plan_compute(const Methodology& methodology, const PriceTable& prices, const AreaFile* area_file,
                         std::optional<Month> from, std::optional<Month> to) {
  ComputePlan plan;
  plan.series = collect_series(methodology.basket);
  const std::vector<SeriesSpec>& series = plan.series;

  // The months the data covers, over the quotes of the basket's commodities.
  std::vector<char> wanted(prices.commodities.size(), 0);
  for (std::size_t c = 0; c < prices.commodities.size(); ++c) {
    const std::string lowered = detail::to_lower(prices.commodities[c]);
    for (const auto& spec : series)
      for (const auto& name : spec.match_names) wanted[c] = wanted[c] || name == lowered;
  }
  std::optional<Month> data_first, data_last;
  for (const PriceQuote& quote : prices.quotes) {
    if (!wanted[quote.commodity]) continue;
    if (!data_first || quote.month < *data_first) data_first = quote.month;
    if (!data_last || quote.month > *data_last) data_last = quote.month;
  }
  if (series.empty()) {
    // A basket with no market-priced line (all survey-based or stated) takes its months from the rows of
    // the price file's type and flags, whatever their commodity, as it takes its areas from their markets.
    data_first = prices.first_month;
    data_last = prices.last_month;
  }
  if (!data_first && !(from && to)) {
    std::string files;
    for (const auto& source : prices.sources) files += (files.empty() ? "" : ", ") + source.path;
    throw InputError("no price of any basket item (" + std::string(methodology.prices.pricetype) +
                     ", flags as asked) was found in " + (files.empty() ? std::string("the price data") : files));
  }
  plan.first = from ? *from : *data_first;
  plan.last = to ? *to : *data_last;
  if (plan.last < plan.first)
    throw InputError("the months to report are empty: from " + plan.first.to_string() + " to " + plan.last.to_string());
  const Month panel_first = data_first ? std::min(*data_first, plan.first) : plan.first;

  const std::string national = prices.country_code.empty() ? "national" : prices.country_code;
  plan.areas = build_area_tree(prices.markets, methodology.prices.levels, area_file, national);
  plan.buckets = bucket_quotes(prices, series, panel_first, plan.last);

  // Rows: every area of every reported level, every month of the window.
  const std::size_t first_t = static_cast<std::size_t>(plan.first.index - panel_first.index);
  const std::size_t n_months = static_cast<std::size_t>(plan.last.index - plan.first.index + 1);
  for (const AreaLevel level : methodology.reported_levels()) {
    for (std::size_t step = 0; step + 1 < methodology.prices.levels.size(); ++step) {
      if (methodology.prices.levels[step + 1] != level) continue;
      for (const std::int32_t area : plan.areas.by_level[step])
        for (std::size_t t = 0; t < n_months; ++t) plan.rows.push_back({area, first_t + t});
    }
  }
  return plan;
}

ComputeResult compute(const Methodology& methodology, const PriceTable& prices, const AreaFile* area_file,
                      std::optional<Month> from, std::optional<Month> to, const Survey* survey) {
  const ComputePlan plan = plan_compute(methodology, prices, area_file, from, to);
  return evaluate_plan(plan, methodology, market_values(plan.buckets, methodology.prices.statistic), survey);
}

ComputeResult evaluate_plan(const ComputePlan& plan, const Methodology& methodology,
                            const std::vector<double>& market_values, const Survey* survey) {
  ComputeResult result;
  result.lines = expand_basket(methodology, plan.series);
  result.has_smeb = methodology.basket.has_smeb_lines();
  result.first = plan.first;
  result.last = plan.last;
  result.areas = plan.areas;
  result.rows = plan.rows;
  result.panel = aggregate_panel(market_values, plan.buckets, plan.series, plan.areas, methodology.prices);

  // Price every line in every row, then cost the basket as matrix products.
  const std::size_t n_rows = result.rows.size();
  const std::size_t n_lines = result.lines.size();
  result.line_prices.resize(n_rows * n_lines);
  Eigen::MatrixXd price_matrix(static_cast<Eigen::Index>(n_rows), static_cast<Eigen::Index>(n_lines));
  for (std::size_t r = 0; r < n_rows; ++r) {
    for (std::size_t l = 0; l < n_lines; ++l) {
      const LinePrice price =
          price_line(result.lines[l], result.panel, static_cast<std::size_t>(result.rows[r].area), result.rows[r].month);
      result.line_prices[r * n_lines + l] = price;
      price_matrix(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(l)) = price.price;
      if (price.source == LineSource::market) ++result.count_by_status[static_cast<int>(price.status)];
      if (price.status == PriceStatus::missing && methodology.prices.on_missing == OnMissing::error &&
          result.lines[l].monthly_quantity != 0.0) {
        const Area& area = result.areas.areas[static_cast<std::size_t>(result.rows[r].area)];
        throw InputError("no price for item '" + result.lines[l].item + "' in " + std::string(to_string(area.level)) +
                         " '" + area.name + "' in " + result.panel.month_at(result.rows[r].month).to_string() +
                         " after filling, and the methodology " + methodology.source_path +
                         " says on_missing: error");
      }
    }
  }
  price_derived_lines(methodology, survey, result);
  for (std::size_t r = 0; r < n_rows; ++r)
    for (std::size_t l = 0; l < n_lines; ++l)
      price_matrix(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(l)) = result.line_prices[r * n_lines + l].price;
  Eigen::VectorXd quantities(static_cast<Eigen::Index>(n_lines));
  Eigen::VectorXd smeb_mask(static_cast<Eigen::Index>(n_lines));
  for (std::size_t l = 0; l < n_lines; ++l) {
    const auto j = static_cast<Eigen::Index>(l);
    quantities[j] = result.lines[l].monthly_quantity * result.lines[l].markup_factor;
    smeb_mask[j] = result.lines[l].tier == Tier::smeb ? 1.0 : 0.0;
  }
  const bool as_zero = methodology.prices.on_missing == OnMissing::zero;
  const double total_markup = 1.0 + methodology.basket.markup_percent / 100.0;
  result.meb = basket_totals(price_matrix, quantities, Eigen::VectorXd::Ones(quantities.size()), as_zero) * total_markup;
  if (result.has_smeb)
    result.smeb = basket_totals(price_matrix, quantities, smeb_mask, as_zero) * total_markup;
  else
    result.smeb = Eigen::VectorXd::Constant(static_cast<Eigen::Index>(n_rows), std::numeric_limits<double>::quiet_NaN());

  const Eigen::VectorXd& basis = methodology.transfer.basis == Tier::smeb ? result.smeb : result.meb;
  result.transfer.resize(n_rows);
  for (std::size_t r = 0; r < n_rows; ++r) {
    const double cost = basis[static_cast<Eigen::Index>(r)];
    if (std::isnan(cost)) {
      const double nan = std::numeric_limits<double>::quiet_NaN();
      result.transfer[r] = TransferValue{nan, nan, nan};
    } else {
      result.transfer[r] = apply_transfer_rule(methodology.transfer, cost);
    }
  }
  return result;
}

}  // namespace meb
