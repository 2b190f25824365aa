#include "meb/batch_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "meb/outputs.hpp"

namespace meb {

ComputeResult month_slice(const ComputeResult& result, Month month) {
  ComputeResult out;
  out.areas = result.areas;
  out.panel = result.panel;
  out.lines = result.lines;
  out.has_smeb = result.has_smeb;
  out.first = month;
  out.last = month;
  std::vector<std::size_t> kept;
  for (std::size_t r = 0; r < result.rows.size(); ++r)
    if (result.panel.month_at(result.rows[r].month) == month) kept.push_back(r);
  const auto n = static_cast<Eigen::Index>(kept.size());
  out.smeb.resize(n);
  out.meb.resize(n);
  const std::size_t lines = result.lines.size();
  for (std::size_t k = 0; k < kept.size(); ++k) {
    const std::size_t r = kept[k];
    out.rows.push_back(result.rows[r]);
    out.smeb[static_cast<Eigen::Index>(k)] = result.smeb[static_cast<Eigen::Index>(r)];
    out.meb[static_cast<Eigen::Index>(k)] = result.meb[static_cast<Eigen::Index>(r)];
    out.transfer.push_back(result.transfer[r]);
    if (r < result.notes.size()) out.notes.push_back(result.notes[r]);
    for (std::size_t l = 0; l < lines; ++l) {
      const LinePrice& price = result.line_price(r, l);
      out.line_prices.push_back(price);
      if (price.source == LineSource::market) ++out.count_by_status[static_cast<std::size_t>(price.status)];
    }
  }
  return out;
}

namespace {

/// "Millet" for an item, "water" for a component's stated cost.
std::string line_label(const std::string& component, const std::string& item) { return item.empty() ? component : item; }

struct Contribution {
  std::string label;
  double effect = 0.0;
  bool filled = false;
};

/// The `n` lines of a change with the largest effects, largest |effect| first (ties: basket order).
std::vector<Contribution> top_contributions(const StoredChange& change, std::size_t n) {
  std::vector<Contribution> all;
  for (const auto& line : change.lines)
    all.push_back({line_label(line.component, line.item), line.price_effect + line.quantity_effect, line.filled});
  std::stable_sort(all.begin(), all.end(),
                   [](const Contribution& a, const Contribution& b) { return std::fabs(a.effect) > std::fabs(b.effect); });
  std::vector<Contribution> out;
  for (const auto& entry : all)
    if (out.size() < n && entry.effect != 0.0) out.push_back(entry);
  return out;
}

const StoredChange* change_of(const RevisionRecord& record, const StoredResult& result) {
  for (const auto& change : record.changes)
    if (change.level == result.level && change.area == result.area) return &change;
  return nullptr;
}

const StoredAlert* alert_of(const RevisionRecord& record, const StoredResult& result) {
  for (const auto& alert : record.alerts)
    if (alert.level == result.level && alert.area == result.area) return &alert;
  return nullptr;
}

std::string signed_amount(double value) {
  if (std::isnan(value)) return "";
  if (std::fabs(value) < 0.5) return "0";
  char text[48];
  std::snprintf(text, sizeof text, "%+.0f", value);
  return text;
}

std::string amount(double value) {
  if (std::isnan(value)) return "—";
  char text[48];
  std::snprintf(text, sizeof text, "%.0f", value);
  // Thousands separated by a thin space would not survive every viewer; a comma reads in English and French
  // tables alike when the unit is stated.
  std::string digits = text, out;
  const bool negative = !digits.empty() && digits[0] == '-';
  if (negative) digits.erase(0, 1);
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return (negative ? "-" : "") + out;
}

std::string percent(double share) {
  if (std::isnan(share)) return "—";
  char text[32];
  std::snprintf(text, sizeof text, "%+.1f%%", share * 100.0);
  return text;
}

std::string markdown_cell(std::string text) {
  std::string out;
  for (char c : text) out += (c == '|') ? std::string("\\|") : (c == '\n' ? std::string(" ") : std::string(1, c));
  return out;
}

}  // namespace

std::string changes_csv(const RevisionRecord& record) {
  std::string out =
      "methodology,area_level,area,reference_month,month,before,after,change,price_observed,price_filled,quantity,"
      "rule,rounding,top1,top1_effect,top2,top2_effect,top3,top3_effect\n";
  for (const auto& change : record.changes) {
    detail::CsvRow row(out);
    row.text(record.methodology_id).text(change.level).text(change.area).text(change.reference_month);
    row.text(record.month.to_string()).number(change.before).number(change.after).number(change.after - change.before);
    row.number(change.price_observed).number(change.price_filled).number(change.quantity).number(change.rule);
    row.number(change.rounding);
    const auto top = top_contributions(change, 3);
    for (std::size_t k = 0; k < 3; ++k) {
      if (k < top.size()) row.text(top[k].label).number(top[k].effect);
      else row.text("").text("");
    }
  }
  return out;
}

std::string change_lines_csv(const RevisionRecord& record) {
  std::string out = "methodology,area_level,area,reference_month,month,component,item,price_effect,quantity_effect,filled\n";
  for (const auto& change : record.changes)
    for (const auto& line : change.lines) {
      detail::CsvRow row(out);
      row.text(record.methodology_id).text(change.level).text(change.area).text(change.reference_month);
      row.text(record.month.to_string()).text(line.component).text(line.item).number(line.price_effect);
      row.number(line.quantity_effect).text(line.filled ? "true" : "false");
    }
  return out;
}

std::string alerts_csv(const RevisionRecord& record) {
  std::string out =
      "methodology,area_level,area,month,decision,computed,in_force,gap,run_length,observed_share,reason\n";
  for (const auto& alert : record.alerts) {
    detail::CsvRow row(out);
    row.text(record.methodology_id).text(alert.level).text(alert.area).text(record.month.to_string());
    row.text(alert.decision).number(alert.computed).number(alert.in_force).number(alert.gap);
    row.count(static_cast<std::size_t>(alert.run_length)).number(alert.observed_share).text(alert.reason);
  }
  return out;
}

std::string bands_csv(const RevisionRecord& record) {
  std::string out = "methodology,month,variant,bands,band,area,weight,own_value,band_value,paid,gap,relative_gap\n";
  for (const auto& band : record.bands) {
    detail::CsvRow row(out);
    row.text(record.methodology_id).text(record.month.to_string()).text(band.variant);
    row.count(static_cast<std::size_t>(band.bands)).count(static_cast<std::size_t>(band.band)).text(band.area);
    row.number(band.weight).number(band.own_value).number(band.band_value).number(band.paid).number(band.gap);
    row.number(band.relative_gap);
  }
  return out;
}

std::string batch_report_markdown(Month month, const std::vector<ReportEntry>& entries,
                                  const std::vector<std::string>& notes) {
  std::string out = "# Transfer values, " + month.to_string() + "\n\n";
  out += "Every methodology of the batch file, computed on this month's prices and recorded in the history store. "
         "Changes are explained from the reference month with the symmetric (Shapley) split: price effect of observed "
         "prices, of filled prices, quantity or method, transfer rule, rounding (docs/history.md).\n\n";
  for (const auto& entry : entries) {
    const RevisionRecord& record = *entry.record;
    out += "## " + record.methodology_id + " (version " + record.methodology_version + ")\n\n";
    if (!entry.methodology_name.empty()) out += entry.methodology_name + ". ";
    out += "File `" + record.methodology_path + "`, SHA-256 `" + record.methodology_sha256.substr(0, 12) + "…`. ";
    out += "History: revision " + std::to_string(entry.outcome.revision) + ", " +
           std::string(to_string(entry.outcome.status)) + ".\n\n";
    if (entry.outcome.status == RecordOutcome::Status::revised) {
      out += "Changed since the previous revision:\n\n";
      for (const auto& line : entry.outcome.changed_numbers) out += "- " + line + "\n";
      out += "\n";
    }
    std::string variant_k;
    for (const auto& band : record.bands)
      if (band.variant == "squared_gap") variant_k = std::to_string(band.bands);
    out += "| Area | Level | Transfer value (" + entry.currency + ") | Change | Top contributions | Observed | Alert | Band (" +
           (variant_k.empty() ? std::string("-") : variant_k) + ") paid |\n";
    out += "|---|---|---:|---:|---|---:|---|---:|\n";
    for (const auto& result : record.results) {
      const StoredChange* change = change_of(record, result);
      const StoredAlert* alert = alert_of(record, result);
      std::string contributions;
      if (change) {
        for (const auto& top : top_contributions(*change, 3))
          contributions += (contributions.empty() ? "" : ", ") + top.label + " " + signed_amount(top.effect) +
                           (top.filled ? " (filled)" : "");
        if (change->rounding != 0.0)
          contributions += (contributions.empty() ? "" : "; ") + std::string("rounding ") + signed_amount(change->rounding);
      }
      std::string band_paid;
      for (const auto& band : record.bands)
        if (band.variant == "squared_gap" && band.area == result.area)
          band_paid = "band " + std::to_string(band.band) + ": " + amount(band.paid);
      char observed[16];
      std::snprintf(observed, sizeof observed, "%.0f%%", result.observed_share * 100.0);
      out += "| " + markdown_cell(result.area) + " | " + result.level + " | " + amount(result.value) + " | " +
             (change ? signed_amount(change->after - change->before) + " since " + change->reference_month : "—") + " | " +
             markdown_cell(contributions.empty() ? "—" : contributions) + " | " + observed + " | " +
             (alert ? "**" + alert->decision + "**: " + markdown_cell(alert->reason) : "—") + " | " +
             (band_paid.empty() ? "—" : band_paid) + " |\n";
    }
    out += "\n";
    // The proposals, one line each.
    std::map<std::string, std::vector<const StoredBand*>> by_variant;
    for (const auto& band : record.bands) by_variant[band.variant].push_back(&band);
    if (!by_variant.empty()) {
      out += "Harmonised values:\n\n";
      for (const char* variant : {"national_mean", "national_median", "squared_gap", "largest_gap", "within_tolerance"}) {
        // (per_area, each area its own rounded value, is the table above; bands.csv has it too.)
        const auto it = by_variant.find(variant);
        if (it == by_variant.end()) continue;
        std::map<std::int64_t, std::vector<const StoredBand*>> bands;
        double largest = 0.0;
        for (const StoredBand* band : it->second) {
          bands[band->band].push_back(band);
          largest = std::max(largest, std::fabs(band->relative_gap));
        }
        out += "- `" + std::string(variant) + "` (" + std::to_string(bands.size()) + (bands.size() == 1 ? " value" : " values") +
               ", largest gap " + percent(largest).substr(1) + "): ";
        bool first = true;
        for (const auto& [number, members] : bands) {
          out += std::string(first ? "" : "; ") + amount(members.front()->paid) + " for ";
          for (std::size_t i = 0; i < members.size(); ++i) out += (i ? ", " : "") + members[i]->area;
          first = false;
        }
        out += "\n";
      }
      out += "\n";
    }
  }
  if (!notes.empty()) {
    out += "## Notes\n\n";
    for (const auto& note : notes) out += "- " + note + "\n";
    out += "\n";
  }
  return out;
}

}  // namespace meb
