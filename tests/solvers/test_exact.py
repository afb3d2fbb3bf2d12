"""Exact mode: rational enumeration equals pygambit's default (rational) enummixed."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from negsim import Game, solve
from negsim.equilibrium import EquilibriumCheckError, verified_exact
from negsim.errors import SolverError
from negsim.solvers.exact import exact_equilibria

gbt = pytest.importorskip("pygambit")


def gambit_rational(A, B) -> list[tuple[tuple[Fraction, ...], tuple[Fraction, ...]]]:
    """pygambit's rational enummixed, as sorted tuples of fractions."""
    to_frac = np.vectorize(lambda v: Fraction(v), otypes=[object])
    game = gbt.Game.from_arrays(to_frac(A), to_frac(B))
    players = list(game.players)
    found = gbt.nash.enummixed_solve(game, rational=True).equilibria
    return sorted(tuple(tuple(Fraction(eq[s]) for s in p.strategies) for p in players) for eq in found)


def _random_games(rng, count):
    """Integer games 1x1..4x4 (half with payoffs in 0..2, so often degenerate) and floats."""
    for t in range(count):
        m, n = (int(v) for v in rng.integers(1, 5, size=2))
        if t % 3 == 0:
            yield rng.integers(0, 3, (m, n)).astype(float), rng.integers(0, 3, (m, n)).astype(float)
        elif t % 3 == 1:
            yield rng.integers(-9, 10, (m, n)).astype(float), rng.integers(-9, 10, (m, n)).astype(float)
        else:
            yield np.round(rng.normal(size=(m, n)), 3), np.round(rng.normal(size=(m, n)), 3)


def test_exact_mode_equals_pygambit_rational_enummixed_on_300_games():
    rng = np.random.default_rng(20261202)
    several = 0
    for A, B in _random_games(rng, 300):
        ours = [e.exact[:2] for e in solve(Game(A, B), exact=True)]
        theirs = gambit_rational(A, B)
        assert len(ours) == len(theirs) and sorted(ours) == theirs, (A, B)
        several += len(ours) > 1
    assert several > 50


def test_exact_mode_equals_pygambit_on_near_ties_and_degenerate_families():
    for k in (3, 4, 5):
        for e in (1e-3, 1e-9, 1e-15):
            A = np.ones((k + 1, k))
            A[:k, :k] += e * np.eye(k)
            A[k] = 0
            assert [eq.exact[:2] for eq in solve(Game(A, A), exact=True)] == gambit_rational(A, A)
    constant = np.zeros((3, 3))
    assert len(solve(Game(constant, constant), exact=True)) == 9


def test_exact_payoffs_are_fractions_and_floats_are_their_nearest():
    A = np.array([[3.0, 0.0], [0.0, 1.0]])
    (mixed,) = [e for e in solve(Game(A, A), exact=True) if not e.is_pure]
    x, y, pay = mixed.exact
    assert x == (Fraction(1, 4), Fraction(3, 4)) and pay == (Fraction(3, 4), Fraction(3, 4))
    assert mixed.strategies[0].tolist() == [0.25, 0.75] and mixed.regret.tolist() == [0.0, 0.0]


def test_exact_check_rejects_a_profile_with_any_regret():
    A = [[Fraction(1), Fraction(0)], [Fraction(0), Fraction(1)]]
    half = (Fraction(1, 2), Fraction(1, 2))
    assert len(verified_exact(A, A, [(half, half)], method="test")) == 1
    off = (Fraction(1, 2) + Fraction(1, 10**30), Fraction(1, 2) - Fraction(1, 10**30))
    with pytest.raises(EquilibriumCheckError, match=r"^solver 'test' returned a profile with exact regret"):
        verified_exact(A, A, [(off, half)], method="test")


def test_exact_mode_takes_rational_strings_and_refuses_what_it_cannot_take():
    third = exact_equilibria([["1/3", "0"], ["0", "2/3"]], [["1", "0"], ["0", "1"]])
    assert ((Fraction(1, 2), Fraction(1, 2)), (Fraction(2, 3), Fraction(1, 3))) in third
    with pytest.raises(SolverError, match=r"^exact mode: payoffs must be finite rationals"):
        exact_equilibria([["x"]], [["1"]])
    with pytest.raises(SolverError, match=r"^exact mode: a 8x8 game has 12870 bases per player \(limit 3432\)"):
        solve(Game(np.zeros((8, 8)), np.zeros((8, 8))), exact=True)
    with pytest.raises(SolverError, match=r"^exact=True: only method='enumerate' is exact, got method='pure'$"):
        solve(Game(np.zeros((2, 2)), np.zeros((2, 2))), "pure", exact=True)
