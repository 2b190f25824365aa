#include "meb/compute.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "meb/csv.hpp"
#include "meb/error.hpp"

namespace meb {

PriceFilter make_price_filter(const Methodology& methodology, bool skip_bad_rows) {
  PriceFilter filter;
  filter.pricetype = methodology.prices.pricetype;
  filter.priceflags = methodology.prices.priceflags;
  filter.currency = methodology.currency;
  filter.skip_bad_rows = skip_bad_rows;
  for (auto& name : commodity_names(collect_series(methodology.basket))) filter.commodities.insert(std::move(name));
  if (methodology.prices.wide) filter.wide = &*methodology.prices.wide;
  return filter;
}

ComputeResult compute(const Methodology& methodology, const PriceTable& prices, const AreaFile* area_file,
                      std::optional<Month> from, std::optional<Month> to) {
  ComputeResult result;
  const std::vector<SeriesSpec> series = collect_series(methodology.basket);
  result.lines = expand_basket(methodology, series);
  result.has_smeb = methodology.basket.has_smeb_lines();

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
  if (!data_first && !(from && to)) {
    std::string files;
    for (const auto& source : prices.sources) files += (files.empty() ? "" : ", ") + source.path;
    throw InputError("no price of any basket item (" + std::string(methodology.prices.pricetype) +
                     ", flags as asked) was found in " + (files.empty() ? std::string("the price data") : files));
  }
  result.first = from ? *from : *data_first;
  result.last = to ? *to : *data_last;
  if (result.last < result.first)
    throw InputError("the months to report are empty: from " + result.first.to_string() + " to " + result.last.to_string());
  const Month panel_first = data_first ? std::min(*data_first, result.first) : result.first;

  const std::string national = prices.country_code.empty() ? "national" : prices.country_code;
  result.areas = build_area_tree(prices.markets, methodology.prices.levels, area_file, national);
  result.panel = build_price_panel(prices, series, result.areas, methodology.prices, panel_first, result.last);

  // Rows: every area of every reported level, every month of the window.
  const std::size_t first_t = static_cast<std::size_t>(result.first.index - panel_first.index);
  const std::size_t n_months = static_cast<std::size_t>(result.last.index - result.first.index + 1);
  for (const AreaLevel level : methodology.reported_levels()) {
    for (std::size_t step = 0; step + 1 < methodology.prices.levels.size(); ++step) {
      if (methodology.prices.levels[step + 1] != level) continue;
      for (const std::int32_t area : result.areas.by_level[step])
        for (std::size_t t = 0; t < n_months; ++t) result.rows.push_back({area, first_t + t});
    }
  }

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
      if (!price.stated) ++result.count_by_status[static_cast<int>(price.status)];
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
