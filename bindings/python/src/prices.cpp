// meb.PriceTable: price files (or in-memory text) kept as bytes and read by the engine's own readers, once
// per methodology filter. A file loaded once serves every methodology, each reading it as `meb compute`
// would (its price type, flags, currency and basket commodities), so results equal the CLI's.
#include <set>

#include "bindings.hpp"

namespace meb::python {
namespace {

py::dict source_summary(const meb::PriceSource& source) {
  py::dict filtered;
  filtered["other_pricetype"] = source.filtered_pricetype;
  filtered["priceflag_not_requested"] = source.filtered_priceflag;
  filtered["national_average"] = source.filtered_national_average;
  filtered["commodity_not_in_basket"] = source.filtered_commodity;
  filtered["empty_price_cell"] = source.filtered_empty_cells;
  py::dict out;
  out["path"] = source.path;
  out["layout"] = std::string(to_string(source.layout));
  out["hxl_row"] = source.hxl_row;
  out["rows_read"] = source.rows_read;
  out["rows_used"] = source.rows_used;
  out["rows_filtered"] = filtered;
  out["rows_skipped_bad"] = source.skipped_bad_rows;
  out["rows_bad_unused_commodity"] = source.bad_unused_rows;
  return out;
}

py::object month_or_none(const std::optional<meb::Month>& month) {
  return month ? py::object(py::str(month->to_string())) : py::object(py::none());
}

py::dict summary(const Prices& prices) {
  const meb::PriceTable& table = *prices.loaded;
  std::set<std::string> admin1, admin2;
  for (const auto& market : table.markets) {
    if (!market.admin1.empty()) admin1.insert(market.admin1);
    if (!market.admin2.empty()) admin2.insert(market.admin2);
  }
  // Observations per commodity and the months they span, from the quotes kept.
  std::vector<std::size_t> per_item(table.commodities.size(), 0);
  std::optional<meb::Month> first_quote, last_quote;
  for (const auto& quote : table.quotes) {
    ++per_item[quote.commodity];
    if (!first_quote || quote.month < *first_quote) first_quote = quote.month;
    if (!last_quote || quote.month > *last_quote) last_quote = quote.month;
  }
  py::dict items;
  for (std::size_t i = 0; i < table.commodities.size(); ++i) items[py::str(table.commodities[i])] = per_item[i];
  py::list files;
  std::size_t read = 0, used = 0, skipped = 0;
  for (const auto& source : table.sources) {
    files.append(source_summary(source));
    read += source.rows_read;
    used += source.rows_used;
    skipped += source.skipped_bad_rows;
  }
  py::dict months;
  months["first"] = month_or_none(table.first_month);
  months["last"] = month_or_none(table.last_month);
  months["first_quote"] = month_or_none(first_quote);
  months["last_quote"] = month_or_none(last_quote);
  py::dict out;
  out["methodology"] = prices.loaded_for ? py::object(py::str(prices.loaded_for->methodology.id)) : py::object(py::none());
  out["markets"] = table.markets.size();
  out["admin1"] = std::vector<std::string>(admin1.begin(), admin1.end());
  out["admin2"] = std::vector<std::string>(admin2.begin(), admin2.end());
  out["items"] = items;
  out["units"] = table.units;
  out["months"] = months;
  out["observations"] = table.quotes.size();
  out["rows_read"] = read;
  out["rows_used"] = used;
  out["rows_skipped"] = skipped;
  out["row_issues"] = table.issues.size();
  out["country_code"] = table.country_code;
  out["files"] = files;
  return out;
}

/// The kept quotes in the long layout, one row per quote.
py::object quotes_table(const Prices& prices) {
  const meb::PriceTable& table = *prices.loaded;
  const std::size_t n = table.quotes.size();
  py::array_t<double> price(static_cast<py::ssize_t>(n));
  py::array_t<std::int64_t> line(static_cast<py::ssize_t>(n));
  py::list month, market, market_id, admin1, admin2, commodity, unit, file;
  auto price_out = price.mutable_unchecked<1>();
  auto line_out = line.mutable_unchecked<1>();
  for (std::size_t q = 0; q < n; ++q) {
    const meb::PriceQuote& quote = table.quotes[q];
    const meb::Market& where = table.markets[quote.market];
    month.append(quote.month.to_string());
    market.append(where.name);
    market_id.append(where.id);
    admin1.append(where.admin1);
    admin2.append(where.admin2);
    commodity.append(table.commodities[quote.commodity]);
    unit.append(table.units[quote.unit]);
    file.append(table.sources[quote.source].path);
    price_out(static_cast<py::ssize_t>(q)) = quote.price;
    line_out(static_cast<py::ssize_t>(q)) = quote.line;
  }
  py::dict columns;
  columns["month"] = month;
  columns["market"] = market;
  columns["market_id"] = market_id;
  columns["admin1"] = admin1;
  columns["admin2"] = admin2;
  columns["commodity"] = commodity;
  columns["unit"] = unit;
  columns["price"] = price;
  columns["file"] = file;
  columns["line"] = line;
  return py::module_::import("meb._tables").attr("from_columns")(columns);
}

py::object issues_table(const Prices& prices) {
  std::string csv = "file,line,commodity,reason,value\n";
  for (const auto& issue : prices.loaded->issues) {
    meb::detail::CsvRow row(csv);
    row.text(issue.file).count(issue.line).text(issue.commodity).text(issue.reason).text(issue.value);
  }
  return table_from_csv(csv, {"value"});  // the cell as read, e.g. "abc"
}

std::shared_ptr<Prices> load(const std::vector<InputSpec>& inputs, const MethodologyPtr& methodology,
                             bool skip_bad_rows, const std::optional<std::string>& wide_mapping) {
  if (inputs.empty()) throw std::invalid_argument("load_prices needs at least one price file");
  std::shared_ptr<Prices> prices;
  {
    py::gil_scoped_release release;
    std::vector<InputFile> files;
    files.reserve(inputs.size());
    for (const auto& input : inputs) files.push_back(read_input(input));
    prices = std::make_shared<Prices>(std::move(files), skip_bad_rows);
    // A wide mapping replaces the methodology's prices.wide, as `meb compute --wide-mapping` does: a wide export
    // is read through it from the start, not only once compute() applies it.
    std::optional<meb::WideMapping> wide;
    if (wide_mapping) wide = meb::load_wide_mapping(*wide_mapping);
    if (!methodology) {
      prices->loaded = prices->permissive_table(wide ? &*wide : nullptr);
    } else if (wide) {
      meb::Methodology remapped = methodology->methodology;
      remapped.prices.wide = std::move(wide);
      prices->loaded = prices->table_for(remapped);
    } else {
      prices->loaded = prices->table_for(methodology->methodology);
    }
  }
  prices->loaded_for = methodology;
  return prices;
}

}  // namespace

Prices::Prices(std::vector<InputFile> files, bool skip_bad_rows) : files_(std::move(files)), skip_bad_rows_(skip_bad_rows) {}

std::shared_ptr<const meb::PriceTable> Prices::read(const meb::PriceFilter& filter) const {
  const std::string key = meb::cache_key(filter);
  const std::lock_guard<std::mutex> lock(mutex_);
  const auto found = tables_.find(key);
  if (found != tables_.end()) return found->second;
  auto table = std::make_shared<meb::PriceTable>();
  for (const auto& file : files_) meb::read_prices(file.path, file.content, filter, *table);
  tables_.emplace(key, table);
  return table;
}

std::shared_ptr<const meb::PriceTable> Prices::table_for(const meb::Methodology& methodology) const {
  return read(meb::make_price_filter(methodology, skip_bad_rows_));
}

std::shared_ptr<const meb::PriceTable> Prices::permissive_table(const meb::WideMapping* wide) const {
  meb::PriceFilter filter;
  filter.pricetype.clear();  // every price type
  filter.currency.clear();   // every currency
  filter.all_commodities = true;
  filter.markets_of_all_rows = true;
  filter.skip_bad_rows = true;
  filter.wide = wide;  // cached under the mapping's content, not its address: the table may outlive it
  return read(filter);
}

void bind_prices(py::module_& m) {
  py::class_<Prices, std::shared_ptr<Prices>>(m, "PriceTable", R"doc(
Price quotes read by the engine's readers (WFP/HDX current and old layouts, long CSV, wide exports).

Made by :func:`meb.load_prices`. The bytes are kept: :func:`meb.compute` reads them again with each
methodology's filter (price type, price flags, currency, basket commodities), exactly as ``meb compute``
does, so one table serves several methodologies. :meth:`summary` describes the table read at load: the
methodology's when one was given, otherwise every commodity, price type and currency (WFP price flag
``actual``), with bad rows listed instead of raised.
)doc")
      .def("summary", &summary, R"doc(
What was read.

Returns
-------
dict
    ``markets`` (count), ``admin1`` and ``admin2`` (area names), ``items`` (commodity -> quotes kept),
    ``units``, ``months`` (``first``/``last``: months of the rows of the wanted price type and flags,
    whatever their commodity; ``first_quote``/``last_quote``: of the quotes kept), ``observations``
    (quotes kept), ``rows_read``, ``rows_used``, ``rows_skipped`` (bad rows skipped), ``row_issues``,
    ``country_code``, ``methodology`` (the id read for, or None) and ``files`` (per file: layout, HXL row
    and the row counts of ``manifest.json``).
)doc")
      .def_property_readonly("quotes", &quotes_table, R"doc(
The kept quotes, one row per quote: month, market, market_id, admin1, admin2, commodity, unit, price,
file, line. A pandas DataFrame when pandas is importable, else a dict of NumPy arrays.
)doc")
      .def_property_readonly("issues", &issues_table, R"doc(
The rows set aside as bad (file, line, commodity, reason, value), as ``manifest.json`` lists them.
)doc")
      .def_property_readonly("paths", [](const Prices& prices) {
        std::vector<std::string> paths;
        for (const auto& file : prices.files()) paths.push_back(file.path);
        return paths;
      }, "The files (or pseudo paths such as ``<DataFrame>``), in order.")
      .def_property_readonly("methodology", [](const Prices& prices) {
        return prices.loaded_for;
      }, "The methodology the table was loaded for, or None.")
      .def_property_readonly("skip_bad_rows", &Prices::skip_bad_rows)
      .def("__repr__", [](const Prices& prices) {
        return "<meb.PriceTable " + std::to_string(prices.files().size()) + " file(s), " +
               std::to_string(prices.loaded->quotes.size()) + " quotes, " + std::to_string(prices.loaded->markets.size()) +
               " markets>";
      });

  m.def("_load_prices", &load, py::arg("inputs"), py::arg("methodology"), py::arg("skip_bad_rows"),
        py::arg("wide_mapping") = py::none(), "Reads (path, text-or-None) inputs into a PriceTable; see meb.load_prices.");
}

}  // namespace meb::python
