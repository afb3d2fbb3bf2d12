"""Shared test helpers: game generators and the pygambit oracle."""

from __future__ import annotations

import os
import tempfile

import numpy as np
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

# Composed configs are cached in a folder of this test session, not the user's
# (negsim.app.config_cache); the command lines the tests run inherit it.
os.environ.setdefault("NEGSIM_CONFIG_CACHE", tempfile.mkdtemp(prefix="negsim-config-cache-"))

# CI runs the same examples every time (a failure there is reproducible); local runs explore.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


def shipped_config(round_name: str = "istanbul_round2", *, rollout: dict | None = None, **top) -> dict:
    """A run config as plain data, from the shipped configs of one round: its scenario and
    mediator, the talks game, the default rollout updated by ``rollout``, plus ``top``."""
    from negsim.io.configs import config_dir, load_yaml

    root = config_dir()
    return {
        "scenario": load_yaml(root / "scenario" / f"{round_name}.yaml"),
        "game": load_yaml(root / "game" / "talks.yaml"),
        "mediator": load_yaml(root / "mediator" / f"{round_name}.yaml"),
        "rollout": {**load_yaml(root / "rollout" / "default.yaml"), **(rollout or {})},
        **top,
    }


def profile_set(profiles, digits: int = 7) -> set[tuple[float, ...]]:
    """A set of (x, y) profiles, rounded, for comparing equilibrium sets across solvers."""
    return {tuple(np.round(np.concatenate([x, y]), digits) + 0.0) for x, y in profiles}


def gambit_equilibria(A: np.ndarray, B: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """All extreme equilibria by pygambit's enummixed (the independent oracle)."""
    gbt = pytest.importorskip("pygambit")
    integral = np.all(A == np.round(A)) and np.all(B == np.round(B))
    game = gbt.Game.from_arrays(A.astype(int) if integral else A, B.astype(int) if integral else B)
    players = list(game.players)
    result = gbt.nash.enummixed_solve(game, rational=False)
    return [
        tuple(np.array([float(eq[s]) for s in p.strategies]) for p in players)
        for eq in result.equilibria
    ]


def random_game(rng: np.random.Generator, m: int, n: int, degenerate: bool):
    """A random m x n game: small integer payoffs (often degenerate) or normal floats."""
    if degenerate:
        return rng.integers(0, 3, (m, n)).astype(float), rng.integers(0, 3, (m, n)).astype(float)
    return rng.normal(size=(m, n)), rng.normal(size=(m, n))


@st.composite
def games(draw, min_size: int = 1, max_size: int = 5, small_ints: bool | None = None):
    """Hypothesis strategy for bimatrix games; integer payoffs in [-2, 2] make degenerate ones."""
    m = draw(st.integers(min_size, max_size))
    n = draw(st.integers(min_size, max_size))
    ints = draw(st.booleans()) if small_ints is None else small_ints
    if ints:
        elems = st.integers(-2, 2).map(float)
    else:
        # Three decimals: generic payoffs whose gaps float64 resolves (a gap below 1e-10 of
        # the range is refused by design; tests of that refusal build such games on purpose).
        elems = st.integers(-100_000, 100_000).map(lambda k: k / 1000)
    A = draw(arrays(float, (m, n), elements=elems))
    B = draw(arrays(float, (m, n), elements=elems))
    return A, B


@pytest.fixture
def negsim_cli(monkeypatch, capsys):
    """Run the ``negsim`` command in this process: ``negsim_cli(args, cwd)`` gives
    ``(exit code, stdout, stderr)``. A subprocess adds nothing but start-up time here;
    ``tests/app/test_cli.py`` keeps true end-to-end runs of the installed command."""
    from negsim.app.cli import main

    def run(args, cwd):
        monkeypatch.chdir(cwd)
        capsys.readouterr()
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        out, err = capsys.readouterr()
        return code, out, err

    return run
