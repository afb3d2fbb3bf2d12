"""The ``negsim`` console command: its own short help at once, everything else through the CLI.

``negsim --help`` (or ``-h``) prints :func:`negsim.app.help.short_help` before Hydra, numpy
or the library is imported (``--hydra-help`` is Hydra's); any other command line goes to
:func:`negsim.app.cli.main`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

#: The flags answered by negsim's own help.
HELP_FLAGS = ("-h", "--help")
#: Thread counts of the BLAS libraries numpy may load, set to 1 unless the user set them:
#: negsim's linear algebra is on small matrices, and its workers are processes.
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``negsim`` command (``argv`` defaults to the command line)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if any(a in HELP_FLAGS for a in args):
        from negsim.app.help import short_help

        print(short_help())
        return
    for name in BLAS_THREADS:  # small matrices: a BLAS thread pool only spins (about 0.1 s of CPU at start)
        os.environ.setdefault(name, "1")
    from negsim.app.cli import main as run

    run(args)
