"""Command-line overrides: which runs a command line asks for, parsed by Hydra's grammar.

Pure functions over lists of strings, so they are tested on their own
(``tests/app/test_overrides.py``): the pre-flight check validates every run a command
line would start (:func:`candidate_override_sets`, :func:`sweep_values`), sweep values
are applied to a composed config without composing again (:func:`with_values`, or for
one key :func:`coerced_value`).
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import DictConfig, OmegaConf

from negsim.errors import ConfigError, NegsimError

#: Hydra flags followed by a value.
FLAGS_WITH_VALUE = frozenset({
    "-cn", "--config-name", "-cp", "--config-path", "-cd", "--config-dir", "--info", "-i", "--cfg", "-c",
    "--package", "-p",
})
#: Flags after which Hydra prints something and runs nothing (no pre-flight needed).
INFO_FLAGS = frozenset({"--help", "-h", "--hydra-help", "--cfg", "-c", "--info", "-i", "--version"})

#: Lines of Hydra/OmegaConf messages that add nothing for a user.
_NOISE = ("object_type=", "reference_type=", "full_key:", "Set the environment", "Config search path", "provider=")


def one_line(exc: BaseException | None) -> str:
    """Hydra/OmegaConf errors as one line: messages of the exception chain, no traceback."""
    parts: list[str] = []
    while exc is not None:
        for line in str(exc).splitlines():
            line = line.strip()
            if line and not line.startswith(_NOISE) and line not in parts:
                parts.append(line)
        exc = exc.__cause__
    return "; ".join(parts).replace(":; ", ": ")


def check_flags(argv: Sequence[str]) -> None:
    """Hydra runs one of ``--multirun``, ``--cfg``, ``--info`` or ``--shell-completion``;
    more than one is a one-line error here rather than Hydra's traceback. ``--config-path``
    (which would replace negsim's configs, unchecked) is refused."""
    given = {"-m": "--multirun", "--multirun": "--multirun", "--cfg": "--cfg", "-c": "--cfg", "--info": "--info",
             "-i": "--info", "--shell-completion": "--shell-completion", "-sc": "--shell-completion"}
    if any(a in ("-cp", "--config-path") or a.startswith("--config-path=") for a in argv):
        raise ConfigError("--config-path: negsim's own configs are the primary config; add a folder of yours "
                          "with --config-dir")
    modes = sorted({given[a] for a in argv if a in given})
    if len(modes) > 1:
        raise ConfigError(f"{' and '.join(modes)}: give only one of --multirun, --cfg, --info and --shell-completion")


def _parse(lines: Sequence[str]) -> list[Any]:
    return OverridesParser.create().parse_overrides(list(lines))


def split_args(argv: Sequence[str]) -> tuple[list[str], str, list[str]]:
    """The overrides a command line gives (not Hydra's own keys), its config name, and the
    extra config folders of ``--config-dir``/``-cd``.

    >>> split_args(["-cd", "mine", "scenario=x", "hydra.run.dir=out", "-m"])
    (['scenario=x'], 'config', ['mine'])
    """
    overrides: list[str] = []
    name, dirs = "config", []
    args = list(argv)
    k = 0
    while k < len(args):
        arg = args[k]
        value = args[k + 1] if k + 1 < len(args) else None
        if arg in FLAGS_WITH_VALUE:
            if arg in ("-cn", "--config-name") and value is not None:
                name = value
            elif arg in ("-cd", "--config-dir") and value is not None:
                dirs.append(value)
            k += 2
            continue
        if arg.startswith("--config-dir="):
            dirs.append(arg.partition("=")[2])
        elif arg.startswith("--config-name="):
            name = arg.partition("=")[2]
        elif not arg.startswith("-") and not arg.lstrip("+~").startswith(("hydra.", "hydra/", "hydra=")):
            overrides.append(arg)
        k += 1
    return overrides, name, dirs


def candidate_override_sets(overrides: Sequence[str]) -> list[list[str]]:
    """One override list per sweep value (the other sweeps at their first value).

    >>> candidate_override_sets(["a=1,2", "b=3"])
    [['a=1', 'b=3'], ['a=2', 'b=3']]
    """
    try:
        parsed = _parse(overrides)
    except Exception as exc:
        raise ConfigError(f"bad override syntax: {one_line(exc)}") from None
    firsts, choices = [], []
    for o in parsed:
        key = o.get_key_element()
        if o.is_sweep_override():
            try:
                values = list(o.sweep_string_iterator())
            except Exception as exc:  # e.g. range(0,1,0)
                raise ConfigError(f"{key}: bad sweep '{o.input_line.partition('=')[2]}': {one_line(exc)}") from None
            if not values:
                raise ConfigError(f"{key}: empty sweep; give at least one value")
            firsts.append(f"{key}={values[0]}")
            choices.append([f"{key}={v}" for v in values])
        else:
            firsts.append(o.input_line)
            choices.append([o.input_line])
    sets = [firsts]
    for pos, opts in enumerate(choices):
        for alt in opts[1:]:
            sets.append(firsts[:pos] + [alt] + firsts[pos + 1 :])
    return sets


def searchpath_entries(override: str) -> list[str]:
    """The entries of a ``hydra.searchpath=[...]`` override, as Hydra's grammar reads them.

    >>> searchpath_entries("hydra.searchpath=[file:///a,'pkg://b']")
    ['file:///a', 'pkg://b']
    """
    try:
        (o,) = _parse([override])
        value = o.value()
    except Exception as exc:
        raise ConfigError(f"hydra.searchpath: {one_line(exc)}") from None
    return [str(v) for v in (value if isinstance(value, list) else [value])]


def sweep_keys(overrides: Sequence[str]) -> list[str]:
    """The keys a command line sweeps (``a=1,2``, ``b=range(0,1,0.5)``; not ``c=[1,2]``).

    >>> sweep_keys(["a=1,2", "b=[1,2]", "c=range(0,1,0.5)", "d=3"])
    ['a', 'c']
    """
    return [str(o.get_key_element()) for o in _parse(overrides) if o.is_sweep_override()]


def sweep_values(params: dict[str, Any]) -> dict[str, list[str]]:
    """Hydra sweep specs (``"0,0.5,1"``, ``"range(0,1,0.25)"``) as lists of value strings.

    >>> sweep_values({"mediator.verification": "range(0,1,0.5)"})
    {'mediator.verification': ['0.0', '0.5']}
    """
    axes = {}
    for key, spec in params.items():
        try:
            (o,) = _parse([f"{key}={spec}"])
            values = list(o.sweep_string_iterator()) if o.is_sweep_override() else [str(o.value())]
        except Exception as exc:
            raise ConfigError(f"hydra.sweeper.params.{key}: bad sweep '{spec}': {one_line(exc)}") from None
        if not values:
            raise ConfigError(f"hydra.sweeper.params.{key}: empty sweep; give at least one value")
        axes[key] = values
    return axes


def is_group(key: str, config_dirs: Sequence[Path]) -> bool:
    """True for a config group (``scenario``, ``solver``, ...), false for a value key."""
    name = key.lstrip("+~")
    return name.startswith("hydra") or any((d / name).is_dir() for d in config_dirs)


def check_group_choices(overrides: Sequence[str], config_dirs: Sequence[Path]) -> None:
    """Every ``group=option`` names a config file of that group (any sweep value too).

    Raises
    ------
    ConfigError
        ``scenario: no config 'nowhere'; expected one of: doha_round, ...``. Hydra's own
        groups (``hydra/...``) are left to Hydra.
    """
    for o in _parse(overrides):
        key = str(o.get_key_element()).lstrip("+~")
        if key.startswith("hydra") or not is_group(key, config_dirs) or o.is_delete():
            continue
        values = list(o.sweep_string_iterator()) if o.is_sweep_override() else [o.get_value_element_as_str()]
        for value in values:
            if value in ("null", "None") or any((d / key / f"{value}.yaml").is_file() for d in config_dirs):
                continue
            options = sorted({f.stem for d in config_dirs for f in (d / key).glob("*.yaml")})
            raise ConfigError(f"{key}: no config '{value}'; expected one of: {', '.join(options)}")


def _first_unknown(cfg: DictConfig, key: str, *, adding: bool) -> str | None:
    """The first segment of ``key`` that the config's schema does not know, or None.

    Under a node typed by a dataclass schema only its fields are known (the schema is
    closed); under a free mapping (``scenario.weights``) a new key may be added with
    ``+`` only. Lists, scalars and unset optional nodes are left to Hydra.
    """
    parts = key.split(".")
    node: Any = cfg
    for depth, part in enumerate(parts):
        if not OmegaConf.is_dict(node):
            return None
        schema = OmegaConf.get_type(node)
        if dataclasses.is_dataclass(schema):
            if part not in {f.name for f in dataclasses.fields(schema)}:
                return ".".join(parts[: depth + 1])
        elif part not in node:
            return None if adding else ".".join(parts[: depth + 1])
        node = node.get(part)
    return None


def _unknown_key(cfg: DictConfig, key: str) -> ConfigError:
    parent, _, leaf = key.rpartition(".")
    node = OmegaConf.select(cfg, parent, default=None) if parent else cfg
    schema = OmegaConf.get_type(node) if OmegaConf.is_dict(node) else None
    if schema is not None and dataclasses.is_dataclass(schema):
        known = sorted(f.name for f in dataclasses.fields(schema))
    else:
        known = sorted(str(k) for k in node if k != "hydra") if OmegaConf.is_dict(node) else []
    close = difflib.get_close_matches(leaf, known, n=1, cutoff=0.8)
    hint = f"; did you mean '{f'{parent}.' if parent else ''}{close[0]}'?" if close else ""
    where = f"{parent} has" if parent else "the top-level keys are"
    return ConfigError(f"{key}: unknown key{hint}" + (f"; {where}: {', '.join(known)}" if known else ""))


def check_keys(cfg: DictConfig, overrides: Sequence[str], config_dirs: Sequence[Path]) -> None:
    """Every value override names a key the schema knows: ``a.b=1`` an existing one,
    ``+a.b=1`` a new key only under a free mapping (``scenario.weights``), never under a
    schema node (the schema is closed, with ``+`` as without it).

    Raises
    ------
    ConfigError
        ``mediatr: unknown key; did you mean 'mediator'?; the top-level keys are: ...``.
    """
    for o in _parse(overrides):
        raw = str(o.get_key_element())
        key = raw.lstrip("+~")
        if key.startswith("hydra") or is_group(key, config_dirs) or raw.startswith("~"):
            continue
        unknown = _first_unknown(cfg, key, adding=raw.startswith("+"))
        if unknown is not None:
            raise _unknown_key(cfg, unknown)


def with_values(cfg: DictConfig, values: dict[str, str]) -> DictConfig:
    """A copy of a composed config with value overrides (``{"mediator.verification": "0.5"}``),
    parsed and type-checked as Hydra would, without composing again."""
    out = copy.deepcopy(cfg)
    for key, text in values.items():
        current = OmegaConf.select(out, key, default=None, throw_on_missing=False)
        try:
            (o,) = _parse([f"{key}={text}"])
            OmegaConf.update(out, key, o.value(), merge=True)
        except NegsimError:
            raise
        except Exception as exc:
            raise _bad_value(key, current, text, exc) from None
    return out


def _bad_value(key: str, current: Any, text: str, exc: BaseException) -> ConfigError:
    """The one-line error for ``key=text`` refused: the type expected when the key holds a
    scalar, else what Hydra or OmegaConf said."""
    if isinstance(current, (bool, int, float, str)):
        return ConfigError(f"{key}: expected {type(current).__name__}, got {text!r}")
    return ConfigError(f"{key}: {one_line(exc)}")


def coerced_value(cfg: DictConfig, key: str, text: str) -> Any:
    """The plain value an override ``key=text`` gives ``key`` in a composed config, parsed
    and type-checked as Hydra would (``"1"`` becomes ``1.0`` for a float field), by
    copying only that key's node (:func:`with_values` copies the whole config); None when
    ``key`` is not an existing scalar or list field (use :func:`with_values` then).

    Raises
    ------
    ConfigError
        ``seed: expected int, got 'abc'``.
    """
    from omegaconf import ListConfig, ValueNode

    parent, _, leaf = key.rpartition(".")
    holder = OmegaConf.select(cfg, parent, default=None) if parent else cfg
    if not isinstance(holder, DictConfig) or leaf not in holder:
        return None
    node = holder._get_node(leaf)
    if not isinstance(node, (ValueNode, ListConfig)):
        return None
    node = copy.deepcopy(node)
    try:
        (o,) = _parse([f"{key}={text}"])
        node._set_value(o.value())
    except Exception as exc:
        raise _bad_value(key, holder[leaf], text, exc) from None
    return OmegaConf.to_container(node) if isinstance(node, ListConfig) else node._value()


#: Keys that change no number (where a run's work goes, whether each run's outcomes are
#: written, JSON on stdout): left out of a point's recorded overrides, its folder name and its sweep's
#: claim, so a sweep resumes and gives the same table whatever they are.
PLACEMENT_KEYS = ("workers.n_jobs", "workers.backend", "workers.address", "output.runs", "output.json", "output.report",
                  "results_dir")


def recorded(overrides: Sequence[str]) -> list[str]:
    """The overrides that can change a result (:data:`PLACEMENT_KEYS` dropped).

    >>> recorded(["mediator.verification=0.5", "workers.n_jobs=2", "results_dir=/tmp/r"])
    ['mediator.verification=0.5']
    """
    return [o for o in overrides if o.partition("=")[0].lstrip("+~") not in PLACEMENT_KEYS]


#: Characters kept as they are in a point's folder name (others become ``_``).
_UNSAFE = re.compile(r"[^A-Za-z0-9._=,+-]")
#: Longest readable part of a point's folder name (file systems allow 255 bytes).
POINT_PREFIX = 80


def point_folder(overrides: str) -> str:
    """A safe folder name for one sweep point: a readable prefix of its overrides
    (``a=1,b=x``) with every character outside ``[A-Za-z0-9._=,+-]`` replaced, at most
    :data:`POINT_PREFIX` long, then a hash of the full text, so names are unique, bounded
    and never leave the sweep folder (no ``/``, no ``..`` of their own).

    >>> point_folder("mediator.verification=0.5")
    'mediator.verification=0.5-1a4c9ecbf9'
    >>> point_folder("scenario.title=../../x")
    'scenario.title=.._.._x-902ed7e8f7'
    """
    import hashlib

    digest = hashlib.sha256(overrides.encode("utf-8")).hexdigest()[:10]
    readable = _UNSAFE.sub("_", overrides)[:POINT_PREFIX]
    return f"{readable or 'base'}-{digest}"
