"""A sweep folder into its tidy table and standard plots, at the end of a sweep or on demand.

Each point of a sweep (a Hydra multirun job, or one point of the grid fast path) leaves
a ``metrics.json`` in its own folder. :func:`aggregate` gathers every finished point
under a sweep folder into one tidy table (:mod:`negsim.studies.sweep`) and draws the
standard plots beside it (:mod:`negsim.viz.curves`). The Hydra callback runs it at the
end of a multirun; ``python -m negsim.app.sweeps FOLDER [RESULTS]`` runs it on any sweep
folder, for instance after an interrupted sweep.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from negsim.errors import ConfigError, NegsimError, SweepIncomplete
from negsim.io.results import remove_stale_temporaries
from negsim.io.tables import write_table
from negsim.studies.sweep import collect, columns, swept
from negsim.viz.report import write_sweep_report


def claim_folder(folder: Path, swept: list[str], overrides: Sequence[str]) -> None:
    """Record which sweep a sweep folder holds (``sweep.json``: the swept keys and the
    fixed overrides, those of ``overrides`` whose key is not swept and that can change a
    result, :func:`~negsim.app.overrides.recorded`), and refuse a different one: resuming
    a sweep or adding values to it is allowed, mixing two sweeps in one table is not.

    Raises
    ------
    ConfigError
        ``FOLDER: holds another sweep (swept [...], fixed [...]); give this one its own hydra.sweep.dir``.
    """
    import json

    from negsim.app.overrides import recorded
    from negsim.io.results import write_json_atomic

    fixed = sorted(o for o in recorded(overrides) if o.partition("=")[0] not in swept)
    claim = {"swept": swept, "fixed": fixed}
    record = Path(folder) / "sweep.json"
    if record.is_file():
        try:
            held = json.loads(record.read_text())
        except (OSError, ValueError):
            held = None
        if held != claim:
            raise ConfigError(
                f"{folder}: holds another sweep (swept {held.get('swept') if isinstance(held, dict) else '?'}, "
                f"fixed {held.get('fixed') if isinstance(held, dict) else '?'}); give this one its own hydra.sweep.dir"
            )
        return
    write_json_atomic(record, claim)


def sweep_plots(rows: list[dict[str, Any]], folder: Path) -> list[Path]:
    """Standard plots of a sweep: escalation and deal probability against one swept value
    (``sweep_<key>``), or a heat map of breakdown probability over two
    (``heatmap_<a>_<b>``); PNG and SVG. Nothing for other sweeps."""
    from negsim.viz.canvas import save_figure
    from negsim.viz.curves import escalation_vs_leverage_figure, sweep_heatmap_figure

    ok = [r for r in rows if r.get("status") == "ok" and r.get("p_breakdown") is not None]
    axes = swept(ok)
    if not ok or len(axes) not in (1, 2):
        return []
    if len(axes) == 1:
        (a,) = axes
        return save_figure(escalation_vs_leverage_figure(ok, param=a), Path(folder) / f"sweep_{a}")
    a, b = axes
    return save_figure(sweep_heatmap_figure(ok, a, b), Path(folder) / f"heatmap_{a}_{b}")


def varying(rows: list[dict[str, Any]]) -> list[str]:
    """The columns that tell a sweep's points apart: the swept numbers (:func:`swept`) and,
    when it takes several values, the scenario."""
    rounds = len({str(r.get("scenario")) for r in rows}) > 1
    return (["scenario"] if rounds else []) + swept(rows)


def sweep_command(sweep_dir: Path, rows: list[dict[str, Any]]) -> str:
    """The command that makes a sweep folder's table again: ``negsim -m``, its fixed
    overrides (``sweep.json``) and each swept key with the values its rows hold."""
    import json
    import shlex

    try:
        claim = json.loads((Path(sweep_dir) / "sweep.json").read_text())
    except (OSError, ValueError):
        claim = {"swept": varying(rows), "fixed": []}
    swept_values = [f"{key}={','.join(dict.fromkeys(str(r[key]) for r in rows if r.get(key) is not None))}"
                    for key in claim.get("swept", [])]
    return shlex.join(["negsim", "-m", *claim.get("fixed", []), *swept_values])


def aggregate(sweep_dir: str | Path, results_dir: str | Path | None = None, *,
              show: Callable[[list[dict[str, Any]]], None] | None = None, command: str | None = None,
              report: bool = True) -> list[Path]:
    """Gather a sweep folder's points into ``table.csv`` and the standard plots, first
    removing the temporary files an interrupted run left (no point may be being written:
    the callback runs after every job, the fast path after its points).

    Parameters
    ----------
    sweep_dir : path
        Folder whose subfolders hold the points' ``metrics.json``.
    results_dir : path, optional
        Where the table and plots go (default: ``sweep_dir``).
    show : callable, optional
        Called with the table's rows once it is written (before any failure is raised): the
        command prints its closing summary with it.
    command : str, optional
        The command line of the sweep, for its ``report.html`` (default: :func:`sweep_command`).
    report : bool
        Write ``report.html`` (``output.report``).

    Raises
    ------
    SweepIncomplete
        After writing the table, when any point failed or could not be read.
    ConfigError
        When the folder holds no point, or the table or plots cannot be written.
    """
    sweep_dir = Path(sweep_dir)
    if not sweep_dir.is_dir():
        raise ConfigError(f"{sweep_dir}: sweep folder not found")
    folder = Path(results_dir) if results_dir else sweep_dir
    for place in dict.fromkeys([sweep_dir, folder]):  # a killed run (or a killed aggregation) left these
        stale = remove_stale_temporaries(place) if place.is_dir() else []
        if stale:
            print(f"negsim: removed {len(stale)} temporary file(s) an interrupted run left in {place}")
    rows = collect(sweep_dir)
    if not rows:
        raise ConfigError(f"{sweep_dir}: no finished points (no metrics.json below it)")
    try:
        cols = columns(rows)
        plots = sweep_plots(rows, folder)
        paths = write_table(rows, cols, folder) + plots
        if report:
            paths.append(write_sweep_report(folder, rows, cols, figures=[p for p in plots if p.suffix == ".svg"],
                                            command=command or sweep_command(sweep_dir, rows)))
    except OSError as exc:
        raise ConfigError(f"{folder}: could not write the sweep's table or plots ({exc.strerror or exc})") from None
    if show is not None:
        show(rows)
    bad = [r["status"] for r in rows if r.get("status") != "ok"]
    if bad:
        raise SweepIncomplete(
            f"{sweep_dir}: {len(bad)} of {len(rows)} points did not finish (table written with their status; "
            f"first: {bad[0]})"
        )
    return paths


def main(argv: list[str] | None = None) -> None:
    """``python -m negsim.app.sweeps SWEEP_DIR [RESULTS_DIR]``: aggregate a sweep folder."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (1, 2):
        print("usage: python -m negsim.app.sweeps SWEEP_DIR [RESULTS_DIR]", file=sys.stderr)
        sys.exit(2)
    try:
        paths = aggregate(*args)
    except SweepIncomplete as exc:
        print(f"negsim: error: {exc}", file=sys.stderr)
        sys.exit(1)
    except NegsimError as exc:
        print(f"negsim: error: {exc}", file=sys.stderr)
        sys.exit(2)
    print("Wrote " + ", ".join(str(p) for p in paths))


if __name__ == "__main__":
    main()
