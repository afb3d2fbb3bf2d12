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
    "negsim: a game-theory simulator of the autumn-2025 Pakistan-Afghanistan talks in Doha "
    "and Istanbul. It turns the sides' documented positions into payoffs (each number names "
    "its evidence), finds and checks every equilibrium of a round, predicts it (logit QRE), "
    "forecasts whether the ceasefire holds after it, and sweeps mediator leverage."
)

#: (command, what it does).
USAGE = (
    ("negsim [KEY=VALUE ...]", "solve one round (default: Istanbul round two)"),
    ("negsim -m KEY=V1,V2,...", "a sweep, one point per value: table.csv and plots"),
    ("negsim experiment=NAME", "a shipped experiment (options below)"),
    ("negsim analysis=NAME", "the ceasefire, bargaining, crisis or mediation game"),
    ("negsim nfg=FILE | efg=FILE", "solve a two-player Gambit .nfg or .efg file instead"),
    ("negsim --json ...", "the metrics as JSON on stdout, nothing else"),
    ("negsim-explain [SCENARIO]", "one round explained step by step, for students"),
    ("negsim-play [--mode pvp|pak|afg]", "the classroom game: talks, then ceasefire days"),
)

#: (command, what it answers): ten worked examples, quoted to run unchanged in bash and zsh.
EXAMPLES = (
    ("negsim scenario=istanbul_round3", "equilibria, prediction, ceasefire"),
    ("negsim scenario=istanbul_round3 outcome=open_war horizon=90", "P(open war in 90 days)"),
    ("negsim -m 'mediator.verification=range(0,1.01,0.25)' outcome=open_war", "a sweep"),
    ("negsim -m scenario=doha_round,istanbul_round3 mediator.verification=0,1", "by round"),
    ("negsim rollout.method=exact", "the ceasefire exactly: no sampling error"),
    ("negsim after=insist_written/verbal_only", "the ceasefire after a stated outcome"),
    ("negsim uncertainty.draws=64", "a band over the judgement calls"),
    ("negsim experiment=threshold", "what leverage flips each round's outcome"),
    ("negsim --json rollout.runs=2000 > metrics.json", "the numbers, for a script"),
    ("negsim efg=game.efg", "a Gambit extensive-form game"),
)

OUTPUT = (
    "Output: a run writes outputs/run/DATE_TIME/ (report.html, metrics.json, figures, "
    "rollout.npz, .hydra/ config); a sweep outputs/multirun/DATE_TIME/ (report.html, table.csv, "
    "figures, points/). hydra.run.dir=DIR, hydra.sweep.dir=DIR choose."
)

#: Said after a group's options.
GROUP_NOTES = {
    "mediator": "(the scenario's)",
    "record": "(what calibrate and hindcast score)",
    "hydra/launcher": "(with -m: where the points run)",
}

#: (key, meaning with its unit): each is a key of the composed config.
KEYS = (
    ("mediator.verification", "fraction 0-1 of a verification mechanism on offer"),
    ("mediator.transfer_written", "payoff units paid to Kabul on a written guarantee"),
    ("outcome", "the question's outcome: open_war, strikes, clash, incident..."),
    ("horizon", "the question's days: P(outcome within horizon days)"),
    ("rollout.runs", "ceasefires simulated per predicted outcome (0: none)"),
    ("seed", "seed of the rollouts: same seed, same numbers"),
)

POINTERS = (
    "More: docs/reference.md (every key, its unit, the files a run writes); negsim --cfg job "
    "(the composed config); negsim --hydra-help (Hydra's own help); docs/sweeps.md "
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


def _examples(column: int = 50) -> list[str]:
    """The examples, each command with what it answers after ``#``: at ``column`` where that
    fits in :data:`WIDTH`, else right after the command."""
    return [(f"  {command}".ljust(column) + f" # {what}") if len(command) + len(what) + 5 <= column
            else f"  {command}  # {what}" for command, what in EXAMPLES]


def short_help(root: Path | None = None) -> str:
    """The text of ``negsim --help``: what negsim does, usage, ten examples, where output goes,
    the config groups of ``root`` (default: the shipped config folder) with their options,
    the main keys, where to read on."""
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
        "Examples:",
        *_examples(),
        "",
        textwrap.fill(OUTPUT, WIDTH),
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
