"""Tables on disk: rows as CSV (and Parquet), and the JSON files of a sweep folder.

Writes are atomic (:mod:`negsim.io.results`); the rows themselves are made by
:mod:`negsim.studies.sweep` and the experiments. A float in a CSV cell is written with the
precision it carries, at most :data:`CSV_DIGITS` significant digits (:func:`float_text`:
``0.1248``, not ``0.12480000000000002``); Parquet keeps every bit.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from negsim.io.results import atomic_write, write_text_atomic

#: Significant digits of a float in a CSV cell: float64 noise (``0.1 + 0.2``) sits in the
#: 16th and 17th, and no estimate of negsim is meaningful to twelve.
CSV_DIGITS = 12


def float_text(x: float, digits: int = CSV_DIGITS) -> str:
    """``x`` as the shortest text that reads back as ``x`` rounded to ``digits`` significant
    digits (``nan``, ``inf`` and ``-inf`` as such).

    >>> float_text(0.12480000000000002), float_text(1 / 3), float_text(2.0), float_text(1e-20)
    ('0.1248', '0.333333333333', '2.0', '1e-20')
    """
    return repr(float(f"{x:.{digits}g}"))


def csv_cell(value: Any) -> Any:
    """One CSV cell: None as empty, a float by :func:`float_text` (a numpy float of less
    precision, such as ``float32``, to the digits its type carries), anything else as it is
    (the csv module writes its ``str``)."""
    if value is None:
        return ""
    if isinstance(value, np.floating):
        return float_text(float(value), min(CSV_DIGITS, np.finfo(value.dtype).precision))
    if isinstance(value, float):
        return float_text(value)
    return value


def csv_text(rows: list[dict[str, Any]], cols: Sequence[str] | None = None) -> str:
    """Rows as CSV text with the given columns (default: every key, in order of first
    appearance); missing values and None become empty cells, floats are written by
    :func:`float_text` (:func:`csv_cell`)."""
    cols = list(dict.fromkeys(k for r in rows for k in r)) if cols is None else list(cols)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({c: csv_cell(r.get(c)) for c in cols})
    return buf.getvalue()


def cell_value(text: str) -> Any:
    """A CSV cell read back: empty as None, a whole number as int, a number as float,
    ``True``/``False`` as bool, anything else as text (the inverse of :func:`csv_cell`).

    >>> [cell_value(t) for t in ("", "3", "0.1248", "nan", "True", "deadlock")]
    [None, 3, 0.1248, nan, True, 'deadlock']
    """
    if text == "":
        return None
    if text in ("True", "False"):
        return text == "True"
    if "_" in text or text != text.strip():  # Python reads "1_000" and " 5" as numbers; a CSV writer never writes them
        return text
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def read_csv_rows(path: Path) -> list[dict[str, Any]]:
    """The rows of a CSV file this package wrote (:func:`csv_text`), each cell by :func:`cell_value`."""
    with Path(path).open(newline="", encoding="utf-8") as fh:
        return [{k: cell_value(v) for k, v in row.items()} for row in csv.DictReader(fh)]


def write_table(rows: list[dict[str, Any]], cols: Sequence[str], folder: Path) -> list[Path]:
    """``table.csv`` (floats to :data:`CSV_DIGITS` significant digits) and, when pandas and
    pyarrow are installed, ``table.parquet`` (full precision), atomically."""
    paths = [write_text_atomic(Path(folder) / "table.csv", csv_text(rows, cols))]
    try:
        import pandas as pd
        import pyarrow  # noqa: F401
    except ImportError:
        return paths
    frame = pd.DataFrame(rows, columns=list(cols))
    paths.append(atomic_write(Path(folder) / "table.parquet", lambda tmp: frame.to_parquet(tmp, index=False)))
    return paths


def read_json_files(folder: Path, names: Sequence[str]) -> list[tuple[Path, Any]]:
    """Every file called one of ``names`` below ``folder`` (by name, then path), parsed; a
    file that cannot be read or parsed gives its exception instead of the data."""
    out: list[tuple[Path, Any]] = []
    for name in names:
        for path in sorted(folder.rglob(name)):
            try:
                out.append((path, json.loads(path.read_text())))
            except (OSError, ValueError) as exc:
                out.append((path, ValueError(str(exc))))
    return out
