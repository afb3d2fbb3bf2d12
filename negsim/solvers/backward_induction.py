"""Equilibria of extensive games: backward induction, and behaviour equilibria with beliefs.

*Perfect information* (every information set a single node; chance moves allowed):
:func:`backward_induction` computes a subgame-perfect equilibrium (Kuhn 1953; Selten
1965; Osborne & Rubinstein 1994, ch. 6) by valuing nodes from the leaves up: a chance
node is worth the probability-weighted values of its children, a decision node the value
of the child its player likes best. **Tie rule**: among actions whose value to the mover
is within the tolerance of the best (``tol`` times the payoff range, as in
:mod:`negsim.equilibrium`), the first in the node's action order is taken.
:func:`subgame_perfect_equilibria` returns every pure subgame-perfect profile instead,
branching on each tie (with generic payoffs there is exactly one).

*Imperfect information*: :func:`solve_extensive` first removes, round after round,
actions that are *conditionally dominated* whatever the beliefs (Fudenberg & Tirole 1991,
"Perfect Bayesian equilibrium and sequential equilibrium"; Shimoji & Watson 1998): action
``b`` of the mover at information set ``h`` goes when some action ``a`` at ``h`` leaves
the mover better off at every node of ``h`` however play continues (the worst payoff
below ``a`` beats the best payoff below ``b``). On perfect-information trees with generic
payoffs this is backward induction itself; in general it strikes out non-credible threats
(Nash equilibria that rely on them are lost, which is the point) and shrinks the reduced
strategic form. The remaining game's reduced strategic form is solved by a negsim solver
(``"enumerate"``: all its extreme equilibria, von Stengel 2002), each equilibrium is
converted to behaviour strategies (Kuhn 1953), mapped back to the full game, and checked
there for regret in :func:`negsim.equilibrium.verified`. :func:`assess` then computes the
beliefs at every reached information set by Bayes' rule and checks *sequential rationality
on the path*: at each reached information set, the mover's expected payoff given those
beliefs and the continuation play is the best any action there can achieve (the value of
an action assumes the mover continues optimally afterwards: the equilibrium does not say
how a player moves after their own off-path deviation). Off the path beliefs are left
undefined (Kreps & Wilson 1982 would pin them down by consistency).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np

from negsim.equilibrium import DEFAULT_TOL, Equilibrium, verified
from negsim.errors import SolverError
from negsim.games.extensive import (
    Behavior,
    Chance,
    Decision,
    ExtensiveGame,
    Profile,
    Terminal,
    behavior_to_mixed,
    check_profile,
    is_perfect_information,
    mixed_to_behavior,
    node_reach,
    node_values,
    outcome_probabilities,
    payoff_range,
    realization_plan,
    reduced_strategic_form,
)

#: Pure subgame-perfect profiles enumerated at most (ties multiply them).
MAX_PROFILES = 10_000


def _readonly(a, dtype=float) -> np.ndarray:
    arr = np.array(a, dtype=dtype)
    arr.setflags(write=False)
    return arr


def _tolerance(game: ExtensiveGame, tol: float) -> float:
    """Absolute tolerance: ``tol`` times the largest payoff spread (at least ``tol``)."""
    return tol * max(payoff_range(game), 1.0)


# --------------------------------------------------------------------------- perfect information


@dataclass(frozen=True, eq=False)
class SubgamePerfect:
    """A pure subgame-perfect equilibrium of a perfect-information game.

    Attributes
    ----------
    actions : tuple of numpy.ndarray of intp
        The action each player takes at each of their information sets (nodes),
        shapes (H0,) and (H1,).
    behavior : tuple of tuple of numpy.ndarray
        The same as a (degenerate) behaviour profile.
    values : numpy.ndarray, shape (N, 2)
        Both players' expected payoff in the subgame at each node, payoff units.
    payoffs : numpy.ndarray, shape (2,)
        Expected payoffs of the whole game (``values[0]``).
    """

    actions: tuple[np.ndarray, np.ndarray]
    behavior: Profile
    values: np.ndarray
    payoffs: np.ndarray


def _require_perfect_information(game: ExtensiveGame) -> None:
    if not is_perfect_information(game):
        big = next(i for p in (0, 1) for i in game.infosets[p] if len(i.nodes) > 1)
        raise SolverError(
            f"backward induction needs perfect information, but information set {big.key!r} "
            f"of '{game.title}' has {len(big.nodes)} nodes; use solve_extensive"
        )


def _profile_from_choices(game: ExtensiveGame, choice: dict[int, int]) -> SubgamePerfect:
    """Build the result from the action chosen at every decision node."""
    acts = [np.zeros(len(game.infosets[p]), dtype=np.intp) for p in (0, 1)]
    for n, a in choice.items():
        acts[game.nodes[n].player][game.node_infoset[n]] = a
    behavior = (
        tuple(_readonly(np.eye(len(i.actions))[a]) for i, a in zip(game.infosets[0], acts[0], strict=True)),
        tuple(_readonly(np.eye(len(i.actions))[a]) for i, a in zip(game.infosets[1], acts[1], strict=True)),
    )
    values = node_values(game, behavior)
    values.setflags(write=False)
    return SubgamePerfect(
        (_readonly(acts[0], np.intp), _readonly(acts[1], np.intp)), behavior, values, values[0]
    )


def _alternatives(game: ExtensiveGame, tol: float, first_only: bool, limit: int):
    """Subgame-perfect (value, choices) pairs of the whole tree, built from the leaves up."""
    eps = _tolerance(game, tol)
    alts: list[list | None] = [None] * len(game.nodes)
    for n in reversed(range(len(game.nodes))):
        node, kids = game.nodes[n], game.children[n]
        if isinstance(node, Terminal):
            alts[n] = [(node.payoffs, {})]
            continue
        combos = [next(iter(product(*(alts[c] for c in kids))))] if first_only else product(*(alts[c] for c in kids))
        out = []
        for combo in combos:
            merged = {k: v for _, ch in combo for k, v in ch.items()}
            vals = np.array([v for v, _ in combo])
            if isinstance(node, Chance):
                out.append((node.probs @ vals, merged))
            else:
                mine = vals[:, node.player]
                best = np.flatnonzero(mine >= mine.max() - eps)
                out.extend((vals[a], {**merged, n: int(a)}) for a in (best[:1] if first_only else best))
            if len(out) > limit:
                raise SolverError(
                    f"more than {limit} pure subgame-perfect profiles in '{game.title}' (payoff ties); "
                    f"raise the limit or use backward_induction for one"
                )
        for c in kids:
            alts[c] = None  # free memory as we climb
        alts[n] = out
    return alts[0]


def backward_induction(game: ExtensiveGame, *, tol: float = DEFAULT_TOL) -> SubgamePerfect:
    """The subgame-perfect equilibrium of a perfect-information game found by backward induction.

    Parameters
    ----------
    game : ExtensiveGame
        With perfect information (chance nodes allowed).
    tol : float
        Values within ``tol`` times the payoff range count as ties; ties go to the
        first action in the node's order.

    Raises
    ------
    SolverError
        If some information set has more than one node.
    """
    _require_perfect_information(game)
    [(_, choice)] = _alternatives(game, tol, first_only=True, limit=1)
    return _profile_from_choices(game, choice)


def subgame_perfect_equilibria(
    game: ExtensiveGame, *, tol: float = DEFAULT_TOL, limit: int = MAX_PROFILES
) -> list[SubgamePerfect]:
    """All pure subgame-perfect equilibria of a perfect-information game.

    Returns
    -------
    list of SubgamePerfect
        One per way of breaking the ties (values within ``tol`` times the payoff range);
        the first is the one :func:`backward_induction` returns.

    Raises
    ------
    SolverError
        Without perfect information, or with more than ``limit`` profiles.
    """
    _require_perfect_information(game)
    return [_profile_from_choices(game, ch) for _, ch in _alternatives(game, tol, False, limit)]


# --------------------------------------------------------------------------- conditional dominance


@dataclass(frozen=True, eq=False)
class Pruned:
    """A game with conditionally dominated actions removed, and the way back.

    Attributes
    ----------
    game : ExtensiveGame
        The smaller game (same information set keys, fewer actions).
    original : ExtensiveGame
    kept : tuple of tuple of numpy.ndarray of intp
        For each player and each information set of ``original``, the indices of the
        actions that survive (all of them at sets the pruning did not touch).
    """

    game: ExtensiveGame
    original: ExtensiveGame
    kept: tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]


def _payoff_bounds(game: ExtensiveGame) -> tuple[np.ndarray, np.ndarray]:
    """Smallest and largest payoff of each player below each node, shapes (N, 2)."""
    N = len(game.nodes)
    lo, hi = np.zeros((N, 2)), np.zeros((N, 2))
    for n in reversed(range(N)):
        node, kids = game.nodes[n], list(game.children[n])
        if isinstance(node, Terminal):
            lo[n] = hi[n] = node.payoffs
        else:
            live = kids if isinstance(node, Decision) else [c for c, p in zip(kids, node.probs, strict=True) if p > 0]
            lo[n], hi[n] = lo[live].min(axis=0), hi[live].max(axis=0)
    return lo, hi


def _dominated(game: ExtensiveGame, eps: float) -> dict[str, np.ndarray]:
    """Surviving local action indices at each information set that loses an action."""
    lo, hi = _payoff_bounds(game)
    out = {}
    for p in (0, 1):
        for info in game.infosets[p]:
            kids = np.array([game.children[n] for n in info.nodes])  # (nodes, actions)
            worst, best = lo[kids, p], hi[kids, p]
            beats = np.all(worst[:, :, None] > best[:, None, :] + eps, axis=0)  # a beats b
            gone = beats.any(axis=0)
            if gone.any():
                out[info.key] = np.flatnonzero(~gone)
    return out


def _rebuild(game: ExtensiveGame, keep: dict[str, np.ndarray]) -> ExtensiveGame:
    """The game with only the kept actions at the named information sets."""
    built: list = [None] * len(game.nodes)
    for n in reversed(range(len(game.nodes))):
        node, kids = game.nodes[n], game.children[n]
        if isinstance(node, Terminal):
            built[n] = node
        elif isinstance(node, Chance):
            built[n] = Chance(node.actions, node.probs, tuple(built[c] for c in kids), node.label)
        else:
            idx = keep.get(node.infoset, range(len(node.actions)))
            built[n] = Decision(
                node.player, node.infoset, tuple(node.actions[a] for a in idx),
                tuple(built[kids[a]] for a in idx), node.label,
            )
    return ExtensiveGame(built[0], game.players, game.title, game.comment, game.feature_names)


def prune_dominated(game: ExtensiveGame, *, tol: float = DEFAULT_TOL) -> Pruned:
    """Remove conditionally dominated actions, round after round, until none is left.

    Parameters
    ----------
    game : ExtensiveGame
    tol : float
        An action must lose by more than ``tol`` times the payoff range at every node.

    Returns
    -------
    Pruned
        Equilibria of ``Pruned.game`` are equilibria of ``game`` (the removed actions
        are worse whatever the beliefs and the continuation), which also satisfy
        sequential rationality at every information set where an action was removed.
    """
    eps = _tolerance(game, tol)
    kept = {i.key: np.arange(len(i.actions)) for p in (0, 1) for i in game.infosets[p]}
    current = game
    while True:
        drop = _dominated(current, eps)
        if not drop:
            break
        for key, idx in drop.items():
            kept[key] = kept[key][idx]
        current = _rebuild(current, drop)
    return Pruned(
        current, game,
        tuple(tuple(_readonly(kept[i.key], np.intp) for i in game.infosets[p]) for p in (0, 1)),  # type: ignore[arg-type]
    )


def _identity(game: ExtensiveGame) -> Pruned:
    return Pruned(
        game, game,
        tuple(tuple(_readonly(np.arange(len(i.actions)), np.intp) for i in game.infosets[p]) for p in (0, 1)),  # type: ignore[arg-type]
    )


def expand_behavior(pruned: Pruned, profile, defined=None) -> tuple[Profile, tuple[np.ndarray, np.ndarray]]:
    """Map a behaviour profile of ``pruned.game`` to ``pruned.original``.

    Parameters
    ----------
    profile : behaviour profile of the pruned game
    defined : pair of bool arrays over the pruned game's information sets, optional
        Where the profile is determined (see :func:`~negsim.games.extensive.mixed_to_behavior`).

    Returns
    -------
    profile : behaviour profile of the original game
        Removed actions get probability 0. Information sets that vanished with a
        removed action play their one surviving action, or mix uniformly over the
        survivors if several are left (they are never reached).
    defined : tuple of numpy.ndarray of bool, shapes (H0,) and (H1,)
        Where the behaviour is determined: by the profile, or by a single survivor.
    """
    small, big = pruned.game, pruned.original
    out, mask = [], []
    for p in (0, 1):
        where = {info.key: h for h, info in enumerate(small.infosets[p])}
        beh, det = [], []
        for info, kept in zip(big.infosets[p], pruned.kept[p], strict=True):
            b = np.zeros(len(info.actions))
            h = where.get(info.key)
            if h is None:
                b[kept] = 1.0 / len(kept)
                det.append(len(kept) == 1)
            else:
                b[kept] = profile[p][h]
                det.append(len(kept) == 1 or defined is None or bool(defined[p][h]))
            beh.append(_readonly(b))
        out.append(tuple(beh))
        mask.append(_readonly(det, bool))
    return (out[0], out[1]), (mask[0], mask[1])


# --------------------------------------------------------------------------- beliefs and sequential rationality


@dataclass(frozen=True, eq=False)
class Assessment:
    """A behaviour profile with Bayes beliefs and the sequential-rationality check on the path.

    Per player ``p`` and information set ``h`` (arrays in tuples indexed ``[p][h]``):

    Attributes
    ----------
    behavior : tuple of tuple of numpy.ndarray
    infoset_prob : tuple of numpy.ndarray
        Probability that play reaches each information set, shapes (H0,), (H1,).
    beliefs : tuple of tuple of numpy.ndarray
        Probability of each node of ``h`` given that ``h`` is reached (order of
        ``InfoSet.nodes``); NaN where ``h`` is not reached.
    action_values : tuple of tuple of numpy.ndarray
        The mover's expected payoff of each action at ``h`` given the beliefs, the
        opponent's and chance's continuation play, and the mover's best continuation
        (payoff units); NaN where ``h`` is not reached.
    regret : tuple of numpy.ndarray
        Best action value minus the value of the profile's own play at ``h``
        (0 where not reached).
    tolerance : float
        Absolute tolerance of the check (``tol`` times the payoff range).
    sequentially_rational : bool
        True when every regret is within the tolerance.
    """

    behavior: Profile
    infoset_prob: tuple[np.ndarray, np.ndarray]
    beliefs: tuple
    action_values: tuple
    regret: tuple[np.ndarray, np.ndarray]
    tolerance: float
    sequentially_rational: bool


def _sequence_values(game: ExtensiveGame, p: int, weight_t: np.ndarray, behavior: Behavior):
    """Values of the player's sequences: with the profile's own play and with the best one.

    ``weight_t`` is the probability chance and the opponent reach each terminal (T,).
    Returns ``actual`` and ``best``, shape (n_sequences[p],): expected payoff of the
    terminals below each sequence, weighted by ``weight_t``, unnormalised.
    """
    t = game.terminals
    base = np.bincount(
        game.node_sequence[p, t], weights=weight_t * game.terminal_payoffs[:, p],
        minlength=game.n_sequences[p],
    )
    actual, best = base.copy(), base.copy()
    for info, b in zip(reversed(game.infosets[p]), reversed(behavior), strict=True):
        actual[info.parent_sequence] += b @ actual[info.sequences]
        best[info.parent_sequence] += best[info.sequences].max()
    return actual, best


def assess(game: ExtensiveGame, profile, *, tol: float = DEFAULT_TOL) -> Assessment:
    """Beliefs by Bayes' rule and the sequential-rationality check on the path of play.

    Parameters
    ----------
    game : ExtensiveGame
    profile : pair of behaviour strategies
    tol : float
        Relative tolerance (times the payoff range).
    """
    profile = check_profile(game, profile)
    eps = _tolerance(game, tol)
    plans = [realization_plan(game, p, profile[p]) for p in (0, 1)]
    probs, beliefs, values, regrets = [], [], [], []
    for p in (0, 1):
        q = 1 - p
        other = game.chance_reach * plans[q][game.node_sequence[q]]  # (N,) reach by chance and opponent
        actual, best = _sequence_values(game, p, other[game.terminals], profile[p])
        pr, bel, val, reg = [], [], [], []
        for info, b in zip(game.infosets[p], profile[p], strict=True):
            w = other[info.nodes]
            mass = w.sum()
            reach = mass * plans[p][info.parent_sequence]
            pr.append(reach)
            if reach <= 1e-12:
                bel.append(_readonly(np.full(len(w), np.nan)))
                val.append(_readonly(np.full(len(b), np.nan)))
                reg.append(0.0)
                continue
            v = best[info.sequences] / mass
            bel.append(_readonly(w / mass))
            val.append(_readonly(v))
            reg.append(max(float(v.max() - b @ actual[info.sequences] / mass), 0.0))
        probs.append(_readonly(pr))
        beliefs.append(tuple(bel))
        values.append(tuple(val))
        regrets.append(_readonly(reg))
    ok = all(np.all(r <= eps) for r in regrets)
    return Assessment(
        profile, (probs[0], probs[1]), tuple(beliefs), tuple(values), (regrets[0], regrets[1]), eps, ok
    )


# --------------------------------------------------------------------------- imperfect information


@dataclass(frozen=True, eq=False)
class BehaviorEquilibrium:
    """A Nash equilibrium of an extensive game in behaviour strategies, with its assessment.

    Attributes
    ----------
    behavior : tuple of tuple of numpy.ndarray
        ``behavior[p][h]``: probabilities of player ``p``'s actions at information set ``h``.
    defined : tuple of numpy.ndarray of bool
        Where the behaviour is determined; elsewhere (information sets the player's own
        moves exclude) it is a uniform placeholder.
    payoffs : numpy.ndarray, shape (2,)
        Expected payoffs, payoff units.
    outcomes : dict of str to float
        Probability of each terminal label.
    assessment : Assessment
        Beliefs and the sequential-rationality check on the path.
    strategic : Equilibrium
        The profile as mixed strategies of the game's reduced strategic form, with its
        checked regret.
    """

    behavior: Profile
    defined: tuple[np.ndarray, np.ndarray]
    payoffs: np.ndarray
    outcomes: dict[str, float]
    assessment: Assessment
    strategic: Equilibrium

    @property
    def sequentially_rational(self) -> bool:
        """True when play at every reached information set is optimal given the beliefs."""
        return self.assessment.sequentially_rational


def _key(profile: Profile) -> tuple:
    return tuple(np.round(np.concatenate([b for beh in profile for b in beh]), 9) + 0.0)


def solve_extensive(
    game: ExtensiveGame,
    method: str = "enumerate",
    *,
    prune: bool = True,
    tol: float = DEFAULT_TOL,
    exact: bool = False,
) -> list[BehaviorEquilibrium]:
    """Equilibria of an extensive game in behaviour strategies, with beliefs.

    Parameters
    ----------
    game : ExtensiveGame
        Any two-player game with perfect recall.
    method : str
        A solver of :func:`negsim.solvers.solve` for the reduced strategic form;
        ``"enumerate"`` finds all its extreme equilibria.
    prune : bool
        Remove conditionally dominated actions first (see the module docstring). With
        ``prune=False`` every extreme equilibrium of the full reduced strategic form is
        returned, non-credible threats included.
    tol : float
        Relative tolerance for dominance, regret and sequential rationality.
    exact : bool
        Solve the reduced strategic form in rational arithmetic (see
        :func:`negsim.solvers.solve`), e.g. for payoffs float64 cannot resolve; needs
        ``prune=False``. Each result's ``strategic`` equilibrium then carries its fractions.

    Returns
    -------
    list of BehaviorEquilibrium
        Distinct behaviour profiles (mixed strategies with the same behaviour are
        reported once), each checked for regret on the full game's reduced strategic form.

    Raises
    ------
    SolverError
        If the (pruned) reduced strategic form is too large for the method, or (float
        path) its payoffs cannot be resolved in float64.
    """
    from negsim.solvers import solve  # negsim.solvers imports nothing from here

    pruned = prune_dominated(game, tol=tol) if prune else _identity(game)
    form = reduced_strategic_form(pruned.game)
    if exact and prune:
        raise SolverError("exact=True needs prune=False (pruning compares payoffs in floating point)")
    seen, profiles, masks, strategic = set(), [], [], []
    for eq in solve(form, method, tol=tol, exact=exact):
        beh = [mixed_to_behavior(pruned.game, p, eq.strategies[p]) for p in (0, 1)]
        profile, defined = expand_behavior(
            pruned, (beh[0][0], beh[1][0]), (beh[0][1], beh[1][1])
        )
        key = _key(profile)
        if key not in seen:
            seen.add(key)
            profiles.append(profile)
            masks.append(defined)
            strategic.append(eq)
    full = reduced_strategic_form(game) if prune else form
    mixed = [tuple(behavior_to_mixed(game, p, prof[p]) for p in (0, 1)) for prof in profiles]
    checked = strategic if exact else verified(full.A, full.B, mixed, method=f"{method} (extensive form)", tol=tol)
    return [
        BehaviorEquilibrium(
            prof, mask, eq.payoffs, outcome_probabilities(game, prof), assess(game, prof, tol=tol), eq
        )
        for prof, mask, eq in zip(profiles, masks, checked, strict=True)
    ]


def describe(game: ExtensiveGame, profile, *, defined=None, digits: int = 3) -> str:
    """A plain-text table: who does what, with what probability, and what follows.

    One line per information set (player, key, probability of reaching it, then each
    action's probability; ``-`` where the behaviour is not determined), then the
    probability of each outcome label and the expected payoffs.
    """
    profile = check_profile(game, profile)
    reach = node_reach(game, profile)
    lines = []
    for p in (0, 1):
        for h, (info, b) in enumerate(zip(game.infosets[p], profile[p], strict=True)):
            det = defined is None or bool(defined[p][h])
            acts = "  ".join(
                f"{a} {pr:.{digits}f}" if det else f"{a} -" for a, pr in zip(info.actions, b, strict=True)
            )
            lines.append(
                f"{game.players[p]:>6} | {info.key} [reached {reach[info.nodes].sum():.{digits}f}] | {acts}"
            )
    for label, pr in outcome_probabilities(game, profile).items():
        if pr > 10 ** -(digits + 1):
            lines.append(f"{'':>6} | P({label}) = {pr:.{digits}f}")
    pay = reach[game.terminals] @ game.terminal_payoffs
    lines.append(f"{'':>6} | expected payoffs: {game.players[0]} {pay[0]:.{digits}f}, {game.players[1]} {pay[1]:.{digits}f}")
    return "\n".join(lines)
