"""negsim's own short help, for ``negsim --help`` and ``negsim -h``.

What the command does, how to call it, the config groups with their options and the keys
used most, with their units. The groups and options are the folders and file names of the
shipped config folder (:func:`negsim.io.configs.config_dir`), the defaults the entries of
its ``config.yaml``: nothing is composed and Hydra is not imported, so the help costs the
interpreter and a directory listing. Hydra's own help stays at ``negsim --hydra-help``,
the composed config at ``negsim --cfg job``.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

#: Width the help is wrapped at.
WIDTH = 88

ABOUT = (
    "negsim: a negotiation game-theory simulator of the autumn-2025 Pakistan-Afghanistan "
    "talks in Doha and Istanbul. It turns the sides' documented positions into payoffs "
    "(every number names its evidence), finds and checks all the equilibria of a round, "
    "predicts the round (logit QRE), forecasts whether the ceasefire holds after it, and "
    "sweeps mediator leverage."
)

#: (command, what it does).
USAGE = (
    ("negsim [KEY=VALUE ...]", "solve one round (default: Istanbul round two)"),
    ("negsim -m KEY=V1,V2,...", "a sweep, one point per value: table.csv and plots"),
    ("negsim experiment=NAME", "a shipped experiment (options below)"),
    ("negsim analysis=NAME", "the ceasefire, bargaining or crisis game of a round"),
    ("negsim nfg=FILE", "solve a two-player Gambit .nfg file instead"),
    ("negsim-explain [SCENARIO]", "one round explained step by step, for students"),
    ("negsim-play [--mode pvp|pak|afg]", "the classroom game: talks, then ceasefire days"),
)

#: Said after a group's options.
GROUP_NOTES = {
    "mediator": "(default: the scenario's)",
    "record": "(what calibrate and hindcast score)",
    "hydra/launcher": "(with -m: where the points run)",
}

#: (key, meaning with its unit): each is a key of the composed config.
KEYS = (
    ("mediator.transfer_written", "payoff units paid to Kabul on a written guarantee"),
    ("mediator.transfer_pledge", "payoff units paid to Pakistan on the pledge deal"),
    ("mediator.penalty_breakdown", "payoff units taken from the side blamed for failure"),
    ("mediator.verification", "fraction 0-1 of a verification mechanism on offer"),
    ("mediator.deconfliction", "fraction 0-1 of a de-confliction channel on offer"),
    ("mediator.transfer_compliance", "daily ceasefire payoff units per day Kabul holds"),
    ("rollout.runs", "ceasefires simulated per predicted outcome (0: none)"),
    ("rollout.days", "forecast horizon, in days"),
    ("rollout.method", "monte_carlo (runs from the seed) or exact (Markov chain)"),
    ("seed", "seed of the rollouts: same seed, same numbers"),
    ("solver.method", "enumerate, pure, support, vertex, lemke_howson or qre"),
    ("solver.selection", "qre, logit_limit or welfare: what predicts the round"),
    ("solver.lam", "QRE precision per unit of payoff range (null: game's)"),
    ("uncertainty.draws", "joint draws of the judgement calls (0: none, else >= 2)"),
    ("after", "ROW/COL: roll the ceasefire out after this outcome"),
    ("results_dir", "where an experiment or sweep writes table and plots"),
    ("workers.n_jobs", "a batch's tasks at once (1: in process, -1: all cores)"),
    ("workers.backend", "local (processes on this machine) or ray"),
    ("workers.address", "with ray: the cluster to join (host:port, or auto)"),
)

POINTERS = (
    "More: negsim --hydra-help (Hydra's own help), negsim --cfg job (the composed config), "
    "docs/reference.md (every key, its unit and the files a run writes), docs/sweeps.md "
    "(sweeps and launchers: hydra/launcher=joblib hydra.launcher.n_jobs=N, ray_local, "
    "ray_cluster, slurm), docs/tutorial.md."
)


def config_groups(root: Path) -> dict[str, list[str]]:
    """Every config group under ``root`` (a folder holding ``.yaml`` files, named by its
    path: ``scenario``, ``hydra/launcher``) with its options, sorted."""
    groups: dict[str, list[str]] = {}
    for path in sorted(root.rglob("*.yaml")):
        if path.parent != root:
            groups.setdefault(path.parent.relative_to(root).as_posix(), []).append(path.stem)
    return groups


def group_defaults(root: Path) -> dict[str, str]:
    """The option each group of ``root/config.yaml``'s defaults list picks (``group: option``
    entries; none where the file cannot be read)."""
    import yaml

    try:
        node = yaml.safe_load((root / "config.yaml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    entries = node.get("defaults", []) if isinstance(node, dict) else []
    out = {}
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and len(entry) == 1:
            ((group, option),) = entry.items()
            if isinstance(option, str) and " " not in str(group):
                out[str(group)] = option
    return out


def _rows(rows: list[tuple[str, str]], indent: int = 2) -> list[str]:
    """Two columns, the second wrapped under itself."""
    left = max(len(a) for a, _ in rows) + indent + 2
    return [
        textwrap.fill(b, WIDTH, initial_indent=" " * indent + a.ljust(left - indent), subsequent_indent=" " * left)
        for a, b in rows
    ]


def short_help(root: Path | None = None) -> str:
    """The text of ``negsim --help``: what negsim does, usage, the config groups of ``root``
    (default: the shipped config folder) with their options, the main keys, where to read on."""
    if root is None:
        from negsim.io.configs import config_dir

        root = config_dir()
    defaults = group_defaults(root)
    groups = []
    for group, options in config_groups(root).items():
        listed = ", ".join(f"{o}*" if defaults.get(group) == o else o for o in options)
        groups.append((group, f"{listed} {GROUP_NOTES[group]}" if group in GROUP_NOTES else listed))
    lines = [
        textwrap.fill(ABOUT, WIDTH),
        "",
        "Usage:",
        *_rows(list(USAGE)),
        "",
        "Config groups (GROUP=OPTION; * the default):",
        *_rows(groups),
        "",
        "Keys used most (KEY=VALUE):",
        *_rows(list(KEYS)),
        "",
        textwrap.fill(POINTERS, WIDTH),
    ]
    return "\n".join(lines) + "\n"
