"""Harmonised values on NumPy arrays against a brute force over every partition of a small set of areas
(not only the contiguous runs the engine searches: Fisher's result is what is being checked)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import meb

# Six regions: unrounded transfer values (FCFA) and populations, in no particular order.
VALUES = np.array([33564.1, 41230.0, 29875.5, 37228.0, 30510.0, 45990.0])
WEIGHTS = np.array([1.9, 0.8, 2.6, 1.1, 3.0, 0.7])


def partitions(items):
    """Every set partition of a list (Bell(6) = 203 of six areas)."""
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for partition in partitions(rest):
        for i in range(len(partition)):
            yield partition[:i] + [[first] + partition[i]] + partition[i + 1:]
        yield [[first]] + partition


def squared_gap(groups):
    """Sum of w (v - b)^2 with each band paid its weighted mean."""
    total = 0.0
    for group in groups:
        v, w = VALUES[group], WEIGHTS[group]
        total += float(np.sum(w * (v - np.sum(w * v) / np.sum(w)) ** 2))
    return total


def largest_gap(groups):
    """The largest |v - b| / v with each band paid 2 min max / (min + max)."""
    worst = 0.0
    for group in groups:
        v = VALUES[group]
        paid = 2 * v.min() * v.max() / (v.min() + v.max())
        worst = max(worst, float(np.max(np.abs(v - paid) / v)))
    return worst


@pytest.mark.parametrize("objective, cost", [("squared_gap", squared_gap), ("largest_gap", largest_gap)])
@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_optimal_bands_equal_the_brute_force(objective, cost, k):
    candidates = [p for p in partitions(list(range(len(VALUES)))) if len(p) == k]
    best = min(cost(p) for p in candidates)
    partition = meb.optimal_bands(VALUES, WEIGHTS, k=k, objective=objective)
    assert len(partition) == k and partition.objective == objective
    assert partition.objective_value == pytest.approx(best, rel=1e-12, abs=1e-9)
    groups = [band.areas for band in partition.bands]
    assert cost(groups) == pytest.approx(best, rel=1e-12, abs=1e-9)
    assert sorted(itertools.chain(*groups)) == list(range(len(VALUES)))
    assert [partition.band_of_area[i] for i in groups[0]] == [0] * len(groups[0])


def test_rounded_bands_and_the_views():
    partition = meb.optimal_bands(VALUES, WEIGHTS, k=2, objective="squared_gap", round_step=5000)
    for band in partition.bands:
        assert band.paid == 5000 * round(band.value / 5000)
        assert band.weight == pytest.approx(WEIGHTS[band.areas].sum())
    paid = partition.paid
    np.testing.assert_allclose(partition.gap, paid - VALUES)
    np.testing.assert_allclose(partition.relative_gap, (paid - VALUES) / VALUES)
    for view in (partition.gap, partition.relative_gap, partition.band_of_area):
        assert not view.flags.writeable and view.base is partition


def test_fewest_bands_within_equals_the_brute_force():
    for tolerance in (0.02, 0.05, 0.10, 0.25):
        def feasible(group):
            v = VALUES[group]
            return (v * (1 - tolerance)).max() <= (v * (1 + tolerance)).min()
        fewest = min(len(p) for p in partitions(list(range(len(VALUES)))) if all(feasible(g) for g in p))
        partition = meb.fewest_bands_within(VALUES, WEIGHTS, tolerance=tolerance)
        assert len(partition) == fewest, tolerance
        assert np.all(np.abs(partition.paid - VALUES) <= tolerance * VALUES + 1e-9)


def test_fewest_bands_within_none_when_a_step_is_too_coarse():
    # 29,875.5 within ±2 % is [29,278, 30,473]: no multiple of 5,000 inside.
    assert meb.fewest_bands_within(VALUES, WEIGHTS, tolerance=0.02, round_step=5000) is None


def test_national_value_by_hand():
    values, weights = np.array([10.0, 20.0, 40.0]), np.array([1.0, 1.0, 2.0])
    # Weighted mean (10 + 20 + 80) / 4 = 27.5. Weighted median (Hyndman & Fan 2 with weights, meb/weighted.hpp):
    # the cumulative weight reaches exactly half of 4 at 20, so the median averages 20 and the next value 40: 30.
    assert meb.national_value(values, weights, "mean") == pytest.approx(27.5)
    assert meb.national_value(values, weights, "median") == pytest.approx(30.0)
    assert meb.national_value(values) == pytest.approx(70.0 / 3)  # equal weights
    proposals = meb.harmonise(VALUES, WEIGHTS, k=2, national="mean")
    assert proposals["national"] == pytest.approx(np.sum(WEIGHTS * VALUES) / np.sum(WEIGHTS))
    assert len(proposals["squared_gap"]) == len(proposals["largest_gap"]) == 2


def test_errors_name_the_value():
    with pytest.raises(ValueError, match="objective expects squared_gap or largest_gap, got 'median'"):
        meb.optimal_bands(VALUES, objective="median")
    with pytest.raises(ValueError, match="nan"):
        meb.optimal_bands(np.array([1.0, np.nan]), k=1)
    with pytest.raises(ValueError, match="round_mode expects nearest, up or down, got 'half'"):
        meb.optimal_bands(VALUES, round_step=500, round_mode="half")
