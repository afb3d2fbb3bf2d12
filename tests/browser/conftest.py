"""A real headless Chromium for the browser tests, through Selenium.

The tests skip, saying why, when Selenium, Chromium or its driver is missing; with
``NEGSIM_REQUIRE_BROWSER=1`` (set by ``.ci/run``) they fail instead, so CI cannot pass
without having opened a report in a browser.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import NoReturn

import pytest

INSTALL = "sudo apt-get install -y chromium chromium-driver"


def _missing(reason: str) -> NoReturn:
    """Skip with ``reason``, or fail when the environment requires the browser."""
    if os.environ.get("NEGSIM_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (NEGSIM_REQUIRE_BROWSER=1 requires the browser tests)", pytrace=False)
    pytest.skip(reason)


def _program(names: tuple[str, ...], usual: str) -> str | None:
    """The first of ``names`` on the PATH, else ``usual`` if it exists."""
    found = next((p for p in map(shutil.which, names) if p), None)
    return found or (usual if Path(usual).is_file() else None)


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium (``selenium.webdriver.Chrome``), shared by the session."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _missing("selenium is not installed (pip install -e '.[test]')")
    chromium = _program(("chromium", "chromium-browser"), "/usr/bin/chromium")
    driver = _program(("chromedriver",), "/usr/bin/chromedriver")
    if chromium is None or driver is None:
        _missing(f"no {'chromium' if chromium is None else 'chromedriver'} found ({INSTALL})")
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,1024"):
        options.add_argument(arg)
    options.binary_location = chromium
    chrome = webdriver.Chrome(options=options, service=Service(executable_path=driver))
    yield chrome
    chrome.quit()
