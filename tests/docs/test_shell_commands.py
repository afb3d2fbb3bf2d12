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


def shell_commands(text: str, command: re.Pattern = COMMAND) -> list[tuple[int, str]]:
    """The command lines (line number, text) of the shell code blocks of a Markdown page
    that start as ``command`` matches."""
    found, fence, shell = [], None, False
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        match = FENCE.match(stripped)
        if match and fence is None:
            fence, shell = match.group(1), match.group(2).lower() in SHELL_BLOCKS
        elif match and stripped.startswith(fence) and not match.group(2):
            fence = None
        elif fence is not None and shell and command.match(stripped):
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


#: Every documented command that can write a file (negsim's commands, the tasks, the scripts).
WRITERS = re.compile(r"^(negsim(-explain|-play|-classroom)?|python3? (-m negsim|experiments/|tasks\.py))(\s|$)")
WRITING = [(f"{page.relative_to(ROOT)}:{n}", line) for page in PAGES for n, line in
           shell_commands(page.read_text(), WRITERS)]
#: Options and keys that name where a command writes, and the folders git ignores for output.
OUTPUT_OPTIONS = ("--out", "--record", "--db")
OUTPUT_KEYS = ("results_dir", "hydra.run.dir", "hydra.sweep.dir")
OUTPUT_FOLDERS = ("outputs/", "multirun/")


def written_paths(argv: list[str], line: str) -> list[str]:
    """The paths a command line names as its output: option values, output keys, a redirect."""
    named = [argv[k + 1] for k, a in enumerate(argv[:-1]) if a in OUTPUT_OPTIONS]
    named += [a.partition("=")[2] for a in argv if "=" in a and a.partition("=")[0] in (*OUTPUT_KEYS, *OUTPUT_OPTIONS)]
    named += re.findall(r"(?<![0-9&])>\s*([^\s#]+)", line.split(" #")[0])
    return named


def test_written_paths_reads_options_keys_and_redirects():
    line = "negsim --json x=1 results_dir=a hydra.run.dir=b > c  # d > e"
    assert written_paths(["negsim", "--json", "x=1", "results_dir=a", "hydra.run.dir=b"], line) == ["a", "b", "c"]
    assert written_paths(["negsim-play", "--record", "m.csv", "--db=x"], "negsim-play --record m.csv --db=x") == [
        "m.csv", "x"]


def test_the_docs_name_their_writing_commands():
    assert len(WRITING) > len(COMMANDS)  # the scripts and the classroom as well
    assert any(line.startswith("negsim-classroom") for _, line in WRITING)


@pytest.mark.parametrize("where, line", WRITING, ids=[w for w, _ in WRITING])
def test_every_documented_output_goes_where_git_ignores_it(where, line, tmp_path):
    """So git status stays clean after every command of the docs: what a command is told to
    write goes under outputs/ or multirun/ (ignored), never beside the committed files."""
    _, argv, _ = words(["bash"], line, tmp_path)
    ignored = (ROOT / ".gitignore").read_text().split()
    assert all(folder in ignored for folder in OUTPUT_FOLDERS)
    bad = [p for p in written_paths(argv, line) if not p.startswith(OUTPUT_FOLDERS) and p != ":memory:"]
    assert not bad, f"{where}: writes {bad}; put it under outputs/ (git ignores it)"
