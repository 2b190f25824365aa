#pragma once
// The statistics prices are combined with: quotes into a market value, markets into an area value,
// alternatives into a composite price.
#include <string_view>
#include <optional>

namespace meb {

enum class Statistic { median, mean, min };
[[nodiscard]] std::string_view to_string(Statistic statistic);
[[nodiscard]] std::optional<Statistic> parse_statistic(std::string_view text);

/// The statistic of values[0..count). The usual median: with an even count, the mean of the two middle
/// values (REACH's "median of medians" uses the same). The mean is summed in ascending order, so every
/// statistic is independent of the order of the values. Reorders the values. count must be > 0.
[[nodiscard]] double combine(Statistic statistic, double* values, std::size_t count);

}  // namespace meb
