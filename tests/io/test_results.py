"""The one atomic writer: whole files or none, with the umask's mode."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from negsim.io.results import atomic_write, write_json_atomic, write_text_atomic


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_results_get_the_mode_the_umask_gives(tmp_path: Path, mask: int, mode: int):
    old = os.umask(mask)
    try:
        path = write_json_atomic(tmp_path / "sub" / "metrics.json", {"p": 0.5})
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == mode
    assert path.read_text() == '{\n  "p": 0.5\n}\n'


def test_a_failed_write_leaves_neither_the_file_nor_a_temporary(tmp_path: Path):
    write_text_atomic(tmp_path / "table.csv", "old\n")

    def boom(tmp: str) -> None:
        Path(tmp).write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="^disk full$"):
        atomic_write(tmp_path / "table.csv", boom)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["table.csv"]
    assert (tmp_path / "table.csv").read_text() == "old\n"


def test_the_same_figure_is_written_byte_for_byte_the_same(tmp_path):
    """Committed figures change only when what they show changes (no date, fixed ids)."""
    from negsim.viz.canvas import new_figure, save_figure

    digests = []
    for k in range(2):
        fig = new_figure((3, 2))
        fig.add_subplot(1, 1, 1).plot([0, 1], [1, 0], label="a")
        digests.append([p.read_bytes() for p in save_figure(fig, tmp_path / f"figure{k}")])
    assert digests[0] == digests[1]
    assert b"<dc:date>" not in digests[0][1]
