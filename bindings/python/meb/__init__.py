"""meb: the Minimum Expenditure Basket engine from Python.

The same library as the ``meb`` command (``meb::engine``), so the same numbers: SMEB, MEB and cash
transfer values per area and month from market prices and a methodology written in YAML.

>>> import meb
>>> prices = meb.load_prices("data/bfa/wfp_food_prices_bfa_hdx_2020-08.csv")
>>> normative = meb.Methodology.from_file("scenarios/sahel-normative.yaml")
>>> result = meb.compute(prices, normative, from_month="2019-01", to_month="2019-03")
>>> result.transfer_values          # the columns of transfer_values.csv, as a DataFrame

Tables come out as pandas DataFrames when pandas is importable, else as dicts of NumPy arrays. Engine
errors are :class:`InputError` and :class:`MethodologyError` (both ``ValueError``), :class:`OutputError`
and :class:`HistoryError`, with the messages ``meb`` prints.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Iterable, Sequence

from . import _inputs
from ._meb import (
    Band,
    Comparison,
    Error,
    History,
    HistoryError,
    InputError,
    Methodology,
    MethodologyError,
    OutputError,
    Partition,
    PriceTable,
    Result,
    Scenario,
    ScenarioError,
    ScenarioSet,
    Sensitivity,
    __version__,
    fewest_bands_within,
    national_value,
    optimal_bands,
)
from . import _meb

__all__ = [
    "__version__",
    # errors
    "Error", "InputError", "MethodologyError", "ScenarioError", "OutputError", "HistoryError",
    # inputs
    "PriceTable", "load_prices", "prices_from_matrix", "Methodology",
    # computing
    "Result", "compute", "bootstrap", "Comparison", "compare", "Scenario", "ScenarioSet", "scenario",
    "Sensitivity", "sensitivity",
    # harmonising
    "Band", "Partition", "optimal_bands", "fewest_bands_within", "national_value", "harmonise",
    # history
    "History",
]

DEFAULT_PERCENTILES = (5.0, 50.0, 95.0)


def _command_line(function: str) -> list[str]:
    """What manifest.json records as the command line of a run started from Python."""
    return [sys.executable or "python3", f"meb.{function}"]


def _methodology(value: Any) -> Methodology:
    if isinstance(value, Methodology):
        return value
    if isinstance(value, (str, os.PathLike)):
        return Methodology.from_file(os.fspath(value))
    if isinstance(value, dict):
        return Methodology.from_dict(value)
    raise TypeError(f"expected a meb.Methodology, a YAML file path or a dict, got {type(value).__name__}")


def _optional_path(value: Any) -> str | None:
    return None if value is None else os.fspath(value)


def _price_sources(source: Any) -> list[tuple[str, str | None]]:
    if isinstance(source, (list, tuple)):
        if not source:
            raise ValueError("load_prices needs at least one price file")
        return [_inputs.file_spec(item, name=f"<DataFrame {i}>") for i, item in enumerate(source)]
    return [_inputs.file_spec(source)]


def load_prices(source: Any, methodology: Any = None, skip_bad_rows: bool = False,
                wide_mapping: Any = None) -> PriceTable:
    """Read price files (or a table in memory) into a :class:`PriceTable`.

    Parameters
    ----------
    source : str, os.PathLike, pandas.DataFrame, mapping of columns, or a list of them
        Price files in any layout the engine reads (WFP/HDX current or old, long CSV, a wide export with
        the methodology's ``prices.wide`` or ``wide_mapping``), or a DataFrame with such columns, e.g. the long layout
        ``date, market, admin1, admin2, commodity, unit, pricetype, currency, price``. A DataFrame is
        written as CSV in memory and read by the same reader under the name ``<DataFrame>``.
    methodology : Methodology, str, os.PathLike or dict, optional
        Read the table as this methodology reads it (its price type, flags, currency and basket
        commodities), raising the errors ``meb compute`` raises. Without one, the summary covers every
        commodity, price type and currency, and bad rows are listed (``issues``), never raised.
        :func:`compute` always reads the kept bytes again with its own methodology's filter.
    skip_bad_rows : bool, optional
        Skip bad rows of used commodities, counting and listing them (``--skip-bad-rows``).
    wide_mapping : str or os.PathLike, optional
        A YAML mapping for a wide export, replacing the methodology's ``prices.wide`` (``--wide-mapping``).

    Returns
    -------
    PriceTable

    Raises
    ------
    InputError
        A file cannot be read, its layout is not recognised, or (with a methodology) a bad row.
    MethodologyError
        The wide mapping does not validate.
    """
    chosen = None if methodology is None else _methodology(methodology)
    return _meb._load_prices(_price_sources(source), chosen, skip_bad_rows, _optional_path(wide_mapping))


def prices_from_matrix(matrix: Any, areas: Sequence[str], items: Sequence[str], month: Any, currency: str,
                       unit: str | Sequence[str] = "KG", pricetype: str = "Retail", methodology: Any = None) -> PriceTable:
    """A :class:`PriceTable` from an area x item matrix of prices for one month, without a file.

    Each area becomes one market of that name, in an admin1 and an admin2 of the same name, so that the
    area is the first level of any methodology's path; ``NaN`` is no quote. The rows are the long layout
    (``date, market, admin1, admin2, commodity, unit, pricetype, currency, price``), read under the name
    ``<matrix>``.

    Parameters
    ----------
    matrix : array_like, shape (len(areas), len(items))
        Prices per ``unit``.
    areas, items : sequence of str
        The labels of the rows and columns.
    month : str, datetime.date or pandas.Period
        ``YYYY-MM`` (or a date in it).
    currency : str
        The prices' currency (the methodology's, or the rows are errors).
    unit : str or sequence of str, optional
        One unit for every item, or one per item (default ``"KG"``).
    pricetype : str, optional
        Default ``"Retail"``.
    methodology : Methodology, str or dict, optional
        As for :func:`load_prices`.

    Returns
    -------
    PriceTable
    """
    text = _inputs.matrix_to_csv(matrix, areas, items, month, currency, unit=unit, pricetype=pricetype)
    chosen = None if methodology is None else _methodology(methodology)
    return _meb._load_prices([("<matrix>", text)], chosen, False)


def _prices_for(prices: Any, methodology: Methodology | None, skip_bad_rows: bool,
                wide_mapping: Any = None) -> PriceTable:
    if isinstance(prices, PriceTable):
        if skip_bad_rows and not prices.skip_bad_rows:
            raise ValueError("skip_bad_rows=True needs prices loaded with load_prices(..., skip_bad_rows=True)")
        return prices
    # Read through the wide mapping the computation will use, or a wide export fails before it applies.
    return load_prices(prices, methodology, skip_bad_rows, wide_mapping)


def _options(function: str, areas: Any = None, survey: Any = None, wide_mapping: Any = None,
             food_composition: Any = None, from_month: Any = None, to_month: Any = None,
             household_size: float | None = None):
    """The inputs every computing function shares, checked as the CLI checks its options."""
    return _meb._RunOptions(
        areas=_optional_path(areas),
        survey=None if survey is None else _inputs.file_spec(survey, name="<survey DataFrame>"),
        wide_mapping=_optional_path(wide_mapping), food_composition=_optional_path(food_composition),
        from_month=_inputs.month_text(from_month), to_month=_inputs.month_text(to_month),
        household_size=household_size, command_line=_command_line(function))


def compute(prices: Any, methodology: Any, *, areas: Any = None, survey: Any = None, from_month: Any = None,
            to_month: Any = None, skip_bad_rows: bool = False, household_size: float | None = None,
            food_composition: Any = None, wide_mapping: Any = None, bootstrap: int | None = None, seed: int = 1,
            percentiles: Iterable[float] = DEFAULT_PERCENTILES, threads: int = 0) -> Result:
    """Compute a methodology: SMEB, MEB and transfer value per area and month (``meb compute``).

    Parameters
    ----------
    prices : PriceTable, or what :func:`load_prices` takes
        The price data. A table is read again with this methodology's filter, as ``meb compute`` reads it.
    methodology : Methodology, str, os.PathLike or dict
        A Methodology, a YAML file, or a dict of its keys.
    areas : str or os.PathLike, optional
        An areas file placing markets in admin2 and admin1 (``--areas``).
    survey : str, os.PathLike or pandas.DataFrame, optional
        The household survey of expenditure-based components or a measured food share (``--survey``).
    from_month, to_month : str, optional
        ``YYYY-MM``: the months reported (earlier months still feed carry-forward).
    skip_bad_rows : bool, optional
        Only when ``prices`` is not a PriceTable yet (a table keeps the setting it was loaded with).
    household_size : float, optional
        Replace the household model by a fixed household of this size (``meb compare --household-size``).
    food_composition : str, optional
        The food composition table of the nutrition check in :attr:`Result.manifest`.
    wide_mapping : str, optional
        A YAML mapping for a wide export, replacing ``prices.wide`` (``--wide-mapping``).
    bootstrap : int, optional
        Replicates of the two-stage bootstrap (``--bootstrap N``): percentile columns are added to
        :attr:`Result.transfer_values` and :attr:`Result.bootstrap` holds them as arrays.
    seed : int, optional
        Bootstrap seed (default 1): the same seed gives the same numbers, whatever the threads.
    percentiles : iterable of float, optional
        Bootstrap percentiles, increasing, in [0, 100] (default 5, 50, 95).
    threads : int, optional
        Bootstrap threads (0: every core).

    Returns
    -------
    Result

    Raises
    ------
    InputError
        A bad price row, areas or survey file, or nothing to compute.
    MethodologyError
        The methodology does not validate.
    ValueError
        A bad argument (the CLI's usage errors): a month not ``YYYY-MM``, ``to_month`` before
        ``from_month``, a survey-based methodology without ``survey``, bad bootstrap settings.

    Notes
    -----
    The GIL is released while the engine reads, computes and bootstraps.
    """
    options = _options("compute", areas, survey, wide_mapping, food_composition, from_month, to_month, household_size)
    chosen = _methodology(methodology)
    table = _prices_for(prices, chosen, skip_bad_rows, wide_mapping)
    return _meb._compute(table, chosen, options, bootstrap, seed, [float(p) for p in percentiles], threads)


def bootstrap(prices: Any, methodology: Any, replicates: int = 1000, seed: int = 1,
              percentiles: Iterable[float] = DEFAULT_PERCENTILES, **options: Any) -> Result:
    """:func:`compute` with a bootstrap of ``replicates`` replicates (``meb compute --bootstrap N``).

    Markets are resampled within each area and quotes within each market, and the whole aggregation, fill
    and costing rerun per replicate (``docs/uncertainty.md``). Percentiles are Hyndman & Fan type 7.

    Parameters
    ----------
    prices, methodology
        As for :func:`compute`.
    replicates : int, optional
        Default 1000.
    seed : int, optional
        Default 1.
    percentiles : iterable of float, optional
        Default 5, 50, 95.
    **options
        Any other keyword of :func:`compute`.

    Returns
    -------
    Result
        With :attr:`Result.bootstrap` and the percentile columns of transfer_values.csv.
    """
    return compute(prices, methodology, bootstrap=replicates, seed=seed, percentiles=percentiles, **options)


def compare(prices: Any, methodologies: Sequence[Any], *, reference: str | None = None,
            household_size: float | None = None, areas: Any = None, survey: Any = None, from_month: Any = None,
            to_month: Any = None, skip_bad_rows: bool = False, food_composition: Any = None,
            wide_mapping: Any = None) -> Comparison:
    """Run several methodologies on the same inputs and compare them with a reference (``meb compare``).

    Parameters
    ----------
    prices : PriceTable, or what :func:`load_prices` takes
    methodologies : sequence of Methodology, str or dict
        Two or more, with distinct ids.
    reference : str, optional
        The id of the reference methodology (default: the first).
    household_size : float, optional
        Compare every method for a fixed household of this size (>= 1).
    areas, survey, from_month, to_month, skip_bad_rows, food_composition, wide_mapping
        As for :func:`compute`.

    Returns
    -------
    Comparison

    Raises
    ------
    ValueError
        Fewer than two methodologies, an unknown reference, two methodologies with the same id.
    """
    options = _options("compare", areas, survey, wide_mapping, food_composition, from_month, to_month, household_size)
    chosen = [_methodology(m) for m in methodologies]
    if len(chosen) < 2:
        raise ValueError("meb.compare needs at least two methodologies")
    table = _prices_for(prices, chosen[0], skip_bad_rows, wide_mapping)
    return _meb._compare(table, chosen, reference, options)


def scenario(scenarios: Any, prices: Any, *, areas: Any = None, survey: Any = None, from_month: Any = None,
             to_month: Any = None, skip_bad_rows: bool = False, wide_mapping: Any = None, bootstrap: int | None = None,
             seed: int = 1, percentiles: Iterable[float] = DEFAULT_PERCENTILES, threads: int = 0) -> ScenarioSet:
    """Evaluate scenario files against their baselines on the same prices (``meb scenario``).

    Parameters
    ----------
    scenarios : str, os.PathLike, or a list of them
        Scenario YAML files (``docs/scenarios.md``); each names its baseline methodology.
    prices : PriceTable, or what :func:`load_prices` takes
    areas, survey, from_month, to_month, skip_bad_rows, wide_mapping
        As for :func:`compute`.
    bootstrap, seed, percentiles
        Each point's bootstrap percentiles, as ``meb scenario --bootstrap N``.
    threads : int, optional
        Threads for sweep points and replicates (0: every core).

    Returns
    -------
    ScenarioSet

    Raises
    ------
    ScenarioError
        A scenario file that does not validate, or names an area the prices do not have.
    """
    options = _options("scenario", areas, survey, wide_mapping, None, from_month, to_month)
    files = [scenarios] if isinstance(scenarios, (str, os.PathLike)) else list(scenarios)
    specs = [(os.fspath(f), None) for f in files]
    table = _prices_for(prices, None, skip_bad_rows, wide_mapping)
    return _meb._scenario(specs, table, options, bootstrap, seed, [float(p) for p in percentiles], threads)


def sensitivity(prices: Any, methodology: Any, **options: Any) -> Sensitivity:
    """Price elasticities, parameter changes and tornado data (``meb sensitivity``).

    Parameters
    ----------
    prices, methodology
        As for :func:`compute`.
    **options
        Any other keyword of :func:`compute` (without ``bootstrap``).

    Returns
    -------
    Sensitivity
    """
    return compute(prices, methodology, **options).sensitivity()


def harmonise(values: Any, weights: Any = None, *, k: int = 3, tolerance: float = 0.10, national: str = "mean",
              round_step: float | None = None, round_mode: str = "nearest") -> dict:
    """The harmonised values the monthly batch proposes over a set of areas (``docs/history.md``).

    Parameters
    ----------
    values : array_like of float
        One value per area (e.g. the regions' unrounded transfer values).
    weights : array_like of float, optional
        Populations; equal weights when omitted.
    k : int, optional
        Bands of the optimal partitions (default 3).
    tolerance : float, optional
        For the fewest bands that pay every area within +-tolerance (default 0.10).
    national : {"mean", "median"}, optional
        The national value's statistic.
    round_step : float, optional
        Round the paid values to a multiple of this step.
    round_mode : {"nearest", "up", "down"}, optional

    Returns
    -------
    dict
        ``national`` (float), ``squared_gap`` and ``largest_gap`` (:class:`Partition` into k bands),
        ``within_tolerance`` (:class:`Partition`, or None when an area cannot be paid within tolerance).
    """
    return {
        "national": national_value(values, weights, national),
        "squared_gap": optimal_bands(values, weights, k, "squared_gap", round_step, round_mode),
        "largest_gap": optimal_bands(values, weights, k, "largest_gap", round_step, round_mode),
        "within_tolerance": fewest_bands_within(values, weights, tolerance, round_step, round_mode),
    }
