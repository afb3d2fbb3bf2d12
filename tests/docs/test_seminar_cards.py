"""The seminar cards (docs/seminar/*.md) state only numbers their own commands produce.

The convention is documented at the top of ``docs/seminar/README.md``. In short:

* every line of a fenced ``bash`` block that starts with ``negsim`` is a command, numbered
  1, 2, ... in the order they appear on the card;
* the card ends with a ``## Numbers`` table, ``| id | value | cmd | source |``: each row
  names one number, the command that produces it and where in that command's output it
  is (see :func:`produced`);
* in the text, every number from the model is a link to its row, ``[0.879](#p_break)``,
  and may be rounded further than the row's value; a decimal number in the text that is
  not such a link is an error; ``[True](#id)``, ``[False](#id)`` and ``[None](#id)``
  links must equal their row as text.

Each command is run once (commands shared by several cards are run once for all) in a
fresh folder through ``python -c "from negsim.app.cli import main; main()"`` with
``hydra.run.dir`` appended; every value on every card must equal what its command
produces, rounded to the digits the card shows.
"""

from __future__ import annotations

import ast
import csv
import json
import operator
import os
import re
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SEMINAR = ROOT / "docs" / "seminar"
CARDS = sorted(p for p in SEMINAR.glob("*.md") if p.name != "README.md")
NEGSIM = [sys.executable, "-c", "from negsim.app.cli import main; main()"]

#: Sections every card has (headings may say more after these words).
SECTIONS = ("Evidence", "Payoffs", "Equilibria", "Flip", "Ceasefire", "Questions", "Numbers")

NUMBER = r"[-+\u2212]?\d[\d,]*(?:\.\d+)?"
LINK = re.compile(r"\[(?P<value>" + NUMBER + r")\]\(#(?P<id>[A-Za-z_][A-Za-z0-9_]*)\)")
#: A link whose text is not a number: a flag or a missing value, equal to its row as text.
WORD_LINK = re.compile(r"\[(?P<value>True|False|None)\]\(#(?P<id>[A-Za-z_][A-Za-z0-9_]*)\)")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


# --------------------------------------------------------------------------- parsing a card


@dataclass(frozen=True)
class Row:
    """One row of a card's Numbers table."""

    id: str
    value: str
    cmd: int | None
    source: str


def commands(text: str) -> list[list[str]]:
    """The ``negsim`` commands of a card's ``bash`` blocks, in order, as argument lists (without ``negsim``)."""
    out = []
    for lang, body in FENCE.findall(text):
        if lang != "bash":
            continue
        for line in body.replace("\\\n", " ").splitlines():
            args = shlex.split(line, comments=True)
            if args and args[0] == "negsim":
                out.append(args[1:])
    return out


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def numbers_table(text: str) -> dict[str, Row]:
    """The ``## Numbers`` table: id -> Row."""
    m = re.search(r"^## Numbers[^\n]*\n(.*)", text, re.S | re.M)
    assert m, "no '## Numbers' section"
    lines = [ln for ln in m.group(1).splitlines() if ln.strip().startswith("|")]
    assert len(lines) >= 3, "the Numbers table needs a header, a rule and rows"
    assert [c.lower() for c in _cells(lines[0])] == ["id", "value", "cmd", "source"], lines[0]
    rows: dict[str, Row] = {}
    for line in lines[2:]:
        cells = _cells(line)
        assert len(cells) == 4, f"Numbers row needs 4 cells: {line}"
        rid, value, cmd, source = (c.strip("`") for c in cells)
        assert ID.match(rid), f"bad id {rid!r} (letters, digits and _)"
        assert rid not in rows, f"id {rid} appears twice"
        rows[rid] = Row(rid, value, int(cmd) if cmd.isdigit() else None, source)
    return rows


def prose(text: str) -> str:
    """The card without fenced blocks, inline code, number links and the Numbers table."""
    text = re.split(r"^## Numbers", text, flags=re.M)[0]
    text = FENCE.sub("", text)
    text = re.sub(r"`[^`]*`", "", text)
    return LINK.sub("", text)


# --------------------------------------------------------------------------- values


def _path_steps(path: str) -> list:
    """``a.b[0]["0.5"][k=v,k2=v2]`` as steps: keys, indices and filters."""
    steps, pos = [], 0
    token = re.compile(r"\.?([A-Za-z_][A-Za-z0-9_]*)|\[(-?\d+)\]|\[\"([^\"]*)\"\]|\[([^\]=]+=[^\]]*)\]")
    while pos < len(path):
        m = token.match(path, pos)
        assert m, f"bad path {path!r} at {path[pos:]!r}"
        key, index, quoted, filt = m.groups()
        if key is not None:
            steps.append(key)
        elif index is not None:
            steps.append(int(index))
        elif quoted is not None:
            steps.append(quoted)
        else:
            steps.append(dict(kv.split("=", 1) for kv in filt.split(",")))
        pos = m.end()
    return steps


def lookup(data, path: str):
    """Follow a JSON path; ``[k=v]`` picks the one element of a list whose ``k`` equals ``v``."""
    for step in _path_steps(path):
        if isinstance(step, dict):
            hits = [d for d in data if all(str(d.get(k)) == v for k, v in step.items())]
            assert len(hits) == 1, f"{path}: {len(hits)} elements match {step}"
            data = hits[0]
        else:
            data = data[step]
    return data


_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


def evaluate(expr: str, value_of) -> float:
    """A ``= ...`` row: + - * / of numbers and other rows' ids."""

    def ev(node):
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](ev(node.left), ev(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            return -ev(node.operand) if isinstance(node.op, ast.USub) else ev(node.operand)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return node.value
        if isinstance(node, ast.Name):
            return float(value_of(node.id))
        raise AssertionError(f"unsupported expression {ast.dump(node)} in {expr!r}")

    return ev(ast.parse(expr, mode="eval"))


@dataclass(frozen=True)
class Output:
    """What one command produced: its folder (cwd) and its printed output."""

    folder: Path
    stdout: str

    def file(self, name: str) -> Path:
        """``name`` relative to the run folder (``hydra.run.dir``), else to the command's folder."""
        for path in (self.folder / "run" / name, self.folder / name):
            if path.is_file():
                return path
        raise AssertionError(f"the command wrote no {name}")


def produced(row: Row, outputs: list[Output], rows: dict[str, Row], _seen=()):
    """The value a row names.

    Sources: a path into the run's ``metrics.json`` (the default: ``rollout.p_breakdown``);
    ``FILE: path`` for another file the command wrote, relative to the run folder or the
    command's folder: JSON, YAML (``.hydra/config.yaml``: the run's whole config), CSV (a
    list of row dicts, all values strings) or NPZ (arrays by name); ``stdout: REGEX``, the
    first number after the first match of REGEX in the printed output; ``= EXPR``,
    arithmetic on other rows (no command).
    """
    src = row.source.strip()
    if src.startswith("="):
        assert row.id not in _seen, f"circular expression at {row.id}"

        def value_of(rid):
            assert rid in rows, f"{row.id}: unknown id {rid} in expression"
            return produced(rows[rid], outputs, rows, (*_seen, row.id))

        return evaluate(src[1:].strip(), value_of)
    assert row.cmd is not None and 1 <= row.cmd <= len(outputs), f"{row.id}: no command {row.cmd}"
    out = outputs[row.cmd - 1]
    kind, _, rest = src.partition(":")
    if kind.strip() == "stdout":
        m = re.search(rest.strip(), out.stdout)
        assert m, f"{row.id}: {rest.strip()!r} not in the output of command {row.cmd}"
        num = re.compile(NUMBER).search(out.stdout, m.end())
        assert num, f"{row.id}: no number after {rest.strip()!r}"
        return parse_number(num.group())
    if kind.strip().endswith((".json", ".csv", ".yaml", ".npz")):
        name, path = kind.strip(), rest.strip()
    else:
        name, path = "metrics.json", src
    value = lookup(load(out.file(name)), path)
    return value.item() if isinstance(value, np.generic) else value


_LOADED: dict[tuple[Path, float], object] = {}


def load(file: Path):
    """A file's contents (JSON, YAML, CSV as a list of row dicts, NPZ as a dict), cached."""
    key = (file, file.stat().st_mtime)
    if key not in _LOADED:
        if file.suffix == ".csv":
            with file.open(newline="") as fh:
                _LOADED[key] = list(csv.DictReader(fh))
        elif file.suffix == ".yaml":
            _LOADED[key] = yaml.safe_load(file.read_text())
        elif file.suffix == ".npz":
            with np.load(file, allow_pickle=False) as npz:
                _LOADED[key] = {k: npz[k] for k in npz.files}
        else:
            _LOADED[key] = json.loads(file.read_text())
    return _LOADED[key]


def parse_number(text: str) -> float | None:
    try:
        return float(text.replace("\u2212", "-").replace(",", ""))
    except ValueError:
        return None


def agrees(stated: str, value) -> bool:
    """``stated`` equals ``value`` rounded to the digits ``stated`` shows (text: equal as text)."""
    want = parse_number(stated)
    got = parse_number(str(value)) if isinstance(value, str) else value
    if want is None or isinstance(got, bool) or got is None:
        return stated == str(value)
    digits = len(stated.split(".")[1]) if "." in stated else 0

    def fmt(x: float) -> str:
        s = f"{x:.{digits}f}"
        return s.lstrip("-") if float(s) == 0 else s

    return fmt(float(got)) == fmt(want)


def check_card(text: str, outputs: list[Output]) -> list[str]:
    """Every problem of a card, given its commands' outputs (empty when all is well)."""
    problems = []
    rows = numbers_table(text)
    cache: dict[str, object] = {}

    def value(rid: str):
        if rid not in cache:
            cache[rid] = produced(rows[rid], outputs, rows)
        return cache[rid]

    for rid, row in rows.items():
        try:
            got = value(rid)
        except Exception as exc:  # a bad path or source is a problem of the card
            problems.append(f"{rid}: {exc!r}")
            continue
        if not agrees(row.value, got):
            problems.append(f"{rid}: the card says {row.value}, command {row.cmd} gives {got!r} ({row.source})")
    for m in (*LINK.finditer(text), *WORD_LINK.finditer(text)):
        rid, stated = m.group("id"), m.group("value")
        if rid not in rows:
            problems.append(f"[{stated}](#{rid}): no such row in the Numbers table")
        elif rid in cache and not agrees(stated, cache[rid]):
            problems.append(f"[{stated}](#{rid}): the command gives {cache[rid]!r}")
    for m in re.finditer(r"(?<![\w.])\d+\.\d+", prose(text)):
        problems.append(f"decimal {m.group()} in the text is not a link to the Numbers table")
    return problems


# --------------------------------------------------------------------------- running


def _key(args: list[str]) -> str:
    return shlex.join(args)


@pytest.fixture(scope="session")
def card_outputs(tmp_path_factory) -> dict[str, Output]:
    """Run every distinct command of every card once, a few at a time."""
    unique: dict[str, list[str]] = {}
    for card in CARDS:
        for args in commands(card.read_text()):
            unique.setdefault(_key(args), args)
    base = tmp_path_factory.mktemp("cards")

    def run(item):
        k, (key, args) = item
        folder = base / f"cmd{k}"
        folder.mkdir()
        proc = subprocess.run(
            NEGSIM + args + [f"hydra.run.dir={folder / 'run'}"],
            cwd=folder, capture_output=True, text=True, timeout=300,
        )
        assert proc.returncode == 0, f"negsim {key} failed:\n{proc.stderr[-2000:]}"
        return key, Output(folder, proc.stdout)

    with ThreadPoolExecutor(max_workers=max(2, min(4, os.cpu_count() or 2))) as pool:
        return dict(pool.map(run, enumerate(unique.items())))


def test_there_are_cards():
    names = {p.stem for p in CARDS}
    assert {"doha_round", "istanbul_round2", "istanbul_round3", "counterfactual_verification", "who_mediates"} <= names


@pytest.mark.parametrize("card", CARDS, ids=[p.stem for p in CARDS])
def test_card_numbers_equal_what_its_commands_produce(card, card_outputs):
    text = card.read_text()
    outputs = [card_outputs[_key(args)] for args in commands(text)]
    assert outputs, f"{card.name} shows no negsim command"
    problems = check_card(text, outputs)
    assert not problems, f"{card.name}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("card", CARDS, ids=[p.stem for p in CARDS])
def test_card_has_every_section(card):
    headings = re.findall(r"^##\s+(.*)$", card.read_text(), re.M)
    for section in SECTIONS:
        assert any(h.startswith(section) for h in headings), f"{card.name}: no '## {section}...' section"


@pytest.mark.parametrize("card", CARDS, ids=[p.stem for p in CARDS])
def test_card_cites_only_known_evidence(card):
    from negsim.model.evidence import unknown_sources

    ids = re.findall(r"\b(?:PK|AF|MD|EV|EC)\d+\b", card.read_text())
    assert ids and not unknown_sources(sorted(set(ids)))


def test_the_convention_is_documented_first_in_the_readme():
    text = (SEMINAR / "README.md").read_text()
    head = text[: text.find("\n## ", text.find("\n## ") + 1)]
    for word in ("## Numbers", "cmd", "source", "stdout", "metrics.json", "= "):
        assert word in head, f"README's convention section does not mention {word!r}"


# --------------------------------------------------------------------------- the checker itself


_FAKE_CARD = """
```bash
negsim scenario=x   # a comment
```
The chance is [0.88](#p) and the gap [1.5](#gap); thresholds [1](#thr), flagged [True](#flag).

## Numbers

| id | value | cmd | source |
|---|---|---|---|
| p | 0.8791 | 1 | `rollout.p_breakdown` |
| wp | -3.50 | 1 | `stdout: PAK pak_concession` |
| thr | 1 | 1 | `thresholds.csv: [scenario=r2,knob=t].threshold` |
| gap | 1.5 | | `= p * 0 + 1.5` |
| flag | True | 1 | `thresholds.csv: [scenario=r2,knob=t].already_deal` |
| q | 56 | 1 | `rollout.quantiles["0.5"]` |
| w | 6 | 1 | `.hydra/config.yaml: weights[name=g].value` |
| d21 | 0.125 | 1 | `rollout.npz: p_breakdown[20]` |
"""


def _fake_output(tmp_path: Path, p_breakdown: float) -> Output:
    run = tmp_path / "run"
    run.mkdir(exist_ok=True)
    (run / "metrics.json").write_text(json.dumps({"rollout": {"p_breakdown": p_breakdown, "quantiles": {"0.5": 56.0}}}))
    (run / ".hydra").mkdir(exist_ok=True)
    (run / ".hydra" / "config.yaml").write_text("weights:\n- {name: g, value: 6.0}\n")
    np.savez(run / "rollout.npz", p_breakdown=np.linspace(0.0, 1.0, 161)[:180])
    (tmp_path / "thresholds.csv").write_text("scenario,knob,threshold,already_deal\nr2,t,1.0000001,True\nr3,t,1.8,False\n")
    return Output(tmp_path, "Weights\n  PAK pak_concession   -3.50 [PK6, PK3]\n")


def test_checker_accepts_a_card_that_agrees(tmp_path):
    assert commands(_FAKE_CARD) == [["scenario=x"]]
    assert check_card(_FAKE_CARD, [_fake_output(tmp_path, 0.8791)]) == []


def test_checker_fails_a_card_whose_number_drifted(tmp_path):
    problems = check_card(_FAKE_CARD, [_fake_output(tmp_path, 0.8812)])
    assert [p.split(":")[0] for p in problems] == ["p"]  # the link [0.88] still agrees
    problems = check_card(_FAKE_CARD, [_fake_output(tmp_path, 0.8712)])
    assert [p.split(":")[0] for p in problems] == ["p", "[0.88](#p)"]


def test_checker_fails_an_unlinked_decimal_and_an_unknown_id(tmp_path):
    card = _FAKE_CARD.replace("thresholds [1](#thr)", "thresholds 1.0 and [2.5](#nope)")
    problems = check_card(card, [_fake_output(tmp_path, 0.8791)])
    assert any("decimal 1.0" in p for p in problems)
    assert any("#nope" in p for p in problems)


def test_checker_rounds_like_the_card():
    assert agrees("0.88", 0.8791) and agrees("0.879", 0.8791) and not agrees("0.878", 0.8791)
    assert agrees("+7.50", 7.5) and agrees("\u22123.90", -3.9000000000000004) and agrees("20,000", 20000)
    assert agrees("0.00", -1e-17) and agrees("1.8", "1.8000001907348633") and agrees("True", True)
    assert not agrees("1", 1.6)


def test_checker_fails_a_word_link_that_disagrees(tmp_path):
    card = _FAKE_CARD.replace("flagged [True](#flag)", "flagged [False](#flag), absent [None](#nope)")
    problems = check_card(card, [_fake_output(tmp_path, 0.8791)])
    assert any(p.startswith("[False](#flag)") for p in problems)
    assert any("#nope" in p for p in problems)


# --------------------------------------------------------------------------- the student versions

#: Sources of the model's answers, which a student version must leave out: the equilibria,
#: the prediction, the thresholds and least costs, the ceasefire forecasts.
ANSWER_SOURCE = re.compile(
    r"^(equilibria|prediction\.|p_deal|n_eq\b|rollout\.|outcomes\[[^\]]*\]\.(probability|ceasefire))"
    r"|(thresholds|least_cost|choices|budgets)\.csv:|rollout\.npz:|^stdout: (Equilibria|.*no flip)"
)
TEACHER_PART = re.compile(r"<!-- teacher -->.*?<!-- /teacher -->", re.S)


def _shown(text: str) -> str:
    """What a student sees of a card, by this test's own reading of the markers."""
    return TEACHER_PART.sub("", text)


def _unsigned(value: str) -> str:
    return value.lstrip("+-\u2212")


def _questions(text: str) -> list[str]:
    """The card's questions: the numbered items of '## Questions ...' before '### Worked answers'."""
    section = re.search(r"^## Questions[^\n]*\n(.*?)^### Worked answers", text, re.S | re.M)
    assert section, "no questions before the worked answers"
    body = section.group(1).replace("<!-- teacher -->", "").strip() + "\n"
    items = re.findall(r"^\d+\. (.*?)(?=^\d+\. |\Z)", body, re.S | re.M)
    assert len(items) >= 3
    return [" ".join(q.split()) for q in items]


@pytest.mark.parametrize("card", CARDS, ids=[p.stem for p in CARDS])
def test_student_card_leaves_out_the_answers_and_keeps_the_questions(card):
    from negsim.app.teach import student_card

    text = card.read_text()
    student = student_card(text, name=card.stem)
    flat_student = " ".join(student.split())
    rows = numbers_table(text)
    answers = {rid for rid, row in rows.items() if ANSWER_SOURCE.search(row.source)}
    assert len(answers) >= 10, sorted(answers)
    kept = {m.group("id") for m in (*LINK.finditer(_shown(text)), *WORD_LINK.finditer(_shown(text)))}
    assert not answers & kept, f"answers linked outside the teacher parts: {sorted(answers & kept)}"
    # No number the card shows for an answer appears in the student version (unless the same
    # digits also stand for a kept number, such as a payoff).
    kept_digits = {_unsigned(m.group("value")) for m in LINK.finditer(_shown(text))}
    shown_answers = {_unsigned(m.group("value")) for m in LINK.finditer(text) if m.group("id") in answers}
    decimals = {v for v in shown_answers - kept_digits if "." in v}
    assert len(decimals) >= 5, sorted(decimals)
    for v in decimals:
        pattern = r"(?<![\d.])" + re.escape(v) + r"(?![\d])"
        assert re.search(pattern, text), v  # the check can fail: the leader's version has it
        assert not re.search(pattern, student), f"{card.stem}: the student version shows the answer {v}"
    assert "Worked answers" not in student and "## Numbers" not in student and "](#" not in student
    assert "<!--" not in student
    for q in _questions(text):
        assert q in flat_student, q
    # The payoff tables stay, as plain numbers.
    payoffs = re.search(r"^## Payoffs.*?(?=^## )", text, re.S | re.M)
    assert payoffs
    table_rows = [line for line in payoffs.group().splitlines() if line.startswith("|") and LINK.search(line)]
    assert len(table_rows) >= 3
    for line in table_rows:
        assert LINK.sub(lambda m: m.group("value"), line) in student.splitlines()
    assert student.startswith(text.splitlines()[0] + "\n\n*Student version of the card")


_TINY = """# Card: X

*Short.<!-- teacher --> Numbers are [links](#numbers).<!-- /teacher --> Read on.*

Payoff [+1.50](#a11) and [True](#flag).

## Equilibria

<!-- student: *Find it
yourself.* -->

<!-- teacher -->

There is [1](#n_eq).

<!-- /teacher -->

## Questions

1. **Why?**

<!-- teacher -->

### Worked answers

1. Because [0.37](#p).

## Numbers

| id | value | cmd | source |
|---|---|---|---|
| p | 0.37 | 1 | `p_deal` |

<!-- /teacher -->
"""


def test_student_card_of_a_tiny_card():
    from negsim.app.teach import student_card

    assert student_card(_TINY, name="tiny") == (
        "# Card: X\n\n*Student version of the card `tiny`: the model's answers and the worked answers are left\n"
        "out. Try the questions first; the commands then print the model's answers.*\n\n*Short. Read on.*\n\n"
        "Payoff +1.50 and True.\n\n## Equilibria\n\n*Find it\nyourself.*\n\n## Questions\n\n1. **Why?**\n")


@pytest.mark.parametrize("text, message", [
    ("# T\n\nno markers\n", "tiny: no '<!-- teacher -->' part: a student version would keep every answer"),
    ("# T\n\n<!-- teacher -->\nanswer\n", "tiny: line 3: '<!-- teacher -->' is never closed"),
    ("# T\n<!-- /teacher -->\n", "tiny: line 2: '<!-- /teacher -->' closes no teacher part"),
    ("# T\n<!-- teacher -->\n<!-- teacher -->\n<!-- /teacher -->\n",
     "tiny: line 3: '<!-- teacher -->' inside the teacher part opened at line 2"),
])
def test_student_card_refuses_bad_markers(text, message):
    from negsim.app.teach import student_card
    from negsim.errors import ConfigError

    with pytest.raises(ConfigError) as exc:
        student_card(text, name="tiny")
    assert str(exc.value) == message
