#pragma once
// Shared fixtures: build inputs from inline text so each test states its data beside its expected answer.
#include <atomic>
#include <filesystem>
#include <string>

#include <unistd.h>

#include "meb/compute.hpp"
#include "meb/error.hpp"
#include "meb/methodology.hpp"
#include "meb/prices.hpp"

namespace meb::testing {

/// A directory of its own under the system's temporary directory, removed with everything in it.
class ScratchDirectory {
 public:
  explicit ScratchDirectory(const std::string& name) {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("meb-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" + name);
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;
  [[nodiscard]] std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

/// A methodology from inline YAML (named "test.yaml" in messages).
inline Methodology methodology_from(const std::string& yaml) { return parse_methodology(yaml, "test.yaml"); }

/// Reads inline CSV price text for a methodology, as `meb compute` would read a file called `name`.
inline PriceTable prices_for(const Methodology& methodology, const std::string& csv,
                             const std::string& name = "prices.csv", bool skip_bad_rows = false) {
  PriceTable table;
  read_prices(name, csv, make_price_filter(methodology, skip_bad_rows), table);
  return table;
}

/// The message of the MethodologyError that parsing `yaml` throws; "no error" when it parses (which the
/// caller's CHECK on the message then reports).
inline std::string methodology_error_of(const std::string& yaml) {
  try {
    (void)methodology_from(yaml);
  } catch (const MethodologyError& error) {
    return error.what();
  }
  return "no error";
}

/// The header of the plain long price CSV the small tests write their rows under.
inline const std::string kLongHeader = "date,market,admin1,admin2,commodity,unit,pricetype,currency,price\n";

/// Runs a methodology (inline YAML) over long-CSV rows written under kLongHeader.
inline ComputeResult compute_from(const std::string& yaml, const std::string& csv_rows) {
  const Methodology methodology = methodology_from(yaml);
  const PriceTable prices = prices_for(methodology, kLongHeader + csv_rows);
  return compute(methodology, prices, nullptr);
}

inline double smeb(const ComputeResult& result, std::size_t row) { return result.smeb[static_cast<Eigen::Index>(row)]; }
inline double meb_of(const ComputeResult& result, std::size_t row) { return result.meb[static_cast<Eigen::Index>(row)]; }

/// Row index of an area (by level and name) and month in a result; throws when absent.
inline std::size_t row_of(const ComputeResult& result, AreaLevel level, const std::string& area, const std::string& month) {
  for (std::size_t r = 0; r < result.rows.size(); ++r) {
    const Area& candidate = result.areas.areas[static_cast<std::size_t>(result.rows[r].area)];
    if (candidate.level == level && candidate.name == area && result.panel.month_at(result.rows[r].month).to_string() == month)
      return r;
  }
  throw std::runtime_error("no row for " + area + " " + month);
}

/// Index of a basket line by item name.
inline std::size_t line_of(const ComputeResult& result, const std::string& item) {
  for (std::size_t l = 0; l < result.lines.size(); ++l)
    if (result.lines[l].item == item) return l;
  throw std::runtime_error("no line " + item);
}

}  // namespace meb::testing
