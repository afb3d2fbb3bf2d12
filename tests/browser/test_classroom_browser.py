"""The classroom in a real browser: one teacher and two students, each in a headless Chromium of
their own, through a full round; what each page shows, and what it must not show yet.

Skips (or, with NEGSIM_REQUIRE_BROWSER=1, fails) as the other browser tests do when
Chromium or its driver is missing (``conftest.py``).
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

from negsim.model.scenario import load_scenario
from negsim.model.talks import talks_game

from .conftest import _missing, _program

WAIT = 15


def _helpers():
    """tests/classroom/classroom_helpers.py (the classroom tests' servers), loaded by its path."""
    path = Path(__file__).resolve().parents[1] / "classroom" / "classroom_helpers.py"
    spec = importlib.util.spec_from_file_location("classroom_helpers", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("classroom_helpers", module)
    spec.loader.exec_module(module)
    return module


def _chrome():
    """Another headless Chromium, found as the ``browser`` fixture finds it."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium = _program(("chromium", "chromium-browser"), "/usr/bin/chromium")
    driver = _program(("chromedriver",), "/usr/bin/chromedriver")
    if chromium is None or driver is None:
        _missing("no chromium or chromedriver found")
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1200,1000"):
        options.add_argument(arg)
    options.binary_location = chromium
    return webdriver.Chrome(options=options, service=Service(executable_path=driver))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    helpers = _helpers()
    with helpers.ThreadServer(tmp_path_factory.mktemp("classroom-browser") / "classroom.sqlite") as s:
        yield s


@pytest.fixture(scope="module")
def sessions(browser):
    """Three separate browser sessions: the teacher (the shared ``browser``) and two students."""
    students = [_chrome(), _chrome()]
    yield browser, students
    browser.get("about:blank")  # its event stream closed before the server stops
    for d in students:
        d.quit()


def _wait(driver, condition, what: str):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT).until(lambda d: condition(d), message=what)


def _text(driver, css: str) -> str:
    """The text of the first element matching ``css`` ("" if none), read in one step (the live
    parts of a page are replaced whenever the server says something changed)."""
    return driver.execute_script("const e = document.querySelector(arguments[0]); return e ? e.innerText : '';", css)


def _count(driver, css: str) -> int:
    return driver.execute_script("return document.querySelectorAll(arguments[0]).length;", css)


def _click(driver, css: str, label: str | None = None) -> None:
    """Click the first element matching ``css`` (whose text is ``label``), once it is there."""
    script = ("const all = [...document.querySelectorAll(arguments[0])].filter(e => arguments[1] === null || "
              "e.innerText === arguments[1]); if (!all.length || all[0].disabled) return false; all[0].click(); "
              "return true;")
    _wait(driver, lambda d: d.execute_script(script, css, label), f"{css} {label or ''} on {driver.current_url}")


def _local_only(driver) -> None:
    """Every address the page loads or links is on this server, and the browser refused nothing
    (no Content-Security-Policy violation, no failed load)."""
    for url in re.findall(r'(?:src|href|action)="([^"]*)"', driver.page_source):
        assert url.startswith(("/", "#")), url
    problems = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert problems == []


def test_a_teacher_and_two_students_play_a_round(server, sessions):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    teacher, (one, two) = sessions
    teacher.get(f"{server.url}/?key={server.key}")
    _click(teacher, "#new-room summary")
    Select(teacher.find_element(By.NAME, "scenario")).select_by_value("istanbul_round2")
    _click(teacher, "#create-room")
    _wait(teacher, lambda d: _text(d, "#room-code"), "the new room's code")
    code = _text(teacher, "#room-code")
    assert _text(teacher, "#join-url") == f"{server.url}/join?room={code}"
    assert _count(teacher, ".qr svg") == 1  # the QR code of the join link
    _local_only(teacher)

    for driver, name in ((one, "Ayesha"), (two, "Bilal")):
        driver.get(f"{server.url}/join?room={code}")
        driver.find_element(By.ID, "nickname").send_keys(name)
        _click(driver, "#join-button")
        _wait(driver, lambda d: "/p/" in d.current_url, "the student's own link")
        _wait(driver, lambda d: "Waiting for the teacher to start round 1" in _text(d, "#status"), "waiting")
        _local_only(driver)
    _wait(teacher, lambda d: _text(d, "#n-participants") == "2", "two students on the teacher's page")

    _click(teacher, "#start-round")
    for driver in (one, two):  # the event stream brings the round to each page
        _wait(driver, lambda d: _count(d, "button.move") == 3, "the talks' moves")
    pak, afg = (one, two) if "Pakistan (PAK)" in _text(one, "#status") else (two, one)
    assert "Kabul (AFG)" in _text(afg, "#status")

    _click(pak, "button.move", "accept_verbal")
    _wait(pak, lambda d: "Waiting for the other side" in _text(d, "#waiting"), "PAK waits")
    _wait(teacher, lambda d: "moved: PAK" in _text(d, "#pairs"), "the teacher sees that PAK moved")
    # Nobody sees PAK's move yet: not Kabul, not the teacher's (projected) pairs.
    assert "accept_verbal" not in afg.page_source
    assert "accept_verbal" not in _text(teacher, "#pairs")
    assert _count(afg, "button.move") == 3

    _click(afg, "button.move", "verbal_only")
    game = talks_game(load_scenario("istanbul_round2"))
    payoffs = f"Payoffs: PAK {game.A[1, 1]:+.2f}, AFG {game.B[1, 1]:+.2f}"
    for driver in (pak, afg):
        _wait(driver, lambda d: "Round 1" in _text(d, "#result"), "the round's result")
        result = _text(driver, "#result")
        assert "PAK chose accept_verbal, AFG chose verbal_only" in result
        assert payoffs in result
        assert "Equilibrium play" in result
    _wait(teacher, lambda d: _text(d, "#pairs-done") == "1", "the pair is done on the teacher's page")
    assert "accept_verbal / verbal_only" in _text(teacher, "#pairs")
    _wait(teacher, lambda d: _count(d, "#deal-chart circle[data-round='1']") == 1, "the class on the chart")
    deals = _text(teacher, "#deals")
    assert re.search(r"^1\t.*\t1\t1\.00 \(", deals, re.M), deals  # round 1: one pair, P(deal) 1.00 in the class
    _wait(teacher, lambda d: "precision" in _text(d, "#shares-1"), "the QRE fitted to the class")
    assert "accept_verbal\t1.00 (1)" in _text(teacher, "#shares-1")

    _click(teacher, "#close-round")
    for driver in (pak, afg):
        _wait(driver, lambda d: "(closed)" in _text(d, "#status"), "the round closed")
    _wait(teacher, lambda d: _count(d, "#start-round") == 1, "round 2 can start")
    assert "Start round 2" in _text(teacher, "#start-round")


def test_the_explorer_follows_its_sliders(server, sessions):
    from selenium.webdriver.common.by import By

    teacher, _ = sessions
    teacher.get(f"{server.url}/explorer?scenario=istanbul_round3")
    before = _text(teacher, "#prediction_html")
    assert _count(teacher, "input[type=range]") == 6
    slider = teacher.find_element(By.ID, "knob-verification")
    teacher.execute_script("arguments[0].value = '0.9'; arguments[0].dispatchEvent(new Event('input', "
                           "{bubbles: true}));", slider)
    _wait(teacher, lambda d: _text(d, "#out-verification") == "0.9", "the slider's value shown")
    _wait(teacher, lambda d: _text(d, "#prediction_html") not in ("", before), "the view updated")
    _local_only(teacher)
