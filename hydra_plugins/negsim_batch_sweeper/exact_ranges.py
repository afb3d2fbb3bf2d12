"""Exact decimal values for Hydra's ``range()`` sweeps.

Hydra steps a float range by adding the binary float ``step`` again and again
(``hydra.core.override_parser.types.FloatRange``): ``range(0, 1.01, 0.1)`` gives
``0.30000000000000004`` and ``0.7000000000000001``, which then name the point folders and
fill the recorded overrides and the sweep's table. Here each value is ``start + k * step``
in decimal arithmetic on the numbers as written (``Decimal(repr(x))``: ``0.1`` is one
tenth), so it has no more decimal places than ``start``, ``stop`` and ``step`` have:
``0.7``. :func:`exact_override` turns a range sweep into the list of those values, which
both of negsim's sweep paths (the batch and Hydra's basic sweeper) then read as given.

This module stays light and has no ``from __future__ import annotations``: Hydra imports
every module of ``hydra_plugins`` whenever it starts.
"""

import decimal
from typing import Dict, List, Optional, Union

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import RangeSweep

Number = Union[int, float]


def as_written(x: Number) -> decimal.Decimal:
    """A number as it was written: ``0.1`` is ``Decimal('0.1')``, not its binary float's expansion."""
    return decimal.Decimal(repr(x))


def range_values(start: Number, stop: Number, step: Number) -> List[Number]:
    """The values of Hydra's ``range(start, stop, step)``: Python's ``range`` for integers;
    else ``start + k * step`` for ``k = 0, 1, ...`` while short of ``stop``, in exact decimals.

    >>> range_values(0, 1.01, 0.1)[7]
    0.7
    >>> range_values(1, 0, -0.25)
    [1.0, 0.75, 0.5, 0.25]
    >>> range_values(0, 3, 1)
    [0, 1, 2]

    Raises
    ------
    ValueError
        For a step of zero.
    """
    if all(isinstance(x, int) for x in (start, stop, step)):
        return list(range(int(start), int(stop), int(step)))
    first, end, by = as_written(start), as_written(stop), as_written(step)
    if by == 0:
        raise ValueError(f"Invalid range values (start:{start}, stop:{stop}, step:{step})")
    count = ((end - first) / by).to_integral_value(rounding=decimal.ROUND_CEILING)
    return [float(first + k * by) for k in range(max(0, int(count)))]


def exact_sweep(sweep: RangeSweep) -> Optional[str]:
    """A range sweep as the sweep of its exact values (``choice(0.0,0.1)``, or
    ``shuffle(...)`` for a shuffled range); None when the range is empty or invalid (Hydra
    then says so itself)."""
    assert sweep.start is not None and sweep.stop is not None
    try:
        values = range_values(sweep.start, sweep.stop, sweep.step)
    except ValueError:
        return None
    if not values:
        return None
    listed = ",".join(str(v) for v in values)
    return f"shuffle({listed})" if sweep.shuffle else f"choice({listed})"


def exact_override(text: str) -> str:
    """A command-line override with a range sweep written as its exact values
    (:func:`exact_sweep`); any other override, or one Hydra cannot parse, as given.

    >>> exact_override("mediator.verification=range(0.6,0.81,0.1)")
    'mediator.verification=choice(0.6,0.7,0.8)'
    >>> exact_override("seed=1,2")
    'seed=1,2'
    """
    try:
        (override,) = OverridesParser.create().parse_overrides([text])
    except Exception:  # Hydra reports a bad override itself, with its own message
        return text
    value = override.value()
    exact = exact_sweep(value) if isinstance(value, RangeSweep) else None
    return text if exact is None else f"{override.get_key_element()}={exact}"


def exact_params(params: Dict[str, str]) -> Dict[str, str]:
    """``hydra.sweeper.params`` with every range sweep written as its exact values.

    >>> exact_params({"mediator.verification": "range(0, 0.25, 0.1)"})
    {'mediator.verification': 'choice(0.0,0.1,0.2)'}
    """
    return {key: exact_override(f"{key}={spec}").partition("=")[2] for key, spec in params.items()}
