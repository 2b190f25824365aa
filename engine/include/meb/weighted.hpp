#pragma once
// Survey-weighted statistics: the mean, quantiles and quantile bands the expenditure-based MEB is built
// from (primer section 2: "the survey-weighted median (or mean) spending" of a reference group chosen
// from "a band of the per-capita expenditure distribution").
//
// Every function takes the values and their survey weights as two vectors of the same length. Weights
// must be finite and > 0 and values finite; anything else, an empty input, vectors of different sizes or
// a probability outside [0, 1] throws std::invalid_argument naming the offending index and value (these
// are programming errors: read_survey has already rejected bad survey rows with an InputError).
// No result depends on the order of the observations.
#include <Eigen/Core>

namespace meb {

/// Σ wᵢxᵢ / Σ wᵢ. The sums run over the observations sorted by (value, weight), so the result is the
/// same, bit for bit, whatever the order of the input rows.
[[nodiscard]] double weighted_mean(const Eigen::Ref<const Eigen::VectorXd>& values,
                                   const Eigen::Ref<const Eigen::VectorXd>& weights);

/// The weighted p-quantile, p in [0, 1]: the inverse of the weighted empirical distribution function
/// with averaging at discontinuities, i.e. Hyndman & Fan (1996) definition 2 ("Sample quantiles in
/// statistical packages", The American Statistician 50(4):361-365) with survey weights in place of
/// counts. Exactly:
///
///   sort the observations by value, x₁ ≤ x₂ ≤ … ≤ xₙ; W = Σ wᵢ; Cₖ = w₁ + … + wₖ (cumulative weight
///   through the k-th sorted value). Then
///   - p = 0: Q = x₁ (the minimum); p = 1: Q = xₙ (the maximum);
///   - if some Cₖ equals p·W (|Cₖ − p·W| ≤ 1e-12·W; the first such k), Q = (xₖ + xₖ₊₁) / 2;
///   - otherwise Q = xₖ for the smallest k with Cₖ > p·W.
///
/// With equal weights and p = 0.5 this is the ordinary median (the mean of the two middle values for an
/// even count). It is weight-consistent: an observation of weight 2 gives the same quantile as two
/// copies of weight 1, so a survey weight acts as a number of households. Tied values need no special
/// care: averaging two equal neighbours returns their common value. Q is positively homogeneous:
/// scaling every value by k > 0 scales Q by k.
[[nodiscard]] double weighted_quantile(const Eigen::Ref<const Eigen::VectorXd>& values,
                                       const Eigen::Ref<const Eigen::VectorXd>& weights, double p);

/// weighted_quantile(values, weights, 0.5).
[[nodiscard]] double weighted_median(const Eigen::Ref<const Eigen::VectorXd>& values,
                                     const Eigen::Ref<const Eigen::VectorXd>& weights);

/// One flag per observation.
using Mask = Eigen::Array<bool, Eigen::Dynamic, 1>;

/// The observations in the weighted quantile band [Q(p_from), Q(p_to)], bounds included, with Q the
/// weighted_quantile above; 0 ≤ p_from ≤ p_to ≤ 1.
///
/// This is how a reference group such as "the 3rd to 5th deciles of per-capita spending" is chosen:
/// band_mask(per_capita, weights, 0.2, 0.5). With ten households of equal weight, Q(0.2) = (x₂ + x₃)/2
/// and Q(0.5) = (x₅ + x₆)/2, so exactly the 3rd, 4th and 5th poorest households are selected. The band
/// is a set of values, not of ranks: households with equal values are all in or all out, and a household
/// whose weight straddles a band boundary is in when its value lies within [Q(p_from), Q(p_to)].
[[nodiscard]] Mask band_mask(const Eigen::Ref<const Eigen::VectorXd>& values,
                             const Eigen::Ref<const Eigen::VectorXd>& weights, double p_from, double p_to);

}  // namespace meb
