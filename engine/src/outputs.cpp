#include "meb/outputs.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

#include <unistd.h>

#include "meb/csv.hpp"
#include "meb/error.hpp"
#include "meb/json.hpp"
#include "meb/sha256.hpp"
#include "meb/version.hpp"

namespace meb {

std::string format_number(double value) {
  std::string out;
  append_number(out, value);
  return out;
}

void append_number(std::string& out, double value) {
  if (std::isnan(value)) return;
  // std::to_chars gives the exact decimal expansion rounded to 6 places, as printf's "%.6f" does, without the
  // locale and format parsing that made printf a fifth of `meb compute` on large files (docs/performance.md).
  char text[400];  // 309 digits before the point at most, the point, 6 decimals, a sign
  const char* end = std::to_chars(text, text + sizeof text, value, std::chars_format::fixed, 6).ptr;
  // Always a point (6 decimals): drop the trailing zeros, then a bare point.
  while (end[-1] == '0') --end;
  if (end[-1] == '.') --end;
  if (end - text == 2 && text[0] == '-' && text[1] == '0') {  // -0.0000001 rounds to "-0"
    out.push_back('0');
    return;
  }
  out.append(text, static_cast<std::size_t>(end - text));
}

void append_csv_field(std::string& out, std::string_view text) {
  // One pass over the bytes (string_view::find_first_of calls memchr on the set for every byte: a tenth of
  // `meb compute` on large files went there).
  bool needs_quotes = false;
  for (const char c : text) needs_quotes |= (c == ',') | (c == '"') | (c == '\n') | (c == '\r');
  if (!needs_quotes) {
    out.append(text);
    return;
  }
  out.push_back('"');
  for (const char c : text) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

std::string csv_field(std::string_view text) {
  std::string out;
  append_csv_field(out, text);
  return out;
}

namespace {


/// "mean of Gas (public) + Gas (private)": the alternatives a composite price was computed from.
std::string composite_sources(const CostLine& line, const PricePanel& panel, std::size_t area, std::size_t month) {
  std::string text = std::string(to_string(line.composite_statistic)) + " of ";
  bool first = true;
  for (const int series : line.alternatives) {
    if (panel.status[panel.cell(static_cast<std::size_t>(series), area, month)] == PriceStatus::missing) continue;
    text += (first ? "" : " + ") + panel.series[static_cast<std::size_t>(series)].name;
    first = false;
  }
  return text;
}

void write_totals(detail::JsonWriter& json, const NutrientTotals& totals) {
  json.key("grams_per_person_day").value(totals.grams);
  json.key("kcal_per_person_day").value(totals.kcal);
  json.key("protein_g_per_person_day").value(totals.protein_g);
  json.key("protein_percent_of_energy").value(totals.protein_percent());
  json.key("fat_g_per_person_day").value(totals.fat_g);
  json.key("fat_percent_of_energy").value(totals.fat_percent());
}

void write_optional(detail::JsonWriter& json, const char* key, const std::optional<double>& value) {
  json.key(key);
  if (value) json.value(*value);
  else json.null();
}

/// "nutrition": the figures `meb validate` prints, per food component, per line and for the basket.
void write_nutrition(detail::JsonWriter& json, const std::optional<NutritionReport>& report) {
  json.key("nutrition").begin_object();
  json.key("checked").value(report.has_value());
  if (!report) {
    json.key("reason").value("no food composition table (use --food-composition or nutrition.food_composition)");
    json.end_object();
    return;
  }
  json.key("food_composition").value(report->food_composition);
  json.key("targets").begin_object();
  write_optional(json, "min_kcal", report->targets.min_kcal);
  write_optional(json, "protein_percent_min", report->targets.protein_percent_min);
  write_optional(json, "protein_percent_max", report->targets.protein_percent_max);
  write_optional(json, "fat_percent_min", report->targets.fat_percent_min);
  write_optional(json, "fat_percent_max", report->targets.fat_percent_max);
  json.end_object();
  json.key("components").begin_array();
  for (const auto& component : report->components) {
    json.begin_object().key("component").value(component.component);
    write_totals(json, component.per_person_day);
    json.key("lines_assessed").value(component.lines_assessed);
    json.key("lines_not_found").value(component.lines_not_found);
    json.key("lines_not_assessed").value(component.lines_not_assessed);
    json.key("lines").begin_array();
    for (const auto& line : report->lines) {
      if (line.component != component.component) continue;
      json.begin_object().key("item").value(line.item).key("methodology_line").value(line.line);
      json.key("status").value(to_string(line.status)).key("matched").value(line.matched);
      json.key("reason").value(line.reason);
      write_totals(json, line.per_person_day);
      json.end_object();
    }
    json.end_array().end_object();
  }
  json.end_array();
  json.key("not_checked_components").begin_array();
  for (const auto& name : report->other_components) json.value(name);
  json.end_array();
  json.key("total").begin_object();
  write_totals(json, report->total);
  json.end_object();
  json.key("warnings").begin_array();
  for (const auto& warning : report->warnings) json.value(warning);
  json.end_array();
  json.end_object();
}

}  // namespace

std::string transfer_values_csv(const Methodology& methodology, const ComputeResult& result,
                                const BootstrapResult* bootstrap) {
  std::string out =
      "methodology,methodology_version,area_level,area,area_pcode,parent_area,month,household_size,persons,currency,"
      "smeb,meb,transfer_value_unrounded,rounding_difference,transfer_value,lines_observed,lines_filled,"
      "lines_missing,notes";
  if (bootstrap) {
    for (const char* measure : {"smeb", "meb", "transfer_value"})
      for (const double percentile : bootstrap->settings.percentiles)
        out += std::string(",") + measure + "_" + percentile_label(percentile);
    out += ",bootstrap_replicates";
  }
  out += '\n';
  const double size = methodology.household.reported_size();
  const double persons = methodology.household.persons();
  for (std::size_t r = 0; r < result.rows.size(); ++r) {
    const AreaMonth& row = result.rows[r];
    const Area& area = result.areas.areas[static_cast<std::size_t>(row.area)];
    std::size_t observed = 0, filled = 0, missing = 0;
    for (std::size_t l = 0; l < result.lines.size(); ++l) {
      const LinePrice& price = result.line_price(r, l);
      if (price.source != LineSource::market) continue;
      if (price.status == PriceStatus::observed) ++observed;
      else if (price.status == PriceStatus::missing) ++missing;
      else ++filled;
    }
    const TransferValue& transfer = result.transfer[r];
    detail::CsvRow csv(out);  // ends the line when it goes out of scope
    csv.text(methodology.id)
        .text(methodology.version)
        .text(to_string(area.level))
        .text(area.name)
        .text(area.pcode)
        .text(result.areas.parent_name(static_cast<std::size_t>(row.area)))
        .text(result.panel.month_at(row.month).to_string())
        .number(size)
        .number(persons)
        .text(methodology.currency)
        .number(result.smeb[static_cast<Eigen::Index>(r)])
        .number(result.meb[static_cast<Eigen::Index>(r)])
        .number(transfer.unrounded)
        .number(transfer.rounding_difference)
        .number(transfer.value)
        .count(observed)
        .count(filled)
        .count(missing)
        .text(r < result.notes.size() ? result.notes[r] : std::string());
    if (bootstrap) {
      const std::size_t percentiles = bootstrap->settings.percentiles.size();
      for (std::size_t k = 0; k < percentiles; ++k) csv.number(bootstrap->smeb_at(r, k));
      for (std::size_t k = 0; k < percentiles; ++k) csv.number(bootstrap->meb_at(r, k));
      for (std::size_t k = 0; k < percentiles; ++k) csv.number(bootstrap->transfer_at(r, k));
      csv.count(bootstrap->settings.replicates);
    }
  }
  return out;
}

namespace {

/// The fields of basket_costs.csv that repeat (names of areas, months, lines and series), written once as
/// CSV (quoted where needed) with their separators, so that a row is mostly copies of ready text.
struct BasketCostsText {
  std::string methodology;                // "id,"
  std::vector<std::string> area_prefix;   // per area: "level,area,parent,"
  std::vector<std::string> area;          // per area, as a source_area field
  std::vector<std::string> month;         // per month index: "YYYY-MM"
  std::vector<std::string> line;          // per line: ",component,tier,item,"
  std::vector<std::string> item;          // per line: the item as a priced_as field
  std::vector<std::string> quantity_unit; // per line: ",quantity,unit,"
  std::vector<std::string> series;        // per series: its name as a priced_as field
  std::string stated, survey, food_share; // the priced_as of lines without a market price

  BasketCostsText(const Methodology& methodology_, const ComputeResult& result) {
    methodology = csv_field(methodology_.id) + ",";
    for (std::size_t a = 0; a < result.areas.areas.size(); ++a) {
      const Area& each = result.areas.areas[a];
      area.push_back(csv_field(each.name));
      area_prefix.push_back(std::string(to_string(each.level)) + "," + area.back() + "," +
                            csv_field(result.areas.parent_name(a)) + ",");
    }
    for (std::size_t m = 0; m < result.panel.months; ++m) month.push_back(result.panel.month_at(m).to_string());
    for (const CostLine& cost_line : result.lines) {
      line.push_back("," + csv_field(cost_line.component) + "," + std::string(to_string(cost_line.tier)) + "," +
                     csv_field(cost_line.item) + ",");
      item.push_back(csv_field(cost_line.item));
      quantity_unit.push_back("," + format_number(cost_line.monthly_quantity) + "," + csv_field(cost_line.unit) + ",");
    }
    for (const auto& each : result.panel.series) series.push_back(csv_field(each.name));
    stated = csv_field("stated cost");
    survey = csv_field("survey reference group: " + std::string(to_string(methodology_.reference_group.statistic)) +
                       " spending per " +
                       (methodology_.reference_group.per_adult_equivalent ? "adult equivalent" : "person") +
                       (methodology_.reference_group.pooled ? " x area price index" : ""));
    food_share = csv_field("food x (1 / food share - 1)");
  }
};

/// Hot path: the rows [begin, end) of basket_costs.csv (one line per area-month and basket line: 52 MB for a large
/// country), appended to `out` from the ready text of `text` (the columns of basket_costs_csv's header).
void append_basket_rows(std::string& out, const ComputeResult& result, const BasketCostsText& text, std::size_t begin,
                        std::size_t end) {
  std::string composite;
  for (std::size_t r = begin; r < end; ++r) {
    const AreaMonth& row = result.rows[r];
    const std::string& area_prefix = text.area_prefix[static_cast<std::size_t>(row.area)];
    const std::string& month = text.month[row.month];
    for (std::size_t l = 0; l < result.lines.size(); ++l) {
      const CostLine& line = result.lines[l];
      const LinePrice& price = result.line_price(r, l);
      const bool missing = price.status == PriceStatus::missing;
      out += text.methodology;
      out += area_prefix;
      out += month;
      out += text.line[l];
      if (line.kind == CostLine::Kind::stated) out += text.stated;
      else if (line.kind == CostLine::Kind::survey) out += text.survey;
      else if (line.kind == CostLine::Kind::food_share) out += text.food_share;
      else if (price.priced_as >= 0) out += text.series[static_cast<std::size_t>(price.priced_as)];
      else if (line.kind == CostLine::Kind::composite && !missing) {
        composite = composite_sources(line, result.panel, static_cast<std::size_t>(row.area), row.month);
        append_csv_field(out, composite);
      } else if (!missing) out += text.item[l];
      out += text.quantity_unit[l];
      append_number(out, price.price);
      out += ',';
      out += price.source == LineSource::market ? to_string(price.status) : to_string(price.source);
      out += ',';
      if (!(missing || price.source == LineSource::stated || price.source == LineSource::food_share)) {
        char digits[24];
        out.append(digits, std::to_chars(digits, digits + sizeof digits, static_cast<std::size_t>(price.observations)).ptr);
      }
      out += ',';
      if (price.source_area >= 0) out += text.area[static_cast<std::size_t>(price.source_area)];
      out += ',';
      if (price.source_month >= 0) out += text.month[static_cast<std::size_t>(price.source_month)];
      out += ',';
      append_number(out, result.line_cost(r, l));
      out += '\n';
    }
  }
}

}  // namespace

namespace {

/// Passes blocks 0 .. count-1 to `emit`, in order, formatted on two cores: this thread formats the even blocks,
/// a worker the odd ones, each into a string of its own. The worker starts block b only once block b - 1 is
/// under way here, so at most two blocks are held at once (the whole text is never in memory when `emit`
/// writes to a file), and this thread emits (writes) a block while the worker formats the next.
/// `format(text, block)` appends block `block` to `text`.
template <typename Format>
void emit_blocks_on_two_cores(std::size_t count, const Format& format, const OutputSink& emit) {
  std::mutex mutex;
  std::condition_variable changed;
  std::size_t started_here = 0;  // blocks this thread has begun: 0 .. started_here - 1
  std::size_t ready_up_to = 0;   // odd blocks below this are formatted (or the worker failed)
  bool stopped = false;
  std::string odd_block, even_block;
  std::exception_ptr worker_error;
  std::thread worker([&] {
    for (std::size_t block = 1; block < count; block += 2) {
      {
        std::unique_lock<std::mutex> lock(mutex);
        changed.wait(lock, [&] { return stopped || (started_here >= block && odd_block.empty()); });
        if (stopped) return;
      }
      std::string text;
      try {
        format(text, block);
      } catch (...) {
        const std::lock_guard<std::mutex> lock(mutex);
        worker_error = std::current_exception();
        ready_up_to = count;
        changed.notify_all();
        return;
      }
      const std::lock_guard<std::mutex> lock(mutex);
      odd_block = std::move(text);
      ready_up_to = block + 1;
      changed.notify_all();
    }
  });
  const auto stop = [&] {
    {
      const std::lock_guard<std::mutex> lock(mutex);
      stopped = true;
    }
    changed.notify_all();
    worker.join();
  };
  try {
    for (std::size_t block = 0; block < count; ++block) {
      {
        const std::lock_guard<std::mutex> lock(mutex);
        started_here = block + 1;
      }
      changed.notify_all();
      if (block % 2 == 0) {
        even_block.clear();
        format(even_block, block);
        emit(even_block);
        continue;
      }
      std::string text;
      {
        std::unique_lock<std::mutex> lock(mutex);
        changed.wait(lock, [&] { return ready_up_to > block; });
        if (worker_error) std::rethrow_exception(worker_error);
        text = std::move(odd_block);
        odd_block.clear();  // the worker may start the next odd block
      }
      changed.notify_all();
      emit(text);
    }
  } catch (...) {
    stop();
    throw;
  }
  stop();
}

}  // namespace

namespace {
/// Large files (over 200,000 lines) are formatted in 16 blocks of rows on two cores.
std::size_t basket_costs_blocks(const ComputeResult& result) {
  const bool large = result.rows.size() * result.lines.size() >= 200000 && std::thread::hardware_concurrency() >= 2;
  return large ? 16 : 1;
}
}  // namespace

std::string basket_costs_csv(const Methodology& methodology, const ComputeResult& result) {
  return detail::basket_costs_csv(methodology, result, basket_costs_blocks(result));
}

void write_basket_costs_csv(const Methodology& methodology, const ComputeResult& result, const OutputSink& sink) {
  detail::write_basket_costs_csv(methodology, result, basket_costs_blocks(result), sink);
}

std::string detail::basket_costs_csv(const Methodology& methodology, const ComputeResult& result, std::size_t blocks) {
  std::string out;
  // Reserved once, generously: untouched pages cost no memory, while growing by doubling would hold the old and
  // the new copy of a 50 MB text at once.
  out.reserve(200 + result.rows.size() * result.lines.size() * 160);
  write_basket_costs_csv(methodology, result, blocks, [&](std::string_view piece) { out += piece; });
  return out;
}

void detail::write_basket_costs_csv(const Methodology& methodology, const ComputeResult& result, std::size_t blocks,
                                    const OutputSink& sink) {
  sink("methodology,area_level,area,parent_area,month,component,tier,item,priced_as,quantity,unit,price,price_status,"
       "observations,source_area,source_month,cost\n");
  const BasketCostsText text(methodology, result);
  const std::size_t rows = result.rows.size();
  blocks = std::max<std::size_t>(blocks, 1);
  const auto format_block = [&](std::string& out, std::size_t block) {
    append_basket_rows(out, result, text, rows * block / blocks, rows * (block + 1) / blocks);
  };
  if (blocks == 1) {
    std::string out;
    format_block(out, 0);
    sink(out);
  } else {
    emit_blocks_on_two_cores(blocks, format_block, sink);
  }
}

InputRecord record_input(const std::string& role, const std::string& path, const std::string& content) {
  return InputRecord{role, path, content.size(), sha256_hex(content)};
}

std::optional<NutritionReport> nutrition_check(const Methodology& methodology, const std::string& food_composition,
                                               RunRecord* run) {
  const std::string path = food_composition.empty() ? methodology.food_composition : food_composition;
  if (path.empty()) return std::nullopt;
  // Read once: the bytes parsed are the bytes hashed.
  const std::string content = read_file(path);
  const FoodComposition table = parse_food_composition(path, content);
  if (run) run->inputs.push_back(record_input("food_composition", path, content));
  return check_nutrition(methodology, table, methodology.nutrition);
}

std::string manifest_json(const Methodology& methodology, const PriceTable& prices, const ComputeResult& result,
                          const RunRecord& run) {
  detail::JsonWriter json;
  json.begin_object();
  json.key("engine").begin_object().key("name").value("meb").key("version").value(kVersion).end_object();
  json.key("command_line").begin_array();
  for (const auto& argument : run.command_line) json.value(argument);
  json.end_array();
  json.key("methodology").begin_object();
  json.key("id").value(methodology.id).key("name").value(methodology.name).key("version").value(methodology.version);
  json.key("file").value(methodology.source_path).key("currency").value(methodology.currency);
  json.end_object();
  json.key("inputs").begin_array();
  for (const InputRecord& input : run.inputs) {
    json.begin_object().key("role").value(input.role).key("path").value(input.path);
    json.key("bytes").value(input.bytes).key("sha256").value(input.sha256);
    for (const auto& source : prices.sources) {
      if (source.path != input.path || input.role != "prices") continue;
      json.key("layout").value(to_string(source.layout)).key("hxl_row").value(source.hxl_row);
      json.key("rows_read").value(source.rows_read).key("rows_used").value(source.rows_used);
      json.key("rows_filtered").begin_object();
      json.key("other_pricetype").value(source.filtered_pricetype);
      json.key("priceflag_not_requested").value(source.filtered_priceflag);
      json.key("national_average").value(source.filtered_national_average);
      json.key("commodity_not_in_basket").value(source.filtered_commodity);
      json.key("empty_price_cell").value(source.filtered_empty_cells);
      json.end_object();
      json.key("rows_skipped_bad").value(source.skipped_bad_rows);
      json.key("rows_bad_unused_commodity").value(source.bad_unused_rows);
    }
    json.end_object();
  }
  json.end_array();
  json.key("household").begin_object();
  json.key("model").value(to_string(methodology.household.model));
  json.key("size").value(methodology.household.reported_size());
  json.key("persons").value(methodology.household.persons());
  json.key("description").value(methodology.household.describe());
  json.end_object();
  json.key("transfer_rule").value(methodology.transfer.describe());
  json.key("months").begin_object().key("from").value(result.first.to_string()).key("to").value(result.last.to_string()).end_object();
  json.key("areas").begin_object();
  json.key("path").begin_array();
  for (const auto level : methodology.prices.levels) json.value(to_string(level));
  json.end_array();
  json.key("reported").begin_array();
  for (const auto level : methodology.reported_levels()) json.value(to_string(level));
  json.end_array();
  json.key("markets").value(prices.markets.size());
  for (std::size_t step = 0; step < result.areas.by_level.size(); ++step)
    json.key(to_string(methodology.prices.levels[step + 1])).value(result.areas.by_level[step].size());
  json.end_object();
  json.key("series").begin_array();
  for (std::size_t s = 0; s < result.panel.series.size(); ++s) {
    const SeriesSpec& spec = result.panel.series[s];
    json.begin_object().key("item").value(spec.name).key("unit").value(spec.unit.text);
    json.key("matches").begin_array();
    for (const auto& name : spec.match_names) json.value(name);
    json.end_array();
    json.key("quotes").value(result.panel.quotes_per_series[s]).end_object();
  }
  json.end_array();
  json.key("line_prices_by_status").begin_object();
  for (int status = 0; status < 4; ++status)
    json.key(to_string(static_cast<PriceStatus>(status))).value(result.count_by_status[status]);
  json.end_object();
  json.key("row_issues").begin_array();
  for (const RowIssue& issue : prices.issues) {
    json.begin_object().key("file").value(issue.file).key("line").value(issue.line);
    json.key("commodity").value(issue.commodity).key("reason").value(issue.reason).key("value").value(issue.value);
    json.end_object();
  }
  json.end_array();
  write_nutrition(json, run.nutrition);
  if (run.survey_households) {
    json.key("survey").begin_object();
    json.key("households").value(*run.survey_households);
    json.key("reference_group").value(methodology.reference_group.describe());
    json.key("dropped").begin_array();
    for (const auto& dropped : run.survey_dropped)
      json.begin_object().key("household").value(dropped.id).key("line").value(dropped.line).key("reason").value(dropped.reason).end_object();
    json.end_array();
    json.end_object();
  }
  if (run.bootstrap) {
    json.key("bootstrap").begin_object();
    json.key("replicates").value(run.bootstrap->replicates);
    json.key("seed").value(static_cast<std::size_t>(run.bootstrap->seed));
    json.key("percentiles").begin_array();
    for (const double percentile : run.bootstrap->percentiles) json.value(percentile);
    json.end_array();
    json.key("percentile_definition").value("Hyndman & Fan type 7 (linear interpolation between order statistics)");
    json.key("sampler").value(to_string(run.bootstrap->sampler));
    json.key("first_level_cells_exact").value(run.bootstrap_exact_cells);
    json.key("first_level_cells_explicit").value(run.bootstrap_explicit_cells);
    json.key("method").value(describe_bootstrap_method(*run.bootstrap));
    json.end_object();
  }
  json.key("outputs").begin_object();
  for (const auto& [name, rows] : run.outputs) json.key(name).begin_object().key("rows").value(rows).end_object();
  json.end_object();
  json.key("elapsed_seconds").value(run.elapsed_seconds);
  json.end_object();
  return json.str() + "\n";
}

void write_files_atomically(const std::string& directory, const std::vector<std::pair<std::string, std::string>>& files) {
  write_files_atomically(directory, files, {});
}

void write_files_atomically(const std::string& directory, const std::vector<std::pair<std::string, std::string>>& texts,
                            const std::vector<StreamedOutput>& streamed) {
  // Every file as a name and a function that writes its bytes: the texts first, then the streamed files.
  struct Output {
    std::string name;
    std::function<void(const OutputSink&)> produce;
  };
  std::vector<Output> files;
  for (const auto& [name, content] : texts)
    files.push_back({name, [&content = content](const OutputSink& sink) { sink(content); }});
  for (const auto& file : streamed) files.push_back({file.name, file.produce});
  namespace fs = std::filesystem;
  std::error_code error;
  fs::create_directories(directory, error);
  if (error) throw OutputError("cannot create the output directory '" + directory + "': " + error.message());
  for (const auto& file : files) {
    const fs::path target = fs::path(directory) / file.name;
    if (fs::is_directory(target, error))
      throw OutputError("cannot write '" + target.string() + "': it is a directory; the previous results are untouched");
  }
  const std::string suffix = ".tmp-" + std::to_string(::getpid());
  std::vector<fs::path> temporaries;
  auto discard = [&] {
    for (const auto& path : temporaries) fs::remove(path, error);
  };
  for (const auto& [name, produce] : files) {
    // A name may hold a sub-folder ("mali-normative/transfer_values.csv"): its temporary sits beside it.
    const fs::path target = fs::path(directory) / name;
    fs::create_directories(target.parent_path(), error);
    if (error) {
      discard();
      throw OutputError("cannot create the output directory '" + target.parent_path().string() + "': " + error.message());
    }
    const fs::path temporary = target.parent_path() / ("." + target.filename().string() + suffix);
    temporaries.push_back(temporary);
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    try {
      produce([&out](std::string_view piece) {
        if (out) out.write(piece.data(), static_cast<std::streamsize>(piece.size()));
      });
    } catch (...) {
      out.close();
      discard();
      throw;
    }
    out.close();
    if (!out) {
      discard();
      throw OutputError("cannot write '" + temporary.string() + "'; the previous results in '" + directory +
                        "' are untouched");
    }
  }
  // Move the previous results aside, put the new ones in place, and only then drop the previous ones:
  // a failure at any point puts every previous file back.
  std::vector<std::pair<fs::path, fs::path>> set_aside;  // (target, backup)
  std::size_t placed = 0;
  auto restore = [&] {
    for (std::size_t i = 0; i < placed; ++i) fs::remove(fs::path(directory) / files[i].name, error);
    for (const auto& [target, backup] : set_aside) fs::rename(backup, target, error);
    discard();
  };
  for (std::size_t i = 0; i < files.size(); ++i) {
    const fs::path target = fs::path(directory) / files[i].name;
    if (fs::exists(target, error)) {
      const fs::path backup = target.parent_path() / ("." + target.filename().string() + ".previous" + suffix);
      fs::rename(target, backup, error);
      if (error) {
        const std::string reason = error.message();
        restore();
        throw OutputError("cannot set aside the previous '" + target.string() + "': " + reason +
                          "; the previous results are untouched");
      }
      set_aside.emplace_back(target, backup);
    }
    fs::rename(temporaries[i], target, error);
    if (error) {
      const std::string reason = error.message();
      restore();
      throw OutputError("cannot move '" + temporaries[i].string() + "' into place: " + reason +
                        "; the previous results are untouched");
    }
    ++placed;
  }
  for (const auto& [target, backup] : set_aside) fs::remove_all(backup, error);
}

}  // namespace meb
