#include "meb/basket.hpp"

namespace meb {

std::string_view to_string(Per per) {
  switch (per) {
    case Per::person_day: return "person/day";
    case Per::person_month: return "person/month";
    case Per::household_month: return "household/month";
    case Per::household_year: return "household/year";
  }
  return "person/day";
}

std::string_view to_string(ComponentMethod method) {
  return method == ComponentMethod::normative ? "normative" : "expenditure";
}

bool Basket::has_smeb_lines() const {
  for (const auto& component : components)
    if (component.tier == Tier::smeb && (!component.items.empty() || component.method == ComponentMethod::expenditure))
      return true;
  return false;
}

double monthly_multiplier(Per per, double persons, double days_per_month) {
  switch (per) {
    case Per::person_day: return days_per_month * persons;
    case Per::person_month: return persons;
    case Per::household_month: return 1.0;
    case Per::household_year: return 1.0 / 12.0;  // one-off items spread over 12 months (primer, section 2)
  }
  return 1.0;
}

}  // namespace meb
