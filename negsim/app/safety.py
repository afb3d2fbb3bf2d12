"""Configuration is data: what a config file or an override may not do.

Hydra configs can name code: ``_target_`` (instantiated), callbacks, logging handlers
(``logging.config`` imports any ``class`` or ``()`` factory), and resolvers such as
``${oc.env:NAME}`` (environment secrets copied into results). negsim is used with
configs that students and colleagues swap, so before Hydra runs anything
(:func:`negsim.app.cli.preflight`) the composed config is held against the trust model
of ``docs/trust.md``:

* ``hydra.callbacks``, ``hydra.job_logging``, ``hydra.hydra_logging`` and the job's
  environment (``hydra.job.env_set``, ``env_copy``) must be exactly what negsim ships
  (an override or an experiment file may not change them);
* a ``_target_`` may only be one of the launchers and the sweeper negsim supports;
* no interpolation outside Hydra's own node (``scenario.title: ${oc.env:HOME}`` is
  refused, not resolved), and no environment or decode resolver anywhere;
* a file in a user's config folder (``--config-dir``) may not carry a ``@package``
  header, so a scenario or mediator file sets keys of its own group only.

Each refusal is a :class:`~negsim.errors.ConfigError` naming the key or file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, cast

from omegaconf import DictConfig, ListConfig, OmegaConf

from negsim.errors import ConfigError

#: Keys of Hydra's node that name code to run; they must equal the shipped ones.
GUARDED = ("callbacks", "job_logging", "hydra_logging", "job.env_set", "job.env_copy")
#: Where a ``_target_`` may stand, and what it may name.
ALLOWED_TARGETS = {
    "hydra.launcher": {
        "hydra._internal.core_plugins.basic_launcher.BasicLauncher",
        "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher",
        "hydra_plugins.hydra_ray_launcher.ray_launcher.RayLauncher",
        "hydra_plugins.hydra_submitit_launcher.submitit_launcher.LocalLauncher",
        "hydra_plugins.hydra_submitit_launcher.submitit_launcher.SlurmLauncher",
    },
    "hydra.sweeper": {"hydra._internal.core_plugins.basic_sweeper.BasicSweeper",
                      "hydra_plugins.negsim_batch_sweeper.batch_sweeper.BatchSweeper"},
    "hydra.callbacks.aggregate": {"negsim.app.callbacks.AggregateSweep"},
}
#: Config groups whose files set keys anywhere (``# @package _global_``) by design.
GLOBAL_GROUPS = ("experiment", "analysis")
#: Resolvers that read the machine (environment, files) or decode strings into objects.
_FORBIDDEN_RESOLVER = re.compile(r"\$\{\s*(oc\.env|oc\.decode|env)\s*:")
#: Override keys that would change the guarded nodes or name code directly.
_GUARDED_OVERRIDE = re.compile(
    r"^[+~]*hydra[./](callbacks|job_logging|hydra_logging|job\.env_set|job\.env_copy)\b|(^|\.)_target_(=|$)"
)


def check_overrides(overrides: Sequence[str]) -> None:
    """Refuse command-line overrides that change callbacks, logging or a ``_target_``,
    and values that use an environment or decode resolver."""
    for o in overrides:
        key, _, value = o.partition("=")
        if _GUARDED_OVERRIDE.search(key + ("=" if _ else "")):
            raise ConfigError(f"{key.lstrip('+~')}: may not be set (configs are data; see docs/trust.md)")
        if _FORBIDDEN_RESOLVER.search(value):
            raise ConfigError(f"{key.lstrip('+~')}: environment and decode resolvers are not allowed in values")


def _leaves(node: Any, key: str) -> Iterator[tuple[str, Any]]:
    """``(dotted key, raw value)`` of every leaf, interpolations left unresolved."""
    if isinstance(node, DictConfig):
        for k in node.keys():
            name = str(k)
            yield from _leaves(node._get_node(name), f"{key}.{name}" if key else name)
    elif isinstance(node, ListConfig):
        for i in range(len(node)):
            yield from _leaves(node._get_node(i), f"{key}[{i}]")
    else:
        yield key, node._value() if hasattr(node, "_value") else node


def check_composed(cfg: DictConfig, shipped: DictConfig | None) -> None:
    """Hold a composed config (with its ``hydra`` node) against the shipped defaults.

    Parameters
    ----------
    cfg : DictConfig
        The config Hydra would run, composed with ``return_hydra_config=True``.
    shipped : DictConfig or None
        ``config.yaml`` composed with no override: the reference for the guarded nodes.
        None when every file composed is negsim's own (no ``--config-dir`` or search
        path): then only an override could change those nodes, and
        :func:`check_overrides` refuses such overrides.
    """
    for name in GUARDED if shipped is not None else ():
        mine, ref = (OmegaConf.select(c, f"hydra.{name}", default=None) for c in (cfg, cast(DictConfig, shipped)))
        mine, ref = (OmegaConf.to_container(n, resolve=False) if OmegaConf.is_config(n) else n for n in (mine, ref))
        if mine != ref:
            raise ConfigError(f"hydra.{name}: may not be changed from what negsim ships (configs are data; see docs/trust.md)")
    for key, value in _leaves(cfg, ""):
        text = str(value) if isinstance(value, str) else ""
        if key.endswith("._target_") or key == "_target_":
            where = key.removesuffix("._target_")
            if value not in ALLOWED_TARGETS.get(where, set()):
                raise ConfigError(f"{key}: '{value}' is not a launcher or sweeper negsim supports (configs are data)")
        if _FORBIDDEN_RESOLVER.search(text):
            raise ConfigError(f"{key}: environment and decode resolvers are not allowed ('{text}')")
        if "${" in text and not key.startswith("hydra."):
            raise ConfigError(f"{key}: interpolations are not allowed in config values (found '{text}')")


def check_user_folders(folders: Sequence[Path]) -> None:
    """In a user's config folder, only experiment and analysis files may carry a
    ``@package`` header: a scenario, mediator or other group file sets keys of its own
    group only (what an experiment sets is held to :func:`check_composed`)."""
    for folder in folders:
        for path in sorted(folder.rglob("*.y*ml")):
            global_group = path.relative_to(folder).parts[0] in GLOBAL_GROUPS
            try:
                head = path.read_bytes().decode("utf-8").splitlines()[:5]
            except OSError as exc:
                raise ConfigError(f"{path}: cannot read ({exc.__class__.__name__})") from None
            except UnicodeDecodeError:
                raise ConfigError(f"{path}: not a UTF-8 text file") from None
            if global_group:
                continue  # experiments are global by design; check_composed checks what they set
            if any(line.lstrip().startswith("#") and "@package" in line for line in head):
                raise ConfigError(f"{path}: a user config file may not carry a '@package' header (configs are data)")
