"""Equilibria do not depend on payoff units; near ties are not ties; what float64 cannot
resolve is refused, not answered wrongly."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from conftest import games
from hypothesis import given, settings
from hypothesis import strategies as st

from negsim import Game, solve
from negsim.errors import SolverError
from negsim.solvers.enumeration import extreme_equilibria_batch

gbt = pytest.importorskip("pygambit")


def assert_same_profiles(ours, theirs, atol):
    """Equal lists of (x, y) profiles up to order, matched one to one within ``atol``."""
    assert len(ours) == len(theirs), (len(ours), len(theirs))
    left = [np.concatenate(p) for p in theirs]
    for p in ours:
        v = np.concatenate(p)
        hits = [k for k, w in enumerate(left) if np.abs(v - w).max() <= atol]
        assert hits, f"profile {v} not in the reference set"
        left.pop(hits[0])


def gambit_exact_floats(A, B):
    """pygambit's rational enummixed on the exact values of the float payoffs, as floats."""
    to_frac = np.vectorize(lambda v: Fraction(float(v)), otypes=[object])
    game = gbt.Game.from_arrays(to_frac(A), to_frac(B))
    players = list(game.players)
    found = gbt.nash.enummixed_solve(game, rational=True).equilibria
    return [tuple(np.array([float(eq[s]) for s in p.strategies]) for p in players) for eq in found]


def near_tie(k: int, e: float) -> np.ndarray:
    """``ones + e I`` on a k x k block and a strictly dominated row of zeros: (k+1) x k."""
    A = np.ones((k + 1, k))
    A[:k, :k] += e * np.eye(k)
    A[k] = 0.0
    return A


@pytest.mark.parametrize("k", [3, 4, 5, 6])
@pytest.mark.parametrize("e", [1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9])
def test_near_ties_give_pygambits_exact_set(k, e):
    A = near_tie(k, e)
    reference = gambit_exact_floats(A, A)
    assert len(reference) == 2**k - 1  # every non-empty support of the block
    ours = [q.strategies for q in solve(Game(A, A))]
    # Probabilities are accurate to about 1e-16 / e (rounding of the payoffs' map onto [1, 2]).
    assert_same_profiles(ours, reference, atol=max(1e-12, 1e-15 / e))


# Gaps that are not powers of ten, on the edge search: before its entering columns were
# refined (polytopes._pivots) it missed the full-support equilibrium of (6, 1e-8) and
# others here, the pivot into it judged a non-candidate on an entry of the wrong sign.
@pytest.mark.parametrize("k, e", [(4, 2e-9), (5, 3e-9), (5, 2e-9), (6, 7e-9), (6, 3e-9)])
def test_near_ties_off_powers_of_ten_give_pygambits_exact_set_on_the_edge_search(k, e):
    A = near_tie(k, e)
    _, x, y = extreme_equilibria_batch(A[None], A[None], "search")
    assert_same_profiles(list(zip(x, y, strict=True)), gambit_exact_floats(A, A), atol=max(1e-12, 1e-15 / e))


@pytest.mark.parametrize("path", ["supports", "search"])
def test_both_vertex_paths_give_the_exact_set_on_3x3_near_ties(path):
    for e in (1e-4, 1e-7, 1e-9):
        A = np.ones((3, 3)) + e * np.eye(3)
        _, x, y = extreme_equilibria_batch(A[None], A[None], path)
        assert_same_profiles(list(zip(x, y, strict=True)), gambit_exact_floats(A, A), atol=max(1e-12, 1e-15 / e))


scales = st.sampled_from([1e-12, 1e-9, 1e-6, 1e-3, 1.0, 7.0, 1e3, 1e6, 1e9, 1e12])


@settings(max_examples=120, deadline=None)
@given(games(min_size=1, max_size=4), scales, scales, st.integers(-1000, 1000), st.integers(-1000, 1000))
def test_equilibria_are_invariant_to_positive_affine_maps_of_each_players_payoffs(game, a, b, c, d):
    A, B = game
    mapped = Game(a * A + c * a, b * B + d * b)
    for method in ("enumerate", "pure", "lemke_howson", "qre"):
        base = [e.strategies for e in solve(Game(A, B), method)]
        assert_same_profiles([e.strategies for e in solve(mapped, method)], base, atol=1e-9)


def test_tiny_and_huge_payoff_scales_keep_every_equilibrium():
    pennies = np.array([[1.0, -1.0], [-1.0, 1.0]])
    rps = np.array([[0.0, -1.0, 1.0], [1.0, 0.0, -1.0], [-1.0, 1.0, 0.0]])
    for s in (1e-12, 1e-9, 1e-8, 1e8, 1e12):
        (eq,) = solve(Game(s * pennies, -s * pennies))
        assert eq.strategies[0].tolist() == [0.5, 0.5]
        (eq,) = solve(Game(s * rps, -s * rps))
        np.testing.assert_allclose(eq.strategies[1], [1 / 3] * 3, atol=1e-15)
        assert len(solve(Game(s * np.eye(3), s * np.eye(3)))) == 7


def test_a_rounding_residue_beside_zero_is_a_tie_not_a_refusal():
    residue = np.array([[0.1 + 0.2 - 0.3, 1.0], [0.0, 0.5]])  # 5.55e-17 beside an exact 0
    tied = np.array([[0.0, 1.0], [0.0, 0.5]])
    assert residue[0, 0] != 0.0
    assert_same_profiles(
        [e.strategies for e in solve(Game(residue, residue))], [e.strategies for e in solve(Game(tied, tied))], atol=1e-12
    )


def test_rounding_noise_is_a_tie_not_a_refusal():
    noisy = np.array([[0.1 + 0.2, 0.0], [0.3, 1.0]])  # 0.30000000000000004 next to 0.3
    tied = np.array([[0.3, 0.0], [0.3, 1.0]])
    assert noisy[0, 0] != tied[0, 0]
    assert_same_profiles(
        [e.strategies for e in solve(Game(noisy, noisy))], [e.strategies for e in solve(Game(tied, tied))], atol=1e-12
    )


# The payoffs of Gambit's large-payoff test tree (+-1e19 next to +-1), as a tree of our own:
# P1 stays out (P1 gets 1, P2 1e19) or goes in; P2 then fights (P1 -1e19, P2 -1) or
# accommodates (P1 1e19, P2 1). In exact arithmetic P2 strictly prefers to accommodate.
LARGE = """EFG 2 R "Entry with payoffs of 1e19 and 1" { "Entrant" "Incumbent" }
""

p "" 1 1 "" { "out" "in" } 0
t "" 1 "stays out" { 1, 10000000000000000000 }
p "" 2 1 "" { "fight" "accommodate" } 0
t "" 2 "fought" { -10000000000000000000, -1 }
t "" 3 "accommodated" { 10000000000000000000, 1 }
"""


def test_the_float_path_refuses_payoffs_of_1e19_next_to_1_and_exact_mode_solves_them(tmp_path):
    from negsim.io.efg import read_efg
    from negsim.solvers.backward_induction import solve_extensive

    path = tmp_path / "large.efg"
    path.write_text(LARGE)
    tree = read_efg(path)
    with pytest.raises(SolverError, match=r"^the column player's payoffs -1\.0 and 1\.0 differ by 2, 2e-19 of their "
                                          r"range 1e\+19: float64 cannot resolve differences below 1e-10 of the range; "
                                          r"use exact=True$"):
        solve_extensive(tree, prune=False)
    exact = solve_extensive(tree, prune=False, exact=True)
    assert all(e.strategic.exact is not None and e.strategic.regret.tolist() == [0, 0] for e in exact)
    # In, accommodate (the entrant gets 1e19) and out with the incumbent fighting: its
    # fighting probability in the mixed one is exactly (1e19 - 1) / (2e19), not 1/2.
    profiles = sorted(tuple(e.strategic.exact[1]) for e in exact)
    assert profiles == [(0, 1), (Fraction(10**19 - 1, 2 * 10**19), Fraction(10**19 + 1, 2 * 10**19)), (1, 0)]
