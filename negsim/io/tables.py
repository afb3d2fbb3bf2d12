"""Tables on disk: rows as CSV (and Parquet), and the JSON files of a sweep folder.

Writes are atomic (:mod:`negsim.io.results`); the rows themselves are made by
:mod:`negsim.studies.sweep` and the experiments.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from negsim.io.results import atomic_write, write_text_atomic


def csv_text(rows: list[dict[str, Any]], cols: Sequence[str] | None = None) -> str:
    """Rows as CSV text with the given columns (default: every key, in order of first
    appearance); missing values and None become empty cells."""
    cols = list(dict.fromkeys(k for r in rows for k in r)) if cols is None else list(cols)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({c: ("" if r.get(c) is None else r.get(c)) for c in cols})
    return buf.getvalue()


def write_table(rows: list[dict[str, Any]], cols: Sequence[str], folder: Path) -> list[Path]:
    """``table.csv`` (and ``table.parquet`` when pandas and pyarrow are installed), atomically."""
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
