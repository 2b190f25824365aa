#include "meb/prices.hpp"

#include <filesystem>
#include <fstream>

#include <algorithm>
#include <cstring>
#include <atomic>
#include <deque>
#include <exception>
#include <functional>
#include <optional>
#include <thread>
#include <unordered_map>

#include "meb/csv.hpp"
#include "meb/error.hpp"
#include "meb/sha256.hpp"
#include "mapped_file.hpp"

namespace meb {

std::string_view to_string(PriceLayout layout) {
  switch (layout) {
    case PriceLayout::wfp_current: return "wfp-hdx-current";
    case PriceLayout::wfp_old: return "wfp-hdx-old";
    case PriceLayout::long_csv: return "long-csv";
    case PriceLayout::wide: return "wide-survey";
  }
  return "unknown";
}

std::string cache_key(const PriceFilter& filter) {
  // The ASCII separators (record \x1e, unit \x1f, group \x1d) keep the fields apart: no name holds them.
  std::string key = detail::to_lower(filter.pricetype) + '\x1e' + detail::to_lower(filter.currency) + '\x1e';
  // The reader trims and lower-cases the flags and looks each row's up: their order does not matter.
  std::vector<std::string> flags;
  for (const auto& flag : filter.priceflags) flags.push_back(detail::to_lower(detail::trim(flag)));
  std::sort(flags.begin(), flags.end());
  for (const auto& flag : flags) key += flag + '\x1f';
  key += '\x1e';
  if (filter.all_commodities) {
    key += "every commodity";
  } else {
    std::vector<std::string> commodities(filter.commodities.begin(), filter.commodities.end());
    std::sort(commodities.begin(), commodities.end());
    for (const auto& commodity : commodities) key += commodity + '\x1f';
  }
  key += filter.markets_of_all_rows ? "\x1e" "markets of all rows" : "\x1e" "markets of kept rows";
  key += filter.skip_bad_rows ? "\x1e" "skip bad rows" : "\x1e" "fail on bad rows";
  if (filter.wide) {
    const WideMapping& wide = *filter.wide;
    key += "\x1e" "wide\x1f" + wide.date + '\x1f' + wide.market + '\x1f' + wide.market_id + '\x1f' + wide.admin1 +
           '\x1f' + wide.admin2;
    for (const auto& column : wide.columns) key += '\x1f' + column.column + '\x1d' + column.item + '\x1d' + column.unit;
  }
  return key;
}

namespace {

void lower_into(std::string& out, std::string_view text) {
  out.assign(text.begin(), text.end());
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

/// Column positions by (lower-case, trimmed) header name.
class Header {
 public:
  explicit Header(const std::vector<std::string_view>& fields) {
    for (std::size_t i = 0; i < fields.size(); ++i) names_.push_back(detail::to_lower(detail::trim(fields[i])));
  }
  [[nodiscard]] std::optional<std::size_t> find(std::string_view name) const {
    const std::string wanted = detail::to_lower(name);
    for (std::size_t i = 0; i < names_.size(); ++i)
      if (names_[i] == wanted) return i;
    return std::nullopt;
  }
  [[nodiscard]] std::optional<std::size_t> find_any(std::initializer_list<std::string_view> names) const {
    for (std::string_view name : names)
      if (auto index = find(name)) return index;
    return std::nullopt;
  }
  [[nodiscard]] bool has(std::string_view name) const { return find(name).has_value(); }
  [[nodiscard]] std::size_t size() const { return names_.size(); }
  [[nodiscard]] std::string joined() const {
    std::string text;
    for (const auto& name : names_) text += (text.empty() ? "" : ", ") + name;
    return text;
  }

 private:
  std::vector<std::string> names_;
};

/// Where each field of a long-format row (WFP or plain) is found.
struct LongColumns {
  std::size_t date = 0, market = 0, commodity = 0, unit = 0, price = 0;
  std::optional<std::size_t> market_id, admin1, admin2, pricetype, priceflag, currency, country_code;
  bool commodity_joins_pricetype = false;  // old WFP layout: "Millet - Retail"
};

std::size_t require(const Header& header, std::initializer_list<std::string_view> names, std::string_view file,
                    PriceLayout layout) {
  if (auto index = header.find_any(names)) return *index;
  throw InputError(std::string(file) + ":1: the " + std::string(to_string(layout)) + " layout needs a column '" +
                   std::string(*names.begin()) + "'; the header has: " + header.joined());
}

LongColumns resolve_long(const Header& header, PriceLayout layout, std::string_view file) {
  LongColumns c;
  c.date = require(header, {"date"}, file, layout);
  c.unit = require(header, {"unit"}, file, layout);
  c.price = require(header, {"price"}, file, layout);
  c.currency = header.find("currency");
  if (layout == PriceLayout::wfp_old) {
    c.commodity = require(header, {"cmname"}, file, layout);
    c.market = require(header, {"mktname"}, file, layout);
    c.market_id = header.find("mktid");
    c.admin1 = header.find("admname");
    c.commodity_joins_pricetype = true;
    return c;
  }
  c.market = require(header, {"market", "market_name", "mktname"}, file, layout);
  c.commodity = require(header, {"commodity", "item", "cmname"}, file, layout);
  c.market_id = header.find("market_id");
  c.admin1 = header.find_any({"admin1", "adm1", "region"});
  c.admin2 = header.find_any({"admin2", "adm2"});
  c.pricetype = header.find_any({"pricetype", "price_type"});
  c.priceflag = header.find("priceflag");
  c.country_code = header.find("countryiso3");
  return c;
}

/// The start of a row as read, for a message about the row as a whole.
std::string preview(const std::vector<std::string_view>& row) {
  std::string text;
  for (std::size_t i = 0; i < row.size() && text.size() < 80; ++i) {
    if (i) text.push_back(',');
    text.append(row[i]);
  }
  if (text.size() > 80) text.replace(77, std::string::npos, "...");
  return text;
}

/// A market as the fields of the current row name it (views into the row).
struct MarketFields {
  std::string_view id, name, admin1, admin2;
};

/// Hot path: a map from the short texts of a file (its few hundred commodity names and units) to values, looked
/// up once per row. Open addressing in a power-of-two table, hashed from the length and the first and last 8
/// bytes with multiply-xorshift mixing: no division by a prime bucket count and no pass over every byte, which
/// made std::unordered_map a tenth of the reader. The texts are the caller's, and must outlive the map.
template <typename Value>
class TextMap {
 public:
  [[nodiscard]] Value* find(std::string_view text) {
    if (slots_.empty()) return nullptr;
    const std::uint64_t wanted = hash(text);
    for (std::size_t i = wanted & (slots_.size() - 1);; i = (i + 1) & (slots_.size() - 1)) {
      Slot& slot = slots_[i];
      if (!slot.used) return nullptr;
      if (slot.hash == wanted && slot.text == text) return &slot.value;
    }
  }

  Value& insert(std::string_view text, Value value) {
    if (2 * (count_ + 1) > slots_.size()) grow();
    ++count_;
    return place(Slot{text, hash(text), std::move(value), true});
  }

 private:
  struct Slot {
    std::string_view text;
    std::uint64_t hash = 0;
    Value value{};
    bool used = false;
  };

  static std::uint64_t hash(std::string_view text) {
    std::uint64_t first = 0, last = 0;
    const std::size_t size = text.size();
    if (size > 0) std::memcpy(&first, text.data(), std::min<std::size_t>(size, 8));
    if (size > 8) std::memcpy(&last, text.data() + size - 8, 8);
    std::uint64_t h = (size * 0x9E3779B97F4A7C15ull) ^ (first * 0xFF51AFD7ED558CCDull) ^ (last * 0xC4CEB9FE1A85EC53ull);
    h ^= h >> 31;
    h *= 0xBF58476D1CE4E5B9ull;
    return h ^ (h >> 29);
  }

  Value& place(Slot slot) {
    std::size_t i = slot.hash & (slots_.size() - 1);
    while (slots_[i].used) i = (i + 1) & (slots_.size() - 1);
    slots_[i] = std::move(slot);
    return slots_[i].value;
  }

  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 64 : 2 * old.size(), Slot{});
    for (Slot& slot : old)
      if (slot.used) place(std::move(slot));
  }

  std::vector<Slot> slots_;
  std::size_t count_ = 0;
};

/// The state shared by the row handlers of one file.
class FileReader {
 public:
  FileReader(const std::string& path, const PriceFilter& filter, PriceTable& table, PriceSource& source)
      : path_(path), filter_(filter), table_(table), source_(source) {
    source_index_ = static_cast<std::uint32_t>(table_.sources.size() - 1);
    for (const auto& flag : filter_.priceflags) flags_.push_back(detail::to_lower(detail::trim(flag)));
  }

  /// A bad row: an error, or under --skip-bad-rows a counted and listed skip.
  void bad_row(std::size_t line, std::string_view commodity, const std::string& reason, std::string_view value) {
    if (!filter_.skip_bad_rows) {
      std::string message = reason;
      if (!commodity.empty()) message += " (commodity '" + std::string(commodity) + "')";
      throw InputError::at_line(path_, line, message + ": '" + std::string(value) + "'");
    }
    ++source_.skipped_bad_rows;
    table_.issues.push_back({path_, line, std::string(commodity), "skipped: " + reason, std::string(value)});
  }

  /// Checks what every row needs whatever its commodity: its width and its date. Returns the month, or
  /// nothing when the row was bad (an error, or a skip under --skip-bad-rows).
  std::optional<Month> row_month(std::size_t line, const std::vector<std::string_view>& row, std::size_t width,
                                 std::size_t date_column, const std::string& date_name) {
    if (row.size() != width) {
      bad_row(line, "", "expected " + std::to_string(width) + " columns, found " + std::to_string(row.size()),
              preview(row));
      return std::nullopt;
    }
    // Rows come sorted by date: the last date's month serves until the text changes.
    const std::string_view date = detail::trim(row[date_column]);
    if (!date_seen_ || date != last_date_) {
      last_date_.assign(date.begin(), date.end());
      last_month_ = parse_month(date);
      date_seen_ = true;
    }
    if (!last_month_) bad_row(line, "", "column '" + date_name + "' is not a date (YYYY-MM-DD or YYYY-MM)", row[date_column]);
    return last_month_;
  }

  [[nodiscard]] bool used(std::string_view commodity) { return commodity_entry(commodity).used; }

  [[nodiscard]] bool flag_kept(std::string_view flag) const {
    std::string_view trimmed = detail::trim(flag);
    if (trimmed.empty()) trimmed = "actual";
    for (const auto& kept : flags_)
      if (iequals(trimmed, kept)) return true;  // the kept flags are lower case already
    return false;
  }

  void saw_month(Month month) {
    if (!table_.first_month || month < *table_.first_month) table_.first_month = month;
    if (!table_.last_month || month > *table_.last_month) table_.last_month = month;
  }

  void register_market(const MarketFields& market) { (void)market_index(market); }

  /// Checks the price of a row of a commodity no basket uses: a bad one is listed, never an error.
  void check_unused(std::size_t line, std::string_view commodity, std::string_view unit, std::string_view price_text) {
    double price = 0.0;
    const char* reason = nullptr;
    std::string_view value = price_text;
    if (detail::trim(price_text).empty()) reason = "missing price";
    else if (!detail::parse_double(price_text, price)) reason = "price is not a number";
    else if (price < 0.0) reason = "negative price";
    else if (detail::trim(unit).empty()) { reason = "missing unit"; value = unit; }
    if (reason == nullptr) return;
    ++source_.bad_unused_rows;
    table_.issues.push_back(
        {path_, line, std::string(commodity), std::string("unused commodity, ") + reason, std::string(value)});
  }

  /// Validates the price of a used commodity and keeps the quote. Returns false when the row was bad.
  void keep(std::size_t line, const MarketFields& market, std::string_view commodity, std::string_view unit,
            std::string_view price_text, Month month) {
    double price = 0.0;
    if (detail::trim(price_text).empty()) return bad_row(line, commodity, "missing price", price_text);
    if (!detail::parse_double(price_text, price)) return bad_row(line, commodity, "price is not a number", price_text);
    if (price < 0.0) return bad_row(line, commodity, "negative price", price_text);
    if (detail::trim(unit).empty()) return bad_row(line, commodity, "missing unit", unit);
    PriceQuote quote;
    quote.market = market_index(market);
    CommodityEntry& entry = commodity_entry(commodity);
    if (!entry.index) entry.index = table_.intern_commodity(detail::trim(commodity));
    quote.commodity = *entry.index;
    quote.unit = unit_index(detail::trim(unit));
    quote.source = source_index_;
    quote.line = static_cast<std::uint32_t>(line);
    quote.month = month;
    quote.price = price;
    table_.quotes.push_back(quote);
    ++source_.rows_used;
  }

  const std::string& path() const { return path_; }
  PriceSource& source() { return source_; }
  const PriceFilter& filter() const { return filter_; }
  PriceTable& table() { return table_; }

 private:
  const std::string& path_;
  const PriceFilter& filter_;
  PriceTable& table_;
  PriceSource& source_;
  std::uint32_t source_index_ = 0;
  std::vector<std::string> flags_;
  std::string scratch_;

  // Hot path: what a row's text decides is looked up once per distinct text, not recomputed per row (lower
  // case, hash of a built key). The order in which names are interned into the table does not change: an
  // index is taken from the table at the first kept row of its name, as before.
  struct CommodityEntry {
    std::string_view text;
    bool used = false;
    std::optional<std::uint32_t> index;  // interned at the first kept row
    CommodityEntry* followed_by = nullptr;  // the entry of the row after the last row of this one
  };
  // A market's rows list its commodities in the same order date after date, so the entry that followed the
  // last row's entry is usually the next one: one comparison instead of a hash lookup.
  CommodityEntry* current_ = nullptr;
  std::deque<std::string> texts_;  // owns the keys of the maps below
  std::deque<CommodityEntry> commodity_entries_;  // a deque: entries stay in place as it grows
  TextMap<CommodityEntry*> commodities_;
  TextMap<std::uint32_t> units_;
  // The last market kept: rows of one market and date follow each other (HDX sorts by date, market, commodity).
  std::string last_market_[4];
  std::uint32_t last_market_index_ = 0;
  bool market_seen_ = false;
  // The last date read and its month (or nothing when it is not a date).
  std::string last_date_;
  std::optional<Month> last_month_;
  bool date_seen_ = false;

  std::string_view own(std::string_view text) { return texts_.emplace_back(text); }

  CommodityEntry& commodity_entry(std::string_view commodity) {
    if (current_ != nullptr && current_->text == commodity) return *current_;  // the same row asks again
    CommodityEntry* guess = current_ != nullptr ? current_->followed_by : nullptr;
    if (guess == nullptr || guess->text != commodity) {
      guess = &lookup_commodity(commodity);
      if (current_ != nullptr) current_->followed_by = guess;
    }
    current_ = guess;
    return *guess;
  }

  CommodityEntry& lookup_commodity(std::string_view commodity) {
    if (CommodityEntry** found = commodities_.find(commodity)) return **found;
    CommodityEntry& entry = commodity_entries_.emplace_back();
    entry.text = own(commodity);
    if (filter_.all_commodities) {
      entry.used = !detail::trim(commodity).empty();
    } else {
      lower_into(scratch_, detail::trim(commodity));
      entry.used = filter_.commodities.count(scratch_) > 0;
    }
    return *commodities_.insert(entry.text, &entry);
  }

  std::uint32_t unit_index(std::string_view unit) {
    if (const std::uint32_t* found = units_.find(unit)) return *found;
    const std::uint32_t index = table_.intern_unit(unit);
    units_.insert(own(unit), index);
    return index;
  }

  std::uint32_t market_index(const MarketFields& market) {
    if (market_seen_ && market.id == last_market_[0] && market.name == last_market_[1] &&
        market.admin1 == last_market_[2] && market.admin2 == last_market_[3])
      return last_market_index_;
    last_market_index_ = table_.intern_market(market.id, market.name, market.admin1, market.admin2);
    last_market_[0].assign(market.id);
    last_market_[1].assign(market.name);
    last_market_[2].assign(market.admin1);
    last_market_[3].assign(market.admin2);
    market_seen_ = true;
    return last_market_index_;
  }
};

bool is_national_average(std::string_view market) { return iequals(detail::trim(market), "National Average"); }

void read_long_rows(detail::CsvReader& csv, const Header& header, const LongColumns& c, FileReader& reader,
                    detail::PageRelease* release = nullptr) {
  std::vector<std::string_view> row;
  const PriceFilter& filter = reader.filter();
  MarketFields market;
  std::size_t rows = 0;
  while (csv.next(row)) {
    if (release != nullptr && (++rows & 4095) == 0) release->reached(csv.position());
    const std::size_t line = csv.line();
    ++reader.source().rows_read;
    const auto month = reader.row_month(line, row, header.size(), c.date, "date");
    if (!month) continue;
    std::string_view commodity = detail::trim(row[c.commodity]);
    std::string_view pricetype;
    if (c.commodity_joins_pricetype) {
      // "Millet - Retail": the price type follows the last " - ".
      const auto split = commodity.rfind(" - ");
      if (split != std::string_view::npos) {
        pricetype = detail::trim(commodity.substr(split + 3));
        commodity = detail::trim(commodity.substr(0, split));
      }
    } else if (c.pricetype) {
      pricetype = detail::trim(row[*c.pricetype]);
    }
    if (is_national_average(row[c.market])) {
      ++reader.source().filtered_national_average;
      continue;
    }
    if (!filter.pricetype.empty() && (c.pricetype || c.commodity_joins_pricetype) &&
        !iequals(pricetype, filter.pricetype)) {
      ++reader.source().filtered_pricetype;
      continue;
    }
    if (c.priceflag && !reader.flag_kept(row[*c.priceflag])) {
      ++reader.source().filtered_priceflag;
      continue;
    }
    reader.saw_month(*month);
    market.name = detail::trim(row[c.market]);
    market.id = c.market_id ? detail::trim(row[*c.market_id]) : std::string_view();
    market.admin1 = c.admin1 ? detail::trim(row[*c.admin1]) : std::string_view();
    market.admin2 = c.admin2 ? detail::trim(row[*c.admin2]) : std::string_view();
    if (!reader.used(commodity)) {
      ++reader.source().filtered_commodity;
      reader.check_unused(line, commodity, row[c.unit], row[c.price]);
      if (filter.markets_of_all_rows) reader.register_market(market);
      continue;
    }
    if (c.currency && !filter.currency.empty() && !iequals(detail::trim(row[*c.currency]), filter.currency)) {
      reader.bad_row(line, commodity, "currency differs from the methodology's " + filter.currency,
                     detail::trim(row[*c.currency]));
      continue;
    }
    if (c.country_code && reader.table().country_code.empty())
      reader.table().country_code = std::string(detail::trim(row[*c.country_code]));
    reader.keep(line, market, commodity, row[c.unit], row[c.price], *month);
  }
}

void read_wide_rows(detail::CsvReader& csv, const Header& header, const WideMapping& wide, FileReader& reader) {
  auto column = [&](const std::string& name, const char* key) -> std::size_t {
    if (auto index = header.find(name)) return *index;
    throw InputError(reader.path() + ":1: the wide mapping's " + key + " column '" + name +
                     "' is not in the header; the header has: " + header.joined());
  };
  const std::size_t date = column(wide.date, "date");
  const std::size_t market_column = column(wide.market, "market");
  // Optional columns: npos when the mapping does not name them.
  constexpr std::size_t kAbsent = std::string_view::npos;
  const std::size_t admin1 = wide.admin1.empty() ? kAbsent : column(wide.admin1, "admin1");
  const std::size_t admin2 = wide.admin2.empty() ? kAbsent : column(wide.admin2, "admin2");
  const std::size_t market_id = wide.market_id.empty() ? kAbsent : column(wide.market_id, "market_id");
  std::vector<std::size_t> price_columns;
  for (const auto& mapped : wide.columns) price_columns.push_back(column(mapped.column, "price"));

  std::vector<std::string_view> row;
  MarketFields market;
  while (csv.next(row)) {
    const std::size_t line = csv.line();
    ++reader.source().rows_read;
    const auto month = reader.row_month(line, row, header.size(), date, wide.date);
    if (!month) continue;
    reader.saw_month(*month);
    if (is_national_average(row[market_column])) {
      ++reader.source().filtered_national_average;
      continue;
    }
    market.name = detail::trim(row[market_column]);
    market.id = market_id != kAbsent ? detail::trim(row[market_id]) : std::string_view();
    market.admin1 = admin1 != kAbsent ? detail::trim(row[admin1]) : std::string_view();
    market.admin2 = admin2 != kAbsent ? detail::trim(row[admin2]) : std::string_view();
    if (reader.filter().markets_of_all_rows) reader.register_market(market);
    for (std::size_t k = 0; k < price_columns.size(); ++k) {
      const std::string_view cell = detail::trim(row[price_columns[k]]);
      if (cell.empty()) {
        ++reader.source().filtered_empty_cells;  // the trader did not sell it: no quote, not an error
        continue;
      }
      const WideColumn& mapped = wide.columns[k];
      if (!reader.used(mapped.item)) {
        ++reader.source().filtered_commodity;
        reader.check_unused(line, mapped.item, mapped.unit, cell);
        continue;
      }
      reader.keep(line, market, mapped.item, mapped.unit, cell, *month);
    }
  }
}

}  // namespace

namespace {
void append_lower(std::string& out, std::string_view text) {
  for (char c : text) out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
}
}  // namespace

std::uint32_t PriceTable::intern_market(std::string_view id, std::string_view name, std::string_view admin1,
                                        std::string_view admin2) {
  key_.clear();
  if (!id.empty()) {
    key_ += "id\x1f";
    key_ += id;
  } else {
    key_ += "name\x1f";
    append_lower(key_, admin1);
    key_ += '\x1f';
    append_lower(key_, admin2);
    key_ += '\x1f';
    append_lower(key_, name);
  }
  const auto found = market_index_.find(key_);
  if (found != market_index_.end()) return found->second;
  const auto index = static_cast<std::uint32_t>(markets.size());
  market_index_.emplace(key_, index);
  markets.push_back(Market{std::string(id), std::string(name), std::string(admin1), std::string(admin2)});
  return index;
}

namespace {
/// The index of `text` in `names`, appended when new; `key` is a reused buffer.
std::uint32_t intern_name(std::unordered_map<std::string, std::uint32_t>& index, std::vector<std::string>& names,
                          std::string& key, std::string_view text) {
  key.assign(text.begin(), text.end());
  const auto found = index.find(key);
  if (found != index.end()) return found->second;
  const auto position = static_cast<std::uint32_t>(names.size());
  index.emplace(key, position);
  names.emplace_back(text);
  return position;
}
}  // namespace

std::uint32_t PriceTable::intern_commodity(std::string_view name) {
  return intern_name(commodity_index_, commodities, key_, name);
}

std::uint32_t PriceTable::intern_unit(std::string_view unit) { return intern_name(unit_index_, units, key_, unit); }

PriceLayout detect_layout(const std::vector<std::string_view>& fields, const WideMapping* wide, std::string_view file) {
  const Header header(fields);
  if (header.has("cmname") && header.has("mktname")) return PriceLayout::wfp_old;
  const bool long_shape = header.has("date") && header.find_any({"market", "market_name"}) &&
                          header.find_any({"commodity", "item"}) && header.has("price") && header.has("unit");
  if (long_shape && (header.has("priceflag") || header.has("usdprice"))) return PriceLayout::wfp_current;
  if (long_shape) return PriceLayout::long_csv;
  if (wide != nullptr && header.has(wide->date) && header.has(wide->market)) return PriceLayout::wide;
  std::string hint = wide == nullptr ? "; for a wide survey export, give the methodology a prices.wide mapping"
                                     : "; the methodology's prices.wide mapping names date column '" + wide->date +
                                           "' and market column '" + wide->market + "'";
  throw InputError(std::string(file) +
                   ":1: cannot tell the layout of the price file from its header (WFP/HDX current or old, "
                   "long CSV or wide export); the header has: " +
                   header.joined() + hint);
}

namespace {

// Hot path: a large long-layout file is parsed in two halves on two cores. The halves meet at a record
// boundary; the second half is parsed into a table of its own and merged in file order, so the quotes, the
// interned markets, commodities and units, the listed rows and every count are exactly those of one pass
// (tests/prices_test.cpp compares them), and the first bad row of the file is the error reported.
constexpr std::size_t kParallelBytes = std::size_t{8} << 20;
// The pages of a mapped file are handed back every 8 MB behind each reader.
constexpr std::size_t kReleaseWindow = std::size_t{8} << 20;

std::size_t automatic_parts(std::size_t bytes) {
  return bytes >= kParallelBytes && std::thread::hardware_concurrency() >= 2 ? 2 : 1;
}

using detail::ByteCounts;

/// The quotes and the line breaks in content[from, to), counted a window at a time, so that the pages of a
/// mapped file are released behind the count (`mapped` may be null).
ByteCounts count_quotes_and_line_breaks(std::string_view content, std::size_t from, std::size_t to,
                                        const detail::MappedFile* mapped) {
  to = std::min(to, content.size());
  constexpr std::size_t kWindow = std::size_t{8} << 20;
  ByteCounts counts;
  for (std::size_t start = from; start < to; start += kWindow) {
    const std::size_t end = std::min(to, start + kWindow);
    const ByteCounts window = detail::count_quotes_and_line_breaks(content.substr(start, end - start));
    counts.quotes += window.quotes;
    counts.line_breaks += window.line_breaks;
    if (mapped != nullptr) mapped->release(start, end);
  }
  return counts;
}

/// Where the second half of a file starts, and the line breaks before it.
struct Split {
  std::size_t at = 0;
  std::size_t line_breaks_before = 0;  // from the data's start
};

/// The start of the first record at or after the middle of the data: after a line break that is not inside
/// a quoted field (an even number of quotes since `data_start`, which is a record boundary).
std::optional<Split> split_point(std::string_view content, std::size_t data_start, const detail::MappedFile* mapped) {
  if (data_start >= content.size()) return std::nullopt;
  std::size_t newline = content.find('\n', data_start + (content.size() - data_start) / 2);
  ByteCounts counts = count_quotes_and_line_breaks(content, data_start, newline, mapped);
  while (newline != std::string_view::npos && counts.quotes % 2 != 0) {
    const std::size_t next = content.find('\n', newline + 1);
    const ByteCounts more = count_quotes_and_line_breaks(content, newline, next, nullptr);
    counts.quotes += more.quotes;
    counts.line_breaks += more.line_breaks;
    newline = next;
  }
  if (newline == std::string_view::npos || newline + 1 >= content.size()) return std::nullopt;
  return Split{newline + 1, counts.line_breaks + 1};  // and the break ending the first half
}

void add_counts(PriceSource& into, const PriceSource& part) {
  into.rows_read += part.rows_read;
  into.rows_used += part.rows_used;
  into.filtered_pricetype += part.filtered_pricetype;
  into.filtered_priceflag += part.filtered_priceflag;
  into.filtered_national_average += part.filtered_national_average;
  into.filtered_commodity += part.filtered_commodity;
  into.filtered_empty_cells += part.filtered_empty_cells;
  into.skipped_bad_rows += part.skipped_bad_rows;
  into.bad_unused_rows += part.bad_unused_rows;
}

/// Appends `part` (the second half of the file) to `table` as if its rows had been read after the first half's.
void merge_part(PriceTable& table, PriceTable& part, std::uint32_t source_index) {
  std::vector<std::uint32_t> market(part.markets.size()), commodity(part.commodities.size()), unit(part.units.size());
  for (std::size_t i = 0; i < part.markets.size(); ++i) {
    const Market& m = part.markets[i];
    market[i] = table.intern_market(m.id, m.name, m.admin1, m.admin2);
  }
  for (std::size_t i = 0; i < part.commodities.size(); ++i) commodity[i] = table.intern_commodity(part.commodities[i]);
  for (std::size_t i = 0; i < part.units.size(); ++i) unit[i] = table.intern_unit(part.units[i]);
  table.quotes.reserve(table.quotes.size() + part.quotes.size());
  for (PriceQuote quote : part.quotes) {
    quote.market = market[quote.market];
    quote.commodity = commodity[quote.commodity];
    quote.unit = unit[quote.unit];
    quote.source = source_index;
    table.quotes.push_back(quote);
  }
  for (auto& issue : part.issues) table.issues.push_back(std::move(issue));
  if (table.country_code.empty()) table.country_code = part.country_code;
  for (const auto& month : {part.first_month, part.last_month}) {
    if (!month) continue;
    if (!table.first_month || *month < *table.first_month) table.first_month = month;
    if (!table.last_month || *month > *table.last_month) table.last_month = month;
  }
  add_counts(table.sources[source_index], part.sources.front());
}

void read_long_rows_in_two(std::string_view content, const detail::CsvReader& csv, const Split& halves,
                           const Header& header, const LongColumns& columns, FileReader& reader,
                           const detail::MappedFile* mapped) {
  // The first half ends at the split; the second starts there with the file's line numbers.
  const std::size_t data_start = csv.position();
  const std::size_t split = halves.at;
  const std::size_t lines_before = halves.line_breaks_before;
  detail::CsvReader first(content.substr(0, split), data_start, csv.next_line());
  detail::CsvReader second(content, split, csv.next_line() + lines_before);

  PriceTable part;
  part.sources.push_back(PriceSource{reader.path(), reader.source().layout, reader.source().hxl_row});
  std::exception_ptr second_error;
  std::thread worker([&] {
    try {
      FileReader second_reader(reader.path(), reader.filter(), part, part.sources.back());
      detail::PageRelease release(mapped, split, kReleaseWindow);
      read_long_rows(second, header, columns, second_reader, &release);
      release.finish(content.size());
    } catch (...) {
      second_error = std::current_exception();
    }
  });
  std::exception_ptr first_error;
  try {
    detail::PageRelease release(mapped, data_start, kReleaseWindow);
    read_long_rows(first, header, columns, reader, &release);
    release.finish(split);
  } catch (...) {
    first_error = std::current_exception();
  }
  worker.join();
  // The file's first bad row is the one reported, as in one pass.
  if (first_error) std::rethrow_exception(first_error);
  if (second_error) std::rethrow_exception(second_error);
  merge_part(reader.table(), part, static_cast<std::uint32_t>(reader.table().sources.size() - 1));
}

}  // namespace

void read_prices(const std::string& path, std::string_view content, const PriceFilter& filter, PriceTable& table) {
  detail::read_prices_in_parts(path, content, filter, table, 0);
}

namespace {

/// A file's header read, its layout known, its HXL row skipped: where its data rows start.
struct Opening {
  Header header;
  PriceLayout layout = PriceLayout::long_csv;
  detail::CsvReader data;  ///< positioned at the first data row
};

Opening open_price_file(const std::string& path, std::string_view content, const PriceFilter& filter,
                        PriceTable& table) {
  detail::CsvReader csv(content);
  std::vector<std::string_view> header_fields;
  bool has_header = false;
  try {
    has_header = csv.next(header_fields);
  } catch (const InputError& error) {
    throw InputError(path + ": " + error.what());  // from the CSV tokenizer, which knows no file name
  }
  if (!has_header) throw InputError(path + ": the file is empty");
  PriceSource source;
  source.path = path;
  source.layout = detect_layout(header_fields, filter.wide, path);
  Opening opening{Header(header_fields), source.layout, csv};
  table.sources.push_back(source);
  // The HXL row (the second line, first field starting with '#') is recognised and skipped.
  detail::CsvReader after_header = csv;
  std::vector<std::string_view> second;
  try {
    if (after_header.next(second) && !second.empty() && !detail::trim(second[0]).empty() &&
        detail::trim(second[0]).front() == '#') {
      table.sources.back().hxl_row = true;
      opening.data = after_header;
    }
  } catch (const InputError& error) {
    throw InputError(path + ": " + error.what());
  }
  return opening;
}

/// The long-layout rows of `buffer` from the reader's position to its end (complete records), in one pass or
/// in two halves on two cores.
void parse_long_range(std::string_view buffer, const detail::CsvReader& csv, const Header& header,
                      const LongColumns& columns, FileReader& reader, std::size_t parse_parts,
                      const detail::MappedFile* mapped = nullptr) {
  const std::size_t parts = parse_parts == 0 ? automatic_parts(buffer.size() - csv.position()) : parse_parts;
  const auto split = parts > 1 ? split_point(buffer, csv.position(), mapped) : std::nullopt;
  if (!split) {
    detail::CsvReader whole = csv;
    detail::PageRelease release(mapped, csv.position(), kReleaseWindow);
    read_long_rows(whole, header, columns, reader, &release);
    release.finish(buffer.size());
  } else {
    read_long_rows_in_two(buffer, csv, *split, header, columns, reader, mapped);
  }
}

/// Runs `parse`, giving a CSV tokenizer's error ("line N: ...") the file's name.
template <typename Parse>
void with_file_name(const std::string& path, Parse&& parse) {
  try {
    parse();
  } catch (const InputError& error) {
    const std::string message = error.what();
    if (message.rfind("line ", 0) == 0) throw InputError(path + ": " + message);
    throw;
  }
}

/// The end of the last complete record of `buffer` (which starts on a record boundary): after the last line
/// break outside a quoted field; 0 when there is none.
std::size_t last_record_end(std::string_view buffer) {
  std::size_t newline = buffer.rfind('\n');
  if (newline == std::string_view::npos) return 0;
  std::size_t quotes = detail::count_quotes_and_line_breaks(buffer.substr(0, newline)).quotes;
  while (quotes % 2 != 0) {
    const std::size_t previous = newline == 0 ? std::string_view::npos : buffer.rfind('\n', newline - 1);
    if (previous == std::string_view::npos) return 0;
    quotes -= detail::count_quotes_and_line_breaks(buffer.substr(previous, newline - previous)).quotes;
    newline = previous;
  }
  return newline + 1;
}

}  // namespace

void detail::read_prices_in_parts(const std::string& path, std::string_view content, const PriceFilter& filter,
                                  PriceTable& table, std::size_t parse_parts, const MappedFile* mapped) {
  Opening opening = open_price_file(path, content, filter, table);
  FileReader reader(path, filter, table, table.sources.back());
  with_file_name(path, [&] {
    if (opening.layout == PriceLayout::wide) {
      read_wide_rows(opening.data, opening.header, *filter.wide, reader);
    } else {
      parse_long_range(content, opening.data, opening.header, resolve_long(opening.header, opening.layout, path),
                       reader, parse_parts, mapped);
    }
  });
}

std::optional<StreamedFile> detail::read_price_file_mapped(const std::string& path, const PriceFilter& filter,
                                                           PriceTable& table, std::size_t parse_parts,
                                                           const std::function<void()>& after_mapping) {
  std::optional<MappedFile> mapped = MappedFile::open(path);
  if (!mapped) return std::nullopt;
  if (after_mapping) after_mapping();
  // A file cut short or rewritten by another program while it was read: the bytes parsed and hashed may not be
  // one version of it (past a cut they read as zeros).
  const auto check_whole = [&] {
    if (mapped->changed())
      throw InputError(path + ": the file was changed (truncated or rewritten) by another program while it was read (" +
                       std::to_string(mapped->bytes().size()) + " bytes when opened); read it again once it is complete");
  };
  const std::string_view bytes = mapped->bytes();
  // The SHA-256 for the manifest is computed on a thread of its own while the file is parsed: hashing is
  // serial and runs at about 1.6 GB/s, so it would otherwise add a fifth to the read of a large file.
  std::atomic<bool> stop{false};
  StreamedFile file;
  file.bytes = bytes.size();
  std::exception_ptr hash_error;
  std::thread hasher([&] {
    try {
      Sha256 digest;
      PageRelease release(&*mapped, 0, kReleaseWindow);
      constexpr std::size_t kPiece = std::size_t{1} << 20;
      for (std::size_t at = 0; at < bytes.size() && !stop.load(std::memory_order_relaxed); at += kPiece) {
        digest.update(bytes.substr(at, kPiece));
        release.reached(std::min(bytes.size(), at + kPiece));
      }
      file.sha256 = digest.hex_digest();
    } catch (...) {
      hash_error = std::current_exception();
    }
  });
  try {
    read_prices_in_parts(path, bytes, filter, table, parse_parts, &*mapped);
  } catch (...) {
    stop = true;
    hasher.join();
    check_whole();  // the zeros, not the file, made the error
    throw;
  }
  hasher.join();
  check_whole();
  if (hash_error) std::rethrow_exception(hash_error);
  return file;
}

StreamedFile read_price_file_hashed(const std::string& path, const PriceFilter& filter, PriceTable& table) {
  if (auto file = detail::read_price_file_mapped(path, filter, table, 0)) return *file;
  return read_price_file_streamed(path, filter, table);
}

StreamedFile read_price_file_streamed(const std::string& path, const PriceFilter& filter, PriceTable& table,
                                      std::size_t chunk_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("cannot open '" + path + "' for reading");  // read_file's words
  StreamedFile file;
  Sha256 digest;
  std::string buffer;
  bool at_end = false;
  // A file smaller than a chunk is read in one piece of its own size (a 32 MB buffer for a 1 MB file would cost
  // more to clear than to parse the file).
  std::error_code size_error;
  const auto size = std::filesystem::file_size(path, size_error);
  if (!size_error && size < chunk_bytes) chunk_bytes = static_cast<std::size_t>(size) + 1;
  // Room for a chunk and the unfinished record carried over from the one before, reserved once so the buffer
  // never reallocates (which would hold two copies); pages not yet written take no memory.
  buffer.reserve(2 * chunk_bytes);
  // Appends up to one chunk to the buffer, hashing it; false at the end of the file.
  const auto read_chunk = [&] {
    const std::size_t old_size = buffer.size();
    buffer.resize(old_size + chunk_bytes);
    in.read(&buffer[old_size], static_cast<std::streamsize>(chunk_bytes));
    const auto got = static_cast<std::size_t>(in.gcount());
    buffer.resize(old_size + got);
    if (in.bad()) throw InputError("cannot read '" + path + "'");
    digest.update(std::string_view(buffer).substr(old_size, got));
    file.bytes += got;
    at_end = got < chunk_bytes;
  };
  read_chunk();
  // Enough for the header and the (possible) HXL row: two complete records, or the whole file.
  const auto complete_records = [&] {
    const std::string_view complete = std::string_view(buffer).substr(0, last_record_end(buffer));
    detail::CsvReader reader(complete);
    std::vector<std::string_view> fields;
    int count = 0;
    while (count < 2 && reader.next(fields)) ++count;
    return count;
  };
  while (!at_end && complete_records() < 2) read_chunk();
  if (at_end) {
    detail::read_prices_in_parts(path, buffer, filter, table, 0);
    file.sha256 = digest.hex_digest();
    return file;
  }
  Opening opening = open_price_file(path, buffer, filter, table);
  if (opening.layout == PriceLayout::wide) {  // wide exports are small: read the rest and parse them whole
    while (!at_end) read_chunk();
    table.sources.pop_back();
    detail::read_prices_in_parts(path, buffer, filter, table, 0);
    file.sha256 = digest.hex_digest();
    return file;
  }
  FileReader reader(path, filter, table, table.sources.back());
  const LongColumns columns = resolve_long(opening.header, opening.layout, path);
  // Each round parses the complete records in the buffer and keeps the unfinished one for the next chunk.
  std::size_t start = opening.data.position();
  std::size_t next_line = opening.data.next_line();
  with_file_name(path, [&] {
    while (true) {
      const std::string_view rest = std::string_view(buffer).substr(start);
      const std::size_t end = at_end ? rest.size() : last_record_end(rest);
      const std::string_view records = rest.substr(0, end);
      parse_long_range(records, detail::CsvReader(records, 0, next_line), opening.header, columns, reader, 0);
      next_line += detail::count_quotes_and_line_breaks(records).line_breaks;
      if (at_end) break;
      buffer.erase(0, start + end);
      start = 0;
      read_chunk();
    }
  });
  file.sha256 = digest.hex_digest();
  return file;
}

void read_price_file(const std::string& path, const PriceFilter& filter, PriceTable& table) {
  (void)read_price_file_hashed(path, filter, table);
}

}  // namespace meb
