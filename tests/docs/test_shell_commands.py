"""Every command the docs show works unchanged in bash and in zsh.

zsh reads an unquoted ``[a,b]``, ``*``, ``?`` or ``(...)`` as a glob and stops with "no
matches found"; bash cannot parse an unquoted ``range(0,1,0.1)``. So each line of a shell
code block (README.md, docs/**/*.md) that runs ``negsim``, ``negsim-explain``,
``negsim-play`` or ``python3 tasks.py`` must give the same words in both shells, with no
error, and no word may be an unmatched glob in bash either (``failglob``). Its overrides
must parse by Hydra's grammar as negsim reads them. CI installs zsh and sets
``NEGSIM_REQUIRE_ZSH=1``; elsewhere the zsh half skips when zsh is missing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from negsim.app.overrides import candidate_override_sets, split_args

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
#: Info strings of the code blocks that hold shell commands (others hold code or output).
SHELL_BLOCKS = frozenset({"bash", "sh", "shell", "zsh", "console"})
COMMAND = re.compile(r"^(negsim|negsim-explain|negsim-play|python3 tasks\.py)(\s|$)")
FENCE = re.compile(r"^(```+|~~~+)\s*(\S*)")
#: Print each word the shell makes of a line, NUL-terminated.
PRINT_WORDS = "printf '%s\\0' "


def shell_commands(text: str) -> list[tuple[int, str]]:
    """The command lines (line number, text) of the shell code blocks of a Markdown page."""
    found, fence, shell = [], None, False
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        match = FENCE.match(stripped)
        if match and fence is None:
            fence, shell = match.group(1), match.group(2).lower() in SHELL_BLOCKS
        elif match and stripped.startswith(fence) and not match.group(2):
            fence = None
        elif fence is not None and shell and COMMAND.match(stripped):
            found.append((number, stripped))
    return found


def test_shell_commands_reads_only_shell_blocks():
    page = "```bash\nnegsim -m 'a=range(0,1,0.5)'  # two\n```\n```\nnegsim solve(x) output\n```\n" \
           "```python\nnegsim.solve(game)\n```\n~~~sh\n  python3 tasks.py demo\n~~~\n"
    assert shell_commands(page) == [(2, "negsim -m 'a=range(0,1,0.5)'  # two"), (11, "python3 tasks.py demo")]


COMMANDS = [(f"{page.relative_to(ROOT)}:{n}", line) for page in PAGES for n, line in shell_commands(page.read_text())]


def test_the_docs_show_commands():
    lines = [line for _, line in COMMANDS]
    assert len(lines) >= 40
    assert any("range(" in line for line in lines) and any("=[" in line for line in lines)


def words(shell: list[str], line: str, cwd: Path) -> tuple[int, list[str], str]:
    """Exit status, the words ``shell`` makes of ``line`` (run in ``cwd``) and its stderr."""
    proc = subprocess.run([*shell, "-c", PRINT_WORDS + line], cwd=cwd, capture_output=True, text=True, timeout=30)
    return proc.returncode, proc.stdout.split("\0")[:-1], proc.stderr


@pytest.mark.parametrize("where, line", COMMANDS, ids=[w for w, _ in COMMANDS])
def test_no_word_is_a_glob_or_a_syntax_error_in_bash(where, line, tmp_path):
    code, argv, err = words(["bash", "-O", "failglob"], line, tmp_path)
    assert (code, err) == (0, ""), f"{where}: bash says: {err.strip()} (quote the word: 'key=value')"
    assert argv and argv[0] == line.split()[0]


@pytest.mark.parametrize("where, line", COMMANDS, ids=[w for w, _ in COMMANDS])
def test_bash_and_zsh_read_the_same_words(where, line, tmp_path):
    zsh = shutil.which("zsh")
    if zsh is None:
        if os.environ.get("NEGSIM_REQUIRE_ZSH") == "1":
            pytest.fail("zsh is not installed and NEGSIM_REQUIRE_ZSH=1")
        pytest.skip("zsh is not installed (apt-get install zsh; NEGSIM_REQUIRE_ZSH=1 makes this a failure)")
    bash = words(["bash"], line, tmp_path)
    in_zsh = words([zsh, "-f"], line, tmp_path)
    assert in_zsh[0] == 0 and in_zsh[2] == "", f"{where}: zsh says: {in_zsh[2].strip()}"
    assert in_zsh[1] == bash[1], f"{where}: bash and zsh read different words"


#: The commands whose words go to negsim's Hydra shell (``negsim-explain``, ``negsim-play``
#: and the other tasks parse their own), and where their overrides start.
HYDRA_COMMANDS = [(where, line) for where, line in COMMANDS if re.match(r"^(negsim|python3 tasks\.py demo)(\s|$)", line)]


def negsim_overrides(argv: list[str]) -> list[str]:
    """The overrides of a ``negsim`` or ``python3 tasks.py demo`` command line."""
    return split_args(argv[3:] if argv[0] == "python3" else argv[1:])[0]


@pytest.mark.parametrize("where, line", HYDRA_COMMANDS, ids=[w for w, _ in HYDRA_COMMANDS])
def test_the_overrides_parse_as_negsim_reads_them(where, line, tmp_path):
    _, argv, _ = words(["bash"], line, tmp_path)
    assert candidate_override_sets(negsim_overrides(argv)), where  # raises ConfigError on a bad override
