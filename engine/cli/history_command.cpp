// `meb history`: an area's series from the history store, the values in force, and setting them.
#include <cmath>
#include <iostream>

#include "common.hpp"
#include "meb/csv.hpp"
#include "meb/error.hpp"
#include "meb/history.hpp"
#include "meb/outputs.hpp"

namespace meb::cli {
namespace {

constexpr const char* kHistoryUsage =
    "usage: meb history --db FILE --methodology ID --area NAME [--from YYYY-MM] [--to YYYY-MM] [--format table|csv]\n"
    "       meb history set-in-force --db FILE --methodology ID --area NAME --month YYYY-MM\n"
    "                               (--value AMOUNT | --keep) [--note TEXT]\n"
    "       meb history in-force --db FILE --methodology ID\n"
    "       meb history runs --db FILE\n";

meb::HistoryStore open_existing(const po::variables_map& values) {
  meb::HistoryOptions options;
  options.create = false;
  return meb::HistoryStore(values["db"].as<std::string>(), options);
}

std::string cell(double value) { return std::isnan(value) ? "" : meb::format_number(value); }

int print_series(const po::variables_map& values) {
  require(values, {"db", "methodology", "area"}, "meb history");
  const std::string format = values["format"].as<std::string>();
  if (format != "table" && format != "csv") throw UsageError("--format expects table or csv, got '" + format + "'");
  std::optional<meb::Month> from, to;
  if (values.count("from")) from = month_option("from", values["from"].as<std::string>());
  if (values.count("to")) to = month_option("to", values["to"].as<std::string>());
  auto store = open_existing(values);
  const std::string methodology = values["methodology"].as<std::string>();
  const std::string area = meb::stored_area(store, methodology, values["area"].as<std::string>());
  const auto series = store.series(methodology, area, from, to);
  if (format == "csv") {
    std::cout << meb::series_csv(methodology, series);
    return kSuccess;
  }
  std::cout << methodology << ", " << area << " (" << series.size() << " months, latest revision of each)\n";
  std::printf("%-8s %4s %12s %12s %10s %9s %12s  %s\n", "month", "rev", "transfer", "change", "observed", "in force",
              "alert", "");
  double previous = std::nan("");
  for (std::size_t i = 0; i < series.size(); ++i) {
    const auto& point = series[i];
    const bool consecutive = i > 0 && series[i - 1].month.index + 1 == point.month.index;
    const double change = consecutive ? point.result.value - previous : std::nan("");
    std::printf("%-8s %4lld %12s %12s %9.0f%% %12s  %s\n", point.month.to_string().c_str(),
                static_cast<long long>(point.revision), cell(point.result.value).c_str(),
                std::isnan(change) ? "" : ((change > 0 ? "+" : "") + cell(change)).c_str(),
                point.result.observed_share * 100.0, cell(point.in_force).c_str(), point.decision.c_str());
    previous = point.result.value;
  }
  std::fflush(stdout);
  return kSuccess;
}

int set_in_force(const std::vector<std::string>& arguments) {
  po::options_description options("meb history set-in-force options");
  options.add_options()("help,h", "print this help")("db", po::value<std::string>(), "the history store")(
      "methodology", po::value<std::string>(), "methodology id")("area", po::value<std::string>(), "area name")(
      "month", po::value<std::string>(), "first month the value is in force, YYYY-MM")(
      "value", po::value<std::string>(), "the transfer value in force")(
      "keep", po::bool_switch(), "record a decision to keep the value in force unchanged")(
      "note", po::value<std::string>()->default_value(""), "why (a CWG decision, a date, a reference)");
  const auto values = parse(options, arguments);
  if (values.count("help")) {
    std::cout << kHistoryUsage << "\n" << options;
    return kSuccess;
  }
  require(values, {"db", "methodology", "area", "month"}, "meb history set-in-force");
  const bool keep = values["keep"].as<bool>();
  if (keep == (values.count("value") > 0)) throw UsageError("meb history set-in-force needs either --value AMOUNT or --keep");
  const meb::Month month = month_option("month", values["month"].as<std::string>());
  std::optional<double> value;
  if (!keep) {
    // The amount as typed goes into the message: checked here, on the text.
    const std::string text = values["value"].as<std::string>();
    double amount = 0.0;
    if (!meb::detail::parse_double(text, amount) || amount <= 0.0)
      throw UsageError("--value expects a positive amount, got '" + text + "'");
    value = amount;
  }
  auto store = open_existing(values);
  meb::InForceEntry entry;
  try {
    entry = meb::record_in_force(store, values["methodology"].as<std::string>(), values["area"].as<std::string>(), month,
                                 value, values["note"].as<std::string>());
  } catch (const std::invalid_argument& error) {
    throw UsageError(error.what());  // nothing in force to keep: a command line that cannot be run (exit code 2)
  }
  std::cout << entry.methodology_id << ", " << entry.area << ": " << (keep ? "kept " : "in force ")
            << meb::format_number(entry.value) << " from " << entry.effective.to_string()
            << (entry.note.empty() ? "" : " (" + entry.note + ")") << "\n";
  return kSuccess;
}

int list_in_force(const po::variables_map& values) {
  require(values, {"db", "methodology"}, "meb history in-force");
  auto store = open_existing(values);
  std::cout << meb::in_force_csv(store.in_force_entries(values["methodology"].as<std::string>()));
  return kSuccess;
}

/// Every run: when, which engine, which command, which inputs (with their SHA-256) and what it recorded.
int list_runs(const po::variables_map& values) {
  require(values, {"db"}, "meb history runs");
  auto store = open_existing(values);
  for (const auto& run : store.runs()) {
    std::cout << "run " << run.run_id << "  month " << run.info.month.to_string() << "  " << run.info.started_at
              << " .. " << run.finished_at << "  meb " << run.info.engine_version << "  " << run.status << "\n";
    std::cout << "  command: " << run.info.command_line << "\n";
    std::string recorded;
    for (const auto& [methodology, revision] : run.revisions)
      recorded += (recorded.empty() ? "" : ", ") + methodology + " r" + std::to_string(revision);
    std::cout << "  recorded: " << recorded << "\n";
    for (const auto& input : run.info.inputs)
      std::cout << "  " << input.role << ": " << input.path << " (" << input.bytes << " bytes, sha256 "
                << input.sha256.substr(0, 16) << "...)\n";
  }
  return kSuccess;
}

}  // namespace

int run_history(const std::vector<std::string>& arguments) {
  if (!arguments.empty() && arguments[0] == "set-in-force")
    return set_in_force(std::vector<std::string>(arguments.begin() + 1, arguments.end()));
  const bool list = !arguments.empty() && arguments[0] == "in-force";
  const bool runs = !arguments.empty() && arguments[0] == "runs";
  po::options_description options("meb history options");
  options.add_options()("help,h", "print this help")("db", po::value<std::string>(), "the history store (SQLite)")(
      "methodology", po::value<std::string>(), "methodology id")("area", po::value<std::string>(), "area name")(
      "from", po::value<std::string>(), "first month, YYYY-MM")("to", po::value<std::string>(), "last month, YYYY-MM")(
      "format", po::value<std::string>()->default_value("table"), "table or csv");
  const auto values =
      parse(options, list || runs ? std::vector<std::string>(arguments.begin() + 1, arguments.end()) : arguments);
  if (values.count("help")) {
    std::cout << kHistoryUsage << "\n" << options;
    return kSuccess;
  }
  if (runs) return list_runs(values);
  return list ? list_in_force(values) : print_series(values);
}

}  // namespace meb::cli
