"""Errors that users cause, reported as one line naming the offending key or file.

Every error negsim raises for bad input derives from :class:`NegsimError`; the CLI prints
``negsim: error: <message>`` and exits with status 2, without a traceback.
"""

from __future__ import annotations


class NegsimError(Exception):
    """Bad input or a request negsim cannot honour (the message says which key or file)."""


class ConfigError(NegsimError):
    """A scenario or run configuration is invalid (missing source, unknown key, bad range)."""


class GameFormatError(NegsimError):
    """A game file (Gambit ``.nfg``) or a payoff array is malformed."""


class SolverError(NegsimError):
    """A solver was asked for something it cannot do (unknown name, game too large)."""


class SweepIncomplete(NegsimError):
    """A sweep's table was written, but some points failed or are unreadable (it says which)."""
