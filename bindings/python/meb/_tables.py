"""Tables out of the engine: its CSV text as a pandas DataFrame, or a dict of NumPy arrays without pandas.

The engine's writers (transfer_values_csv, basket_costs_csv, comparison, scenarios, sensitivity, history)
produce the very text ``meb`` writes to its files, so a table has the files' columns, in order, and their
numbers (at most 6 decimals). An empty cell is a value that cannot be computed: NaN in a numeric column,
"" in a text column.
"""

from __future__ import annotations

import csv
import io
from typing import Any, Iterable

import numpy as np

# Columns that hold names, codes, months or words even when every cell looks like a number
# (a version "2", a P-code, a month). Every other column is numeric when all its non-empty cells are.
TEXT_COLUMNS = frozenset({
    "methodology", "methodology_version", "method", "reference", "area_level", "area", "area_pcode", "parent_area",
    "month", "currency", "notes", "component", "tier", "item", "priced_as", "unit", "price_status", "source_area",
    "source_month", "scenario", "scenario_version", "baseline", "baseline_version", "baseline_currency",
    "parameter", "change", "factor", "low_setting", "high_setting", "decision", "reason", "effective_month", "kind",
    "recorded_at", "note", "file", "commodity", "market", "market_id", "admin1", "admin2",
})


def _pandas():
    """pandas when it is importable, else None (tests patch this to check the NumPy form)."""
    try:
        import pandas
    except ImportError:  # pragma: no cover - pandas is a Debian package here
        return None
    return pandas


def _column(name: str, cells: np.ndarray, text: frozenset, numbers: frozenset) -> np.ndarray:
    """The cells (an object array of str) as numbers when the column is numeric, else as they are.

    Numbers are parsed by Python's float (exactly the value written); a column of whole numbers without an empty
    cell is int64 (the engine writes whole numbers without a decimal point), any other float64 with NaN for
    an empty cell."""
    if name not in numbers and (name in TEXT_COLUMNS or name in text):
        return cells
    empty = cells == ""
    try:
        values = cells[~empty].astype(np.float64)
    except ValueError:
        return cells  # a word among the numbers: a text column
    if len(cells) and not empty.any() and np.all(np.abs(values) < 2.0**53) and np.all(values == np.floor(values)):
        return values.astype(np.int64)
    out = np.full(len(cells), np.nan)
    out[~empty] = values
    return out


def from_columns(columns: dict[str, Any]):
    """A DataFrame of the columns (in order) when pandas is importable, else the dict of NumPy arrays."""
    pandas = _pandas()
    if pandas is not None:
        return pandas.DataFrame({name: np.asarray(values) for name, values in columns.items()})
    out = {}
    for name, values in columns.items():
        array = np.asarray(values)
        out[name] = array.astype(str) if array.dtype == object else array
    return out


def _cells(text: str) -> dict[str, np.ndarray]:
    """The CSV's columns as object arrays of str ("" for an empty cell), in order."""
    pandas = _pandas()
    if pandas is not None:  # its C tokenizer: fast on large tables (basket_costs over decades)
        frame = pandas.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False)
        return {name: frame[name].to_numpy(dtype=object) for name in frame.columns}
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header, body = rows[0], rows[1:]
    return {name: np.array([row[i] for row in body], dtype=object) for i, name in enumerate(header)}


def from_csv(text: str, text_columns: Iterable[str] = (), number_columns: Iterable[str] = ()):
    """A table from the engine's CSV text (RFC 4180, a header row)."""
    text_columns, number_columns = frozenset(text_columns), frozenset(number_columns)
    cells = _cells(text)
    return from_columns({name: _column(name, column, text_columns, number_columns) for name, column in cells.items()})
