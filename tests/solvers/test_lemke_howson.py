"""Lemke-Howson: closed forms per label, regret on random (degenerate) games, pygambit oracle,
termination where naive pivoting cycles, errors."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import gambit_equilibria, random_game
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from negsim.equilibrium import regret_tolerance, regrets
from negsim.errors import SolverError
from negsim.solvers import lemke_howson as lh
from negsim.solvers.lemke_howson import lemke_howson, lemke_howson_all, pivot_bound
from negsim.solvers.polytopes import unit_rescale

MATCHING_PENNIES = np.array([[1.0, -1.0], [-1.0, 1.0]])
ROCK_PAPER_SCISSORS = np.array([[0.0, -1.0, 1.0], [1.0, 0.0, -1.0], [-1.0, 1.0, 0.0]])

# von Stengel (2007), Figure 3.1: three equilibria; the middle one has index -1 and is not
# reachable from the artificial equilibrium, so Lemke-Howson finds only the other two.
VS_A = np.array([[3.0, 3.0], [2.0, 5.0], [0.0, 6.0]])
VS_B = np.array([[3.0, 2.0], [2.0, 6.0], [3.0, 1.0]])
VS_PURE = (np.array([1.0, 0.0, 0.0]), np.array([1.0, 0.0]))
VS_MIXED = (np.array([0.0, 1 / 3, 2 / 3]), np.array([1 / 3, 2 / 3]))
VS_UNREACHED = (np.array([0.8, 0.2, 0.0]), np.array([2 / 3, 1 / 3]))

# A degenerate 3x3 game found by random search over payoffs in {0, 1, 2}: from label 2,
# the minimum-ratio test with ties broken towards the last row returns to a basis it has
# visited after 9 pivots and cycles for ever (checked exactly below).
CYCLE_A = np.array([[1.0, 2.0, 2.0], [0.0, 0.0, 2.0], [2.0, 0.0, 0.0]])
CYCLE_B = np.array([[1.0, 2.0, 1.0], [2.0, 0.0, 1.0], [1.0, 1.0, 1.0]])
CYCLE_LABEL = 2

# nashpy issue #83: an 8x2 game on which nashpy's Lemke-Howson (then) failed from label 9.
ISSUE83_A = np.array(
    [[9.5, -7.8], [-9.6, 0.3], [-7.1, -1.4], [5.9, 7.6],
     [9, 0.3], [7.5, 6.9], [-3.1, 3.6], [-8.4, -3.7]]
)
ISSUE83_B = np.array(
    [[0.2, 0.6], [0.4, 0.1], [0.9, 0], [0.4, 0.1], [0.1, 0.2], [0.2, 0.1], [0.8, 1], [0.2, 0.4]]
)


def assert_equilibrium(A, B, x, y):
    """Probability vectors of the right shapes with regret within negsim's tolerance."""
    m, n = A.shape
    assert x.shape == (m,) and y.shape == (n,)
    assert x.dtype == float and y.dtype == float
    for p in (x, y):
        assert np.all(p >= 0.0) and abs(p.sum() - 1.0) < 1e-12
    assert np.all(regrets(A, B, x, y) <= regret_tolerance(A, B)), (A, B, x, y)


def same(p, q, tol: float = 1e-9) -> bool:
    """Two profiles (x, y) agree within ``tol``."""
    return all(np.allclose(a, b, atol=tol, rtol=0.0) for a, b in zip(p, q, strict=True))


def among(p, profiles, tol: float = 1e-6) -> bool:
    return any(same(p, q, tol) for q in profiles)


def naive_pivoting_cycles(A, B, label: int) -> bool:
    """Lemke-Howson with the plain minimum-ratio test (ties to the last row), run until it
    finishes (False) or revisits a state (True): the lexicographic test replaced."""
    m, n = A.shape
    tableaux = list(lh._tableaux(unit_rescale(A[None])[0], unit_rescale(B[None])[0]))
    bases = [list(range(m, m + n)), list(range(m))]
    side, entering = (0 if label < m else 1), label
    seen = set()
    while (state := (side, entering, frozenset(bases[0]), frozenset(bases[1]))) not in seen:
        seen.add(state)
        T = tableaux[side]
        rows = np.flatnonzero(T[:, entering] > 1e-9)
        ratios = T[rows, -1] / T[rows, entering]
        row = int(rows[ratios <= ratios.min() + 1e-9][-1])
        leaving = bases[side][row]
        tableaux[side] = lh._pivot(T, row, entering)
        bases[side][row] = entering
        if leaving == label:
            return False
        side, entering = 1 - side, leaving
    return True


# ---------------------------------------------------------------- known games


def test_matching_pennies_from_every_label_found_once():
    half = (np.full(2, 0.5), np.full(2, 0.5))
    for label in range(4):
        assert same(lemke_howson(MATCHING_PENNIES, -MATCHING_PENNIES, label), half, 1e-12)
    found = lemke_howson_all(MATCHING_PENNIES, -MATCHING_PENNIES)
    assert len(found) == 1 and same(found[0], half, 1e-12)


def test_coordination_game_each_label_reaches_the_pure_equilibrium_of_its_action():
    A = np.array([[2.0, 0.0], [0.0, 1.0]])
    e00 = (np.array([1.0, 0.0]), np.array([1.0, 0.0]))
    e11 = (np.array([0.0, 1.0]), np.array([0.0, 1.0]))
    # Dropping an action's label starts play there; the best replies then agree with it.
    for label, expected in [(0, e00), (1, e11), (2, e00), (3, e11)]:
        assert same(lemke_howson(A, A, label), expected), label
    found = lemke_howson_all(A, A)
    assert len(found) == 2 and same(found[0], e00) and same(found[1], e11)
    # The mixed equilibrium (1/3, 2/3) has index -1: Lemke-Howson from the origin misses it.
    assert not among((np.array([1 / 3, 2 / 3]), np.array([1 / 3, 2 / 3])), found)


@pytest.mark.parametrize("label", range(6))
def test_rock_paper_scissors_unique_mixed_equilibrium(label):
    x, y = lemke_howson(ROCK_PAPER_SCISSORS, -ROCK_PAPER_SCISSORS, label)
    assert same((x, y), (np.full(3, 1 / 3), np.full(3, 1 / 3)), 1e-12)


def test_von_stengel_example_per_label_and_the_unreachable_equilibrium():
    for label, expected in [(0, VS_PURE), (1, VS_MIXED), (2, VS_PURE), (3, VS_PURE), (4, VS_MIXED)]:
        assert same(lemke_howson(VS_A, VS_B, label), expected), label
    found = lemke_howson_all(VS_A, VS_B)
    assert len(found) == 2 and same(found[0], VS_PURE) and same(found[1], VS_MIXED)
    assert not among(VS_UNREACHED, found)
    assert among(VS_UNREACHED, gambit_equilibria(VS_A, VS_B))


def test_nashpy_issue_83_game_from_every_label():
    expected = (np.array([0, 0, 0, 0, 0.5, 0.5, 0, 0]), np.array([22 / 27, 5 / 27]))
    for label in range(10):
        assert same(lemke_howson(ISSUE83_A, ISSUE83_B, label), expected, 1e-12), label


# ---------------------------------------------------------------- degenerate games


def test_game_on_which_naive_pivoting_cycles_terminates_with_an_equilibrium():
    assert naive_pivoting_cycles(CYCLE_A, CYCLE_B, CYCLE_LABEL)
    assert not naive_pivoting_cycles(CYCLE_A, CYCLE_B, 0)  # the helper does finish
    for label in range(6):
        x, y = lemke_howson(CYCLE_A, CYCLE_B, label)
        assert_equilibrium(CYCLE_A, CYCLE_B, x, y)
        assert among((x, y), gambit_equilibria(CYCLE_A, CYCLE_B))


@pytest.mark.parametrize(
    "A, B",
    [
        (np.zeros((5, 5)), np.zeros((5, 5))),  # every profile is an equilibrium
        (np.ones((4, 6)), np.full((4, 6), 7.0)),
        (np.repeat([[1.0], [2.0], [2.0]], 4, axis=1), np.tile([[3.0, 3.0, 0.0, 3.0]], (3, 1))),
        (
            np.array([[1.0, 1.0], [1.0, 1.0], [0.0, 1.0]]),
            np.array([[0.0, 0.0], [0.0, 0.0], [0.0, 5.0]]),
        ),
        (np.array([[3.0]]), np.array([[-1.0]])),
        (np.array([[0.0, 2.0, 2.0]]), np.array([[1.0, 4.0, 4.0]])),
    ],
    ids=["all-zero", "all-equal", "constant-rows-and-columns", "tied-best-replies", "1x1", "1x3"],
)
def test_highly_degenerate_games_from_every_label(A, B):
    for label in range(sum(A.shape)):
        assert_equilibrium(A, B, *lemke_howson(A, B, label))


@st.composite
def square_ish_games(draw):
    """Games of 2x2..6x6 actions: floats, small integers, constant rows, or all equal."""
    m, n = draw(st.integers(2, 6)), draw(st.integers(2, 6))
    kind = draw(st.sampled_from(["float", "int012", "constant_rows", "all_equal"]))
    ints = st.integers(0, 2).map(float)
    if kind == "float":
        elems = st.floats(-100, 100, allow_nan=False, width=32)
        return tuple(draw(arrays(float, (m, n), elements=elems)) for _ in "AB")
    if kind == "all_equal":
        return np.full((m, n), draw(ints)), np.full((m, n), draw(ints))
    B = draw(arrays(float, (m, n), elements=ints))
    if kind == "int012":
        return draw(arrays(float, (m, n), elements=ints)), B
    return np.repeat(draw(arrays(float, (m, 1), elements=ints)), n, axis=1), B


@settings(max_examples=100, deadline=None)
@given(square_ish_games())
def test_every_label_terminates_at_an_equilibrium_on_random_games(game):
    A, B = game
    for label in range(sum(A.shape)):
        assert_equilibrium(A, B, *lemke_howson(A, B, label))


# ---------------------------------------------------------------- pygambit oracle


@pytest.mark.parametrize("degenerate", [False, True], ids=["nondegenerate", "degenerate"])
def test_every_result_is_an_extreme_equilibrium_found_by_pygambit(degenerate):
    rng = np.random.default_rng(83)
    for _ in range(40):
        m, n = rng.integers(2, 7, size=2)
        A, B = random_game(rng, m, n, degenerate)
        oracle = gambit_equilibria(A, B)
        for x, y in lemke_howson_all(A, B):
            assert among((x, y), oracle), (A, B, x, y)


# ---------------------------------------------------------------- errors and bounds


@pytest.mark.parametrize("label", [-1, 6, 1.0, "0"])
def test_bad_label_raises_solver_error(label):
    with pytest.raises(SolverError, match=r"0\.\.5 for a 3x3 game"):
        lemke_howson(ROCK_PAPER_SCISSORS, -ROCK_PAPER_SCISSORS, label)


def test_pivot_limit_raises_solver_error_naming_size_and_label():
    with pytest.raises(SolverError, match=r"3x3 game from label 4 .* 2 pivots"):
        lemke_howson(ROCK_PAPER_SCISSORS, -ROCK_PAPER_SCISSORS, 4, max_pivots=2)
    assert pivot_bound(3, 3) == 40 and pivot_bound(30, 30) == lh.MAX_PIVOTS


def test_numpy_integer_label_and_integer_payoffs_are_accepted():
    A = ROCK_PAPER_SCISSORS.astype(int)
    x, y = lemke_howson(A, -A, np.int64(3))
    assert same((x, y), (np.full(3, 1 / 3), np.full(3, 1 / 3)), 1e-12)
