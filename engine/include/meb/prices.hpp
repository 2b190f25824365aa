#pragma once
// Price data in: WFP/HDX files (current and old layout), plain long CSVs and wide survey exports
// (KoBo, JMMI), detected from the header and read into one PriceTable of raw quotes. Units are kept as
// written here; the conversion to each basket item's unit happens when series are built
// (price_series.hpp), where the item is known.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "meb/month.hpp"

namespace meb {

enum class PriceLayout { wfp_current, wfp_old, long_csv, wide };
[[nodiscard]] std::string_view to_string(PriceLayout layout);

/// One market. Its identity is `market_id` when the file has one, otherwise its name within its
/// admin1 and admin2: two markets with the same name in different areas are different markets.
struct Market {
  std::string id;  ///< market_id, empty when the file has none
  std::string name;
  std::string admin1;
  std::string admin2;
};

/// One price quote, as read. Strings are interned in the PriceTable.
struct PriceQuote {
  std::uint32_t market = 0;     ///< index into PriceTable::markets
  std::uint32_t commodity = 0;  ///< index into PriceTable::commodities
  std::uint32_t unit = 0;       ///< index into PriceTable::units
  std::uint32_t source = 0;     ///< index into PriceTable::sources
  std::uint32_t line = 0;       ///< physical line in the source file
  Month month;
  double price = 0.0;  ///< per `unit`, in the methodology's currency
};

/// A row that was not used, with the reason: listed in the manifest.
struct RowIssue {
  std::string file;
  std::size_t line = 0;
  std::string commodity;
  std::string reason;
  std::string value;
};

/// What was read from one file, and what was set aside and why.
struct PriceSource {
  std::string path;
  PriceLayout layout = PriceLayout::long_csv;
  bool hxl_row = false;
  std::size_t rows_read = 0;             ///< data rows (the header and the HXL row excluded)
  std::size_t rows_used = 0;             ///< quotes kept
  std::size_t filtered_pricetype = 0;    ///< another price type
  std::size_t filtered_priceflag = 0;    ///< a WFP price flag not asked for
  std::size_t filtered_national_average = 0;
  std::size_t filtered_commodity = 0;    ///< a commodity that no basket uses
  std::size_t filtered_empty_cells = 0;  ///< wide exports: an empty price cell (no quote)
  std::size_t skipped_bad_rows = 0;      ///< bad rows skipped under --skip-bad-rows
  std::size_t bad_unused_rows = 0;       ///< bad rows of commodities no basket uses (never an error)
};

/// Names the columns of a wide survey export (one row per trader or market, one column per price).
struct WideColumn {
  std::string column;
  std::string item;
  std::string unit;
};
struct WideMapping {
  std::string date;
  std::string market;
  std::string market_id;  ///< optional
  std::string admin1;
  std::string admin2;     ///< optional
  std::vector<WideColumn> columns;
};

/// What to keep while reading. Rows of other commodities are counted, never an error.
struct PriceFilter {
  std::string pricetype;                    ///< e.g. "Retail"; compared case-insensitively
  std::vector<std::string> priceflags{"actual"};
  std::string currency;                     ///< the methodology's; another one for a used commodity is an error
  std::unordered_set<std::string> commodities;  ///< lower-case names the baskets use
  /// Keep the rows of every commodity, whatever `commodities` holds: a table read before any basket is
  /// known (the Python bindings' summary of a file loaded without a methodology). A row with an empty
  /// commodity name still names no commodity and is filtered.
  bool all_commodities = false;
  /// Also register the market of every row of the wanted type and flags, whatever its commodity: a basket
  /// with no market-priced line still takes its areas from the price data.
  bool markets_of_all_rows = false;
  bool skip_bad_rows = false;               ///< --skip-bad-rows: skip, count and list bad rows instead of failing
  const WideMapping* wide = nullptr;        ///< for wide exports
};

/// Everything of a filter that decides which quotes are kept, as one text: two filters with the same key read
/// the same table from the same files, so a cache of parsed tables (the CLI's FileCache, the Python
/// PriceTable) is keyed by it. Names compared case-insensitively by the reader (price type, flags, currency)
/// are lower-cased, the commodities sorted, and the wide mapping taken by content, not by address: a freed
/// mapping's address can be reused by another one.
[[nodiscard]] std::string cache_key(const PriceFilter& filter);

/// Every quote kept from every file read, with interned strings.
struct PriceTable {
  std::vector<Market> markets;
  std::vector<std::string> commodities;
  std::vector<std::string> units;
  std::vector<PriceSource> sources;
  std::vector<PriceQuote> quotes;
  std::vector<RowIssue> issues;  ///< skipped bad rows and bad rows of unused commodities
  std::string country_code;      ///< from `countryiso3` when a file has it
  /// The months of the rows of the wanted price type and flags, whatever their commodity.
  std::optional<Month> first_month;
  std::optional<Month> last_month;

  /// Index of a market, added when new. Identity: the id when given, else (admin1, admin2, name), case-insensitive.
  std::uint32_t intern_market(std::string_view id, std::string_view name, std::string_view admin1,
                              std::string_view admin2);
  std::uint32_t intern_commodity(std::string_view name);
  std::uint32_t intern_unit(std::string_view unit);

 private:
  std::string key_;  // reused lookup key: no allocation per row once the tables are warm
  std::unordered_map<std::string, std::uint32_t> market_index_;
  std::unordered_map<std::string, std::uint32_t> commodity_index_;
  std::unordered_map<std::string, std::uint32_t> unit_index_;
};

/// Tells the layout from a header row. Throws InputError naming the file and the columns found.
[[nodiscard]] PriceLayout detect_layout(const std::vector<std::string_view>& header, const WideMapping* wide,
                                        std::string_view file);

/// Reads one price file's content (named `path` in messages) and appends its quotes to `table`.
/// Throws InputError naming the file, the line and the value for a bad row (unless filter.skip_bad_rows).
void read_prices(const std::string& path, std::string_view content, const PriceFilter& filter, PriceTable& table);

namespace detail {
class MappedFile;
/// read_prices with the number of parts a long-layout file is parsed in: 0 = automatic (two on a machine with
/// two cores for a file of 8 MB or more, else one), 1 = one pass, 2 = two halves whatever the size (tests).
/// When `content` is the bytes of `mapped`, the pages read are released behind the parse.
void read_prices_in_parts(const std::string& path, std::string_view content, const PriceFilter& filter,
                          PriceTable& table, std::size_t parse_parts, const MappedFile* mapped = nullptr);
}  // namespace detail

/// Reads a price file from disk, streamed (read_price_file_streamed, whose size and digest it drops).
void read_price_file(const std::string& path, const PriceFilter& filter, PriceTable& table);

/// What a streamed read saw of the file: its size and SHA-256 (for the manifest).
struct StreamedFile {
  std::size_t bytes = 0;
  std::string sha256;
};

/// read_prices on a file read from disk `chunk_bytes` at a time and hashed as it is read: the complete
/// records of each chunk are parsed (on two cores when large) before the next is read, so the whole file is
/// never in memory. The same table and the same errors as read_prices on the file's bytes.
StreamedFile read_price_file_streamed(const std::string& path, const PriceFilter& filter, PriceTable& table,
                                      std::size_t chunk_bytes = std::size_t{16} << 20);

/// read_prices on the file at `path`, with its size and SHA-256: the way the CLI and the bindings read a price
/// file. A regular file is mapped into memory, parsed (on two cores when large) while another thread hashes it,
/// and its pages are released behind the readers, so the resident memory stays a few 8 MB windows wide; what
/// cannot be mapped (a pipe) is streamed with read_price_file_streamed. The same table and the same errors as
/// read_prices on the file's bytes.
StreamedFile read_price_file_hashed(const std::string& path, const PriceFilter& filter, PriceTable& table);

namespace detail {
/// The mapped read of read_price_file_hashed with a given number of parse parts (as read_prices_in_parts);
/// nothing when the file cannot be mapped. `after_mapping`, when given, runs once the file is mapped and
/// before it is read (tests truncate the file there). Throws InputError when the file was truncated while
/// it was read.
std::optional<StreamedFile> read_price_file_mapped(const std::string& path, const PriceFilter& filter,
                                                   PriceTable& table, std::size_t parse_parts,
                                                   const std::function<void()>& after_mapping = {});
}  // namespace detail

}  // namespace meb
