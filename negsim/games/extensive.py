"""Two-player extensive-form games: trees, information sets, and their strategic forms.

A game is a tree of three kinds of node: :class:`Decision` (a player moves; nodes that
share an ``infoset`` key are indistinguishable to the mover), :class:`Chance` (nature
draws an action with given probabilities, e.g. a player's private type) and
:class:`Terminal` (payoffs of both players, optionally with the outcome features they were
computed from, see :func:`terminal_from_features`). :class:`ExtensiveGame` validates the
tree, requires perfect recall, and flattens it into arrays in prefix order.

Strategies are handled through the *sequence form* (Koller, Megiddo & von Stengel 1996;
von Stengel 2002, "Computing equilibria for two-person games", Handbook of Game Theory
vol. 3, ch. 45). A *sequence* of a player is the empty sequence (index 0) or a pair
(information set ``h``, action ``a``), index ``1 + offset[h] + a``; with perfect recall
it stands for the whole list of the player's own moves leading to and including it.

* A *reduced* pure strategy names an action at each information set that the player's own
  earlier actions do not exclude; it is an integer array over the player's information
  sets with ``-1`` where it names nothing (Gambit's ``*``).
* A *behaviour strategy* gives a probability vector at each information set: a tuple of
  arrays, ``behavior[h]`` of shape (actions at ``h``,).
* A *realization plan* ``r`` gives each sequence the probability that the player's own
  moves follow it: shape (sequences,). Both kinds of strategy map to one, and two
  strategies with the same plan are equivalent whatever the opponent does (Kuhn 1953).

The reduced strategic form is ``A = R0 @ Aseq @ R1.T``, where ``R_p`` (strategies x
sequences) marks the sequences each reduced strategy follows and ``Aseq`` sums the
chance-weighted payoffs of the terminals by their pair of sequences.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from negsim.errors import GameFormatError, SolverError
from negsim.game import Game

#: Chance probabilities must sum to one within this (absolute).
PROB_TOL = 1e-9
#: Reduced strategic forms with more pure strategies per player than this are refused.
MAX_STRATEGIES = 50_000

Behavior = tuple[np.ndarray, ...]
Profile = tuple[Behavior, Behavior]


def _readonly(a, dtype=float) -> np.ndarray:
    arr = np.array(a, dtype=dtype)
    arr.setflags(write=False)
    return arr


def _labels(items, what: str) -> tuple[str, ...]:
    labels = tuple(str(s) for s in items)
    if not labels:
        raise GameFormatError(f"{what}: needs at least one action")
    if len(set(labels)) != len(labels):
        raise GameFormatError(f"{what}: duplicate action labels {list(labels)}")
    return labels


@dataclass(frozen=True, eq=False)
class Terminal:
    """An end of play.

    Parameters
    ----------
    payoffs : array_like, shape (2,)
        Payoffs of player 0 and player 1, in payoff units.
    label : str
        What happens (the outcome's name).
    features : array_like, shape (K,), optional
        The outcome features the payoffs were computed from (units of the game's
        ``feature_names``), or ``None``.
    sources : tuple of str
        Evidence IDs behind the outcome's coding.
    """

    payoffs: np.ndarray
    label: str = ""
    features: np.ndarray | None = None
    sources: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        try:
            pay = np.array(self.payoffs, dtype=float)
        except (TypeError, ValueError):
            raise GameFormatError(f"terminal {self.label!r}: payoffs are not numeric") from None
        if pay.shape != (2,) or not np.all(np.isfinite(pay)):
            raise GameFormatError(
                f"terminal {self.label!r}: expected 2 finite payoffs, got {pay.tolist()}"
            )
        pay.setflags(write=False)
        object.__setattr__(self, "payoffs", pay)
        if self.features is not None:
            feat = np.array(self.features, dtype=float)
            if feat.ndim != 1 or not np.all(np.isfinite(feat)):
                raise GameFormatError(
                    f"terminal {self.label!r}: features must be a 1-D array of finite numbers"
                )
            feat.setflags(write=False)
            object.__setattr__(self, "features", feat)
        object.__setattr__(self, "sources", tuple(self.sources))


@dataclass(frozen=True, eq=False)
class Chance:
    """A move of nature.

    Parameters
    ----------
    actions : tuple of str
        Labels of nature's actions (unique).
    probs : array_like, shape (k,)
        Their probabilities: non-negative, summing to one within ``PROB_TOL``.
    children : tuple of nodes
        The node each action leads to.
    label : str
        Name of the node.
    """

    actions: tuple[str, ...]
    probs: np.ndarray
    children: tuple
    label: str = ""

    def __post_init__(self) -> None:
        what = f"chance node {self.label!r}"
        object.__setattr__(self, "actions", _labels(self.actions, what))
        object.__setattr__(self, "children", tuple(self.children))
        try:
            p = np.array(self.probs, dtype=float)
        except (TypeError, ValueError):
            raise GameFormatError(f"{what}: probabilities are not numeric") from None
        if p.shape != (len(self.actions),):
            raise GameFormatError(
                f"{what}: {p.size} probabilities for {len(self.actions)} actions"
            )
        if not np.all(np.isfinite(p)) or np.any(p < 0):
            raise GameFormatError(f"{what}: probabilities must be finite and >= 0, got {p.tolist()}")
        if abs(p.sum() - 1.0) > PROB_TOL:
            raise GameFormatError(f"{what}: probabilities sum to {p.sum():.12g}, not 1")
        p.setflags(write=False)
        object.__setattr__(self, "probs", p)
        if len(self.children) != len(self.actions):
            raise GameFormatError(
                f"{what}: {len(self.children)} children for {len(self.actions)} actions"
            )


@dataclass(frozen=True, eq=False)
class Decision:
    """A move of a player.

    Parameters
    ----------
    player : int
        0 or 1.
    infoset : str
        Information set key: nodes with the same key are indistinguishable to the mover,
        so they must have the same player and the same actions.
    actions : tuple of str
        Labels of the player's actions (unique).
    children : tuple of nodes
        The node each action leads to.
    label : str
        Name of the node.
    """

    player: int
    infoset: str
    actions: tuple[str, ...]
    children: tuple
    label: str = ""

    def __post_init__(self) -> None:
        what = f"decision node {self.label!r} (information set {self.infoset!r})"
        if self.player not in (0, 1):
            raise GameFormatError(f"{what}: player must be 0 or 1, got {self.player!r}")
        object.__setattr__(self, "infoset", str(self.infoset))
        object.__setattr__(self, "actions", _labels(self.actions, what))
        object.__setattr__(self, "children", tuple(self.children))
        if len(self.children) != len(self.actions):
            raise GameFormatError(
                f"{what}: {len(self.children)} children for {len(self.actions)} actions"
            )


Node = Decision | Chance | Terminal


@dataclass(frozen=True, eq=False)
class InfoSet:
    """An information set of one player.

    Attributes
    ----------
    player : int
    key : str
        The key its decision nodes share.
    actions : tuple of str
    nodes : numpy.ndarray of intp
        Its nodes (indices into :attr:`ExtensiveGame.nodes`), in prefix order.
    parent_sequence : int
        The player's sequence that leads to it (0: no earlier own move).
    first_sequence : int
        Sequence index of its first action; action ``a`` is ``first_sequence + a``.
    """

    player: int
    key: str
    actions: tuple[str, ...]
    nodes: np.ndarray
    parent_sequence: int
    first_sequence: int

    @property
    def sequences(self) -> slice:
        """Slice of the player's sequences ``(h, a)`` for the actions of this set."""
        return slice(self.first_sequence, self.first_sequence + len(self.actions))


def _flatten(root: Node):
    """Nodes in prefix order with parent links, iteratively (deep trees are fine)."""
    nodes, parent, parent_action = [], [], []
    stack = [(root, -1, -1)]
    while stack:
        node, par, act = stack.pop()
        if not isinstance(node, (Decision, Chance, Terminal)):
            raise GameFormatError(
                f"game tree: expected a Decision, Chance or Terminal node, got {type(node).__name__}"
            )
        parent.append(par)
        parent_action.append(act)
        nodes.append(node)
        idx = len(nodes) - 1
        if not isinstance(node, Terminal):
            stack.extend((c, idx, a) for a, c in reversed(list(enumerate(node.children))))
    return nodes, np.array(parent, dtype=np.intp), np.array(parent_action, dtype=np.intp)


def _own_history(nodes, parent, parent_action, n: int, p: int) -> str:
    """Player ``p``'s own moves before node ``n``, as text for error messages."""
    moves = []
    while parent[n] >= 0:
        par = nodes[parent[n]]
        if isinstance(par, Decision) and par.player == p:
            moves.append(f"{par.infoset}={par.actions[parent_action[n]]}")
        n = parent[n]
    return "[" + ", ".join(reversed(moves)) + "]"


@dataclass(frozen=True, eq=False)
class ExtensiveGame:
    """A finite two-player game in extensive form with perfect recall.

    Parameters
    ----------
    root : Decision, Chance or Terminal
        The tree.
    players : tuple of str
        Names of player 0 and player 1.
    title : str
        A short description.
    comment : str
        A longer note (kept in ``.efg`` files).
    feature_names : tuple of str
        Names of the outcome features carried by terminals (empty if none do); when
        given, every terminal must carry a feature vector of this length.

    Attributes
    ----------
    nodes : tuple of nodes
        All nodes in prefix order (a node, then the subtrees of its children in order).
    parent, parent_action : numpy.ndarray of intp, shape (N,)
        Index of each node's parent and of the action leading to it (-1 at the root).
    children : tuple of tuple of int
        Indices of each node's children.
    infosets : tuple of (tuple of InfoSet, tuple of InfoSet)
        Each player's information sets, in order of first appearance.
    node_infoset : numpy.ndarray of intp, shape (N,)
        Index of each decision node's information set among its player's (-1 otherwise).
    node_sequence : numpy.ndarray of intp, shape (2, N)
        Each player's sequence leading to each node (the player's last move before it).
    chance_reach : numpy.ndarray, shape (N,)
        Product of chance probabilities on the path to each node.
    terminals : numpy.ndarray of intp, shape (T,)
        Indices of the terminal nodes, in prefix order.
    terminal_payoffs : numpy.ndarray, shape (T, 2)
    n_sequences : tuple of int
        Number of sequences of each player (the empty one included).

    Raises
    ------
    GameFormatError
        If nodes of an information set differ in player or actions, a terminal lacks
        features the game names, or a player could forget their own earlier moves
        (imperfect recall, absent-mindedness included).
    """

    root: Node
    players: tuple[str, str] = ("Player 1", "Player 2")
    title: str = "Untitled game"
    comment: str = ""
    feature_names: tuple[str, ...] = ()
    nodes: tuple = field(init=False, repr=False)
    parent: np.ndarray = field(init=False, repr=False)
    parent_action: np.ndarray = field(init=False, repr=False)
    children: tuple = field(init=False, repr=False)
    infosets: tuple = field(init=False, repr=False)
    node_infoset: np.ndarray = field(init=False, repr=False)
    node_sequence: np.ndarray = field(init=False, repr=False)
    chance_reach: np.ndarray = field(init=False, repr=False)
    terminals: np.ndarray = field(init=False, repr=False)
    terminal_payoffs: np.ndarray = field(init=False, repr=False)
    n_sequences: tuple = field(init=False, repr=False)

    def __post_init__(self) -> None:
        players = tuple(str(p) for p in self.players)
        if len(players) != 2:
            raise GameFormatError(f"game '{self.title}': expected 2 players, got {len(players)}")
        object.__setattr__(self, "players", players)
        object.__setattr__(self, "feature_names", tuple(self.feature_names))
        nodes, parent, parent_action = _flatten(self.root)
        N = len(nodes)
        children: list[list[int]] = [[] for _ in range(N)]
        for n in range(1, N):
            children[parent[n]].append(n)
        node_infoset = np.full(N, -1, dtype=np.intp)
        node_sequence = np.zeros((2, N), dtype=np.intp)
        chance_reach = np.ones(N)
        keys: dict[str, tuple[int, int]] = {}  # key -> (player, index)
        members: list[list[list[int]]] = [[], []]
        info_meta: list[list[tuple]] = [[], []]  # (key, actions, parent_sequence, first)
        n_seq = [1, 1]
        for n, node in enumerate(nodes):
            par = parent[n]
            if par >= 0:
                node_sequence[:, n] = node_sequence[:, par]
                parent_node = nodes[par]
                a = parent_action[n]
                if isinstance(parent_node, Decision):
                    p = parent_node.player
                    node_sequence[p, n] = info_meta[p][node_infoset[par]][3] + a
                    chance_reach[n] = chance_reach[par]
                else:
                    chance_reach[n] = chance_reach[par] * parent_node.probs[a]
            if not isinstance(node, Decision):
                continue
            p = node.player
            if node.infoset not in keys:
                keys[node.infoset] = (p, len(info_meta[p]))
                info_meta[p].append((node.infoset, node.actions, node_sequence[p, n], n_seq[p]))
                members[p].append([])
                n_seq[p] += len(node.actions)
            q, h = keys[node.infoset]
            key, actions, seq, _ = info_meta[q][h]
            if q != p:
                raise GameFormatError(
                    f"information set {key!r}: its nodes belong to different players "
                    f"({players[q]} and {players[p]})"
                )
            if node.actions != actions:
                raise GameFormatError(
                    f"information set {key!r}: its nodes have different actions "
                    f"({list(actions)} and {list(node.actions)})"
                )
            if node_sequence[p, n] != seq:
                first = members[p][h][0]
                raise GameFormatError(
                    f"information set {key!r} of {players[p]}: its nodes follow different own "
                    f"moves {_own_history(nodes, parent, parent_action, first, p)} "
                    f"and {_own_history(nodes, parent, parent_action, n, p)}; "
                    f"negsim needs perfect recall"
                )
            node_infoset[n] = h
            members[p][h].append(n)
        infosets = tuple(
            tuple(
                InfoSet(p, key, actions, _readonly(members[p][h], np.intp), int(seq), first)
                for h, (key, actions, seq, first) in enumerate(info_meta[p])
            )
            for p in (0, 1)
        )
        terminals = np.array([n for n, node in enumerate(nodes) if isinstance(node, Terminal)], dtype=np.intp)
        K = len(self.feature_names)
        for t in terminals:
            feat = nodes[t].features
            if K and (feat is None or feat.shape != (K,)):
                raise GameFormatError(
                    f"terminal {nodes[t].label!r}: expected {K} features "
                    f"{list(self.feature_names)}, got {None if feat is None else feat.size}"
                )
        for name, value in (
            ("nodes", tuple(nodes)),
            ("parent", _readonly(parent, np.intp)),
            ("parent_action", _readonly(parent_action, np.intp)),
            ("children", tuple(tuple(c) for c in children)),
            ("infosets", infosets),
            ("node_infoset", _readonly(node_infoset, np.intp)),
            ("node_sequence", _readonly(node_sequence, np.intp)),
            ("chance_reach", _readonly(chance_reach)),
            ("terminals", _readonly(terminals, np.intp)),
            ("terminal_payoffs", _readonly([nodes[t].payoffs for t in terminals]).reshape(-1, 2)),
            ("n_sequences", tuple(n_seq)),
        ):
            object.__setattr__(self, name, value)

    def infoset_index(self, player: int, key: str) -> int:
        """Index of the information set ``key`` among ``player``'s."""
        for h, info in enumerate(self.infosets[player]):
            if info.key == key:
                return h
        raise KeyError(f"{self.players[player]} has no information set {key!r}")

    def __repr__(self) -> str:
        h0, h1 = (len(i) for i in self.infosets)
        return (
            f"ExtensiveGame({self.title!r}, {len(self.nodes)} nodes, {len(self.terminals)} "
            f"terminals, {self.players[0]} {h0} / {self.players[1]} {h1} information sets)"
        )


def terminal_from_features(
    features, weights, *, label: str = "", sources: tuple[str, ...] = ()
) -> Terminal:
    """A terminal whose payoffs are its outcome features times each player's weights.

    Parameters
    ----------
    features : array_like, shape (K,)
        Outcome features, in the units of the game's ``feature_names``.
    weights : array_like, shape (2, K)
        Each player's payoff per unit of each feature.
    label : str
    sources : tuple of str

    Returns
    -------
    Terminal
        ``payoffs = weights @ features`` (shape (2,), payoff units).
    """
    f = np.asarray(features, dtype=float)
    W = np.asarray(weights, dtype=float)
    if W.shape != (2, f.size):
        raise GameFormatError(
            f"terminal {label!r}: weights of shape {W.shape} for {f.size} features, expected (2, {f.size})"
        )
    return Terminal(W @ f, label=label, features=f, sources=sources)


def is_perfect_information(game: ExtensiveGame) -> bool:
    """True when every information set has a single node (chance moves allowed)."""
    return all(len(info.nodes) == 1 for p in (0, 1) for info in game.infosets[p])


# --------------------------------------------------------------------------- strategies


def _count_strategies(game: ExtensiveGame, player: int) -> int:
    """Number of reduced pure strategies (exact integer, without building them)."""
    infos = game.infosets[player]
    count = [1] * game.n_sequences[player]
    for info in reversed(infos):
        count[info.parent_sequence] *= sum(count[s] for s in range(info.first_sequence, info.sequences.stop))
    return count[0]


@lru_cache(maxsize=64)
def reduced_strategies(game: ExtensiveGame, player: int) -> np.ndarray:
    """The player's reduced pure strategies (cached per game).

    Returns
    -------
    numpy.ndarray of intp, shape (S, H)
        ``S[s, h]`` is the action strategy ``s`` takes at information set ``h``, or -1
        where the player's own earlier actions exclude ``h``. Strategies are listed
        with earlier information sets varying slower.

    Raises
    ------
    SolverError
        If there are more than ``MAX_STRATEGIES`` of them.
    """
    total = _count_strategies(game, player)
    if total > MAX_STRATEGIES:
        raise SolverError(
            f"{game.players[player]} has {total} reduced pure strategies in '{game.title}' "
            f"(limit {MAX_STRATEGIES})"
        )
    infos = game.infosets[player]
    H = len(infos)
    sub = [np.full((1, H), -1, dtype=np.intp) for _ in range(game.n_sequences[player])]
    for h in reversed(range(H)):
        info = infos[h]
        options = []
        for a in range(len(info.actions)):
            block = sub[info.first_sequence + a].copy()
            block[:, h] = a
            options.append(block)
        opts = np.concatenate(options)
        par = sub[info.parent_sequence]
        # disjoint supports: combine every row of par with every row of opts
        sub[info.parent_sequence] = np.maximum(par[:, None, :], opts[None, :, :]).reshape(-1, H)
    out = sub[0]
    out.setflags(write=False)
    return out


def strategy_labels(game: ExtensiveGame, player: int, strategies: np.ndarray | None = None) -> tuple[str, ...]:
    """Labels of reduced strategies: the action at each information set, ``*`` where none."""
    S = reduced_strategies(game, player) if strategies is None else strategies
    infos = game.infosets[player]
    return tuple(
        "/".join(infos[h].actions[a] if a >= 0 else "*" for h, a in enumerate(row)) for row in S
    )


def realization_matrix(game: ExtensiveGame, player: int, strategies: np.ndarray | None = None) -> np.ndarray:
    """Which sequences each reduced strategy follows.

    Returns
    -------
    numpy.ndarray, shape (S, n_sequences[player])
        1 where strategy ``s`` follows sequence ``j`` (always for the empty sequence 0).
    """
    S = reduced_strategies(game, player) if strategies is None else strategies
    R = np.zeros((len(S), game.n_sequences[player]))
    R[:, 0] = 1.0
    for h, info in enumerate(game.infosets[player]):
        rows = np.flatnonzero(S[:, h] >= 0)
        R[rows, info.first_sequence + S[rows, h]] = 1.0
    return R


def sequence_form(game: ExtensiveGame) -> tuple[np.ndarray, np.ndarray]:
    """Sequence-form payoff matrices.

    Returns
    -------
    A, B : numpy.ndarray, shape (n_sequences[0], n_sequences[1])
        ``A[i, j]`` sums ``chance probability * payoff`` of player 0 over the terminals
        reached by sequence pair ``(i, j)``; ``B`` likewise for player 1.
    """
    t = game.terminals
    s0, s1 = game.node_sequence[0, t], game.node_sequence[1, t]
    w = game.chance_reach[t]
    out = []
    for p in (0, 1):
        M = np.zeros(game.n_sequences)
        np.add.at(M, (s0, s1), w * game.terminal_payoffs[:, p])
        out.append(M)
    return out[0], out[1]


def reduced_strategic_form(game: ExtensiveGame) -> Game:
    """The reduced strategic form: reduced pure strategies, expected payoffs over chance.

    Returns
    -------
    Game
        ``A`` and ``B`` of shape (S0, S1), rows and columns in the order of
        :func:`reduced_strategies`, labelled by :func:`strategy_labels`.
    """
    S = [reduced_strategies(game, p) for p in (0, 1)]
    R = [realization_matrix(game, p, S[p]) for p in (0, 1)]
    Aseq, Bseq = sequence_form(game)
    return Game(
        R[0] @ Aseq @ R[1].T,
        R[0] @ Bseq @ R[1].T,
        players=game.players,
        actions=(strategy_labels(game, 0, S[0]), strategy_labels(game, 1, S[1])),
        title=f"{game.title} (reduced strategic form)",
    )


# --------------------------------------------------------------------------- behaviour (Kuhn)


def check_behavior(game: ExtensiveGame, player: int, behavior) -> Behavior:
    """Validate a behaviour strategy and return it as read-only float arrays.

    Raises
    ------
    GameFormatError
        If it has the wrong number of information sets or actions, or is not a
        probability vector at some information set (tolerance ``PROB_TOL``).
    """
    infos = game.infosets[player]
    name = game.players[player]
    if len(behavior) != len(infos):
        raise GameFormatError(
            f"behaviour strategy of {name}: {len(behavior)} information sets, the game has {len(infos)}"
        )
    out = []
    for info, b in zip(infos, behavior, strict=True):
        arr = np.array(b, dtype=float)
        if arr.shape != (len(info.actions),):
            raise GameFormatError(
                f"behaviour strategy of {name} at {info.key!r}: {arr.size} probabilities for "
                f"{len(info.actions)} actions"
            )
        if not (np.all(arr >= -PROB_TOL) and abs(arr.sum() - 1.0) <= PROB_TOL * arr.size):
            raise GameFormatError(
                f"behaviour strategy of {name} at {info.key!r}: {arr.tolist()} is not a probability vector"
            )
        out.append(_readonly(np.clip(arr, 0.0, None)))
    return tuple(out)


def realization_plan(game: ExtensiveGame, player: int, behavior) -> np.ndarray:
    """Realization plan of a behaviour strategy.

    Returns
    -------
    numpy.ndarray, shape (n_sequences[player],)
        ``r[0] = 1`` and ``r[(h, a)] = r[parent_sequence(h)] * behavior[h][a]``.
    """
    b = check_behavior(game, player, behavior)
    r = np.zeros(game.n_sequences[player])
    r[0] = 1.0
    for info, bh in zip(game.infosets[player], b, strict=True):  # parents come first
        r[info.sequences] = r[info.parent_sequence] * bh
    return r


def mixed_to_behavior(game: ExtensiveGame, player: int, x) -> tuple[Behavior, np.ndarray]:
    """Behaviour strategy equivalent to a mixed strategy over reduced strategies (Kuhn).

    Parameters
    ----------
    x : array_like, shape (S,)
        Probabilities of the player's reduced strategies (order of :func:`reduced_strategies`).

    Returns
    -------
    behavior : tuple of numpy.ndarray
        ``behavior[h][a] = r(h, a) / r(parent_sequence(h))`` with ``r = x @ R``.
    defined : numpy.ndarray of bool, shape (H,)
        False at information sets the strategy's own moves never reach (``r = 0`` at
        the parent sequence): there the behaviour is undefined and set to uniform.
    """
    R = realization_matrix(game, player)
    x = np.asarray(x, dtype=float)
    if x.shape != (len(R),):
        raise GameFormatError(
            f"mixed strategy of {game.players[player]}: {x.size} probabilities for {len(R)} reduced strategies"
        )
    r = x @ R
    out, defined = [], []
    for info in game.infosets[player]:
        den = r[info.parent_sequence]
        k = len(info.actions)
        if den > PROB_TOL:
            b = np.clip(r[info.sequences] / den, 0.0, None)
            out.append(_readonly(b / b.sum()))
            defined.append(True)
        else:
            out.append(_readonly(np.full(k, 1.0 / k)))
            defined.append(False)
    return tuple(out), _readonly(defined, bool)


def behavior_to_mixed(game: ExtensiveGame, player: int, behavior) -> np.ndarray:
    """Mixed strategy over reduced strategies with the same realization plan (Kuhn).

    Returns
    -------
    numpy.ndarray, shape (S,)
        ``x[s]`` = product over the information sets ``h`` where ``s`` acts of
        ``behavior[h][s[h]]``.
    """
    b = check_behavior(game, player, behavior)
    S = reduced_strategies(game, player)
    x = np.ones(len(S))
    for h, bh in enumerate(b):
        acts = S[:, h] >= 0
        x[acts] *= bh[S[acts, h]]
    return x


def check_profile(game: ExtensiveGame, profile) -> Profile:
    """Validate a behaviour profile ``(behavior of player 0, behavior of player 1)``."""
    if len(profile) != 2:
        raise GameFormatError(f"a behaviour profile has 2 strategies, got {len(profile)}")
    return check_behavior(game, 0, profile[0]), check_behavior(game, 1, profile[1])


def node_reach(game: ExtensiveGame, profile) -> np.ndarray:
    """Probability that play reaches each node, shape (N,)."""
    r0, r1 = (realization_plan(game, p, profile[p]) for p in (0, 1))
    return game.chance_reach * r0[game.node_sequence[0]] * r1[game.node_sequence[1]]


def expected_payoffs(game: ExtensiveGame, profile) -> np.ndarray:
    """Expected payoffs of a behaviour profile, shape (2,), in payoff units."""
    return node_reach(game, profile)[game.terminals] @ game.terminal_payoffs


def node_values(game: ExtensiveGame, profile) -> np.ndarray:
    """Both players' expected payoff below each node under a behaviour profile, shape (N, 2)."""
    V = np.zeros((len(game.nodes), 2))
    for n in reversed(range(len(game.nodes))):
        node, kids = game.nodes[n], list(game.children[n])
        if isinstance(node, Terminal):
            V[n] = node.payoffs
        elif isinstance(node, Chance):
            V[n] = node.probs @ V[kids]
        else:
            V[n] = profile[node.player][game.node_infoset[n]] @ V[kids]
    return V


def outcome_probabilities(game: ExtensiveGame, profile) -> dict[str, float]:
    """Probability of each terminal label under a behaviour profile (labels merged)."""
    reach = node_reach(game, profile)[game.terminals]
    out: dict[str, float] = {}
    for t, pr in zip(game.terminals, reach, strict=True):
        label = game.nodes[t].label
        out[label] = out.get(label, 0.0) + float(pr)
    return out


def payoff_range(game: ExtensiveGame) -> float:
    """Largest spread between a player's best and worst terminal payoff (payoff units)."""
    U = game.terminal_payoffs
    return float(np.max(U.max(axis=0) - U.min(axis=0))) if len(U) else 0.0


def n_reduced_strategies(game: ExtensiveGame) -> tuple[int, int]:
    """Numbers of reduced pure strategies of both players (exact, cheap)."""
    return _count_strategies(game, 0), _count_strategies(game, 1)
