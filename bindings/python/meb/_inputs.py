"""In-memory inputs as the text the engine's readers take.

A DataFrame (or a mapping of columns) of prices is written as CSV in memory and read by the same reader
as a file, under a pseudo path such as ``<DataFrame>`` that error messages name. A NumPy matrix of area x
item prices becomes rows of the long layout (engine/src/prices.cpp):
``date, market, admin1, admin2, commodity, unit, pricetype, currency, price``.
"""

from __future__ import annotations

import csv
import io
import math
import os
from typing import Any, Mapping, Sequence

import numpy as np

from . import _tables

LONG_COLUMNS = ("date", "market", "admin1", "admin2", "commodity", "unit", "pricetype", "currency", "price")


def month_text(value: Any) -> str | None:
    """A month argument as ``YYYY-MM``: a string as given (the engine checks it), a date or Period formatted."""
    if value is None or isinstance(value, str):
        return value
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m")
    return str(value)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (float, np.floating)):
        return "" if math.isnan(value) else repr(float(value))
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    return str(value)


def frame_to_csv(frame: Any) -> str:
    """A pandas DataFrame or a mapping of equally long columns as CSV text (no index)."""
    pandas = _tables._pandas()
    if pandas is not None and isinstance(frame, pandas.DataFrame):
        frame = frame.copy(deep=False)
        for name in frame.columns:
            column = frame[name]
            # Dates as YYYY-MM-DD: pandas would write "2020-01-15 00:00:00", which is not a date to the engine.
            if pandas.api.types.is_datetime64_any_dtype(column):
                frame[name] = column.dt.strftime("%Y-%m-%d")
            elif isinstance(column.dtype, pandas.PeriodDtype):
                frame[name] = column.astype(str)
        return frame.to_csv(index=False, lineterminator="\n")
    if not isinstance(frame, Mapping):
        raise TypeError(f"expected a pandas DataFrame or a mapping of columns, got {type(frame).__name__}")
    names = list(frame)
    columns = [list(frame[name]) for name in names]
    lengths = {len(column) for column in columns}
    if len(lengths) > 1:
        raise ValueError(f"the columns have different lengths: {dict(zip(names, map(len, columns)))}")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    for row in zip(*columns):
        writer.writerow([_cell(value) for value in row])
    return out.getvalue()


def matrix_to_csv(matrix: Any, areas: Sequence[str], items: Sequence[str], month: Any, currency: str,
                  unit: str | Sequence[str] = "KG", pricetype: str = "Retail") -> str:
    """Long-layout rows for an area x item matrix; NaN is no quote."""
    prices = np.asarray(matrix, dtype=np.float64)
    areas, items = [str(a) for a in areas], [str(i) for i in items]
    if prices.ndim != 2 or prices.shape != (len(areas), len(items)):
        raise ValueError(f"the matrix must be areas x items = {len(areas)} x {len(items)}, got shape {prices.shape}")
    units = [unit] * len(items) if isinstance(unit, str) else [str(u) for u in unit]
    if len(units) != len(items):
        raise ValueError(f"unit must be one unit or one per item ({len(items)}), got {len(units)}")
    date = month_text(month)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(LONG_COLUMNS)
    for a, area in enumerate(areas):
        for i, item in enumerate(items):
            price = prices[a, i]
            if math.isnan(price):
                continue
            # Each area is one market of its own name, in an admin1 and admin2 of the same name, so that any
            # path of levels (market, admin2, admin1, national) has the area at its first level.
            writer.writerow([date, area, area, area, item, units[i], pricetype, currency, repr(float(price))])
    return out.getvalue()


def file_spec(source: Any, name: str = "<DataFrame>") -> tuple[str, str | None]:
    """(path, None) for a path, read by the engine; (name, CSV text) for a table in memory."""
    if isinstance(source, (str, os.PathLike)):
        return (os.fspath(source), None)
    return (name, frame_to_csv(source))
