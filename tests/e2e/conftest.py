"""Browser tests: Playwright driving Debian's Chromium against the live
server, with axe-core checking each page for accessibility violations.

Playwright's sync API runs an event loop in the main thread while it is
started, and Django then refuses ORM calls (the test's own and the database
fixtures') unless DJANGO_ALLOW_ASYNC_UNSAFE is set. So Playwright runs only
for the duration of this package, and the variable is set for exactly that
time: left in the environment, it would leak into the processes other tests
start (and `check --deploy` rightly warns about it). pytest-playwright's own
fixtures live for the whole session, which is why they are not used here.
"""

import os
from collections.abc import Generator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


@pytest.fixture(scope="package")
def chromium() -> Generator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(
            "Chromium is not installed at /usr/bin/chromium "
            "(apt-get install -y --no-install-recommends chromium)"
        )
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture
def page(chromium: Browser) -> Generator[Page]:
    """A fresh browser profile in English. The strict content security
    policy blocks injected scripts and axe-core is injected, so this context
    bypasses it; test_csp.py checks the pages under the policy itself."""
    context = chromium.new_context(bypass_csp=True, locale="en-GB")
    yield context.new_page()
    context.close()


@pytest.fixture(scope="session")
def axe_script() -> Path:
    if AXE.exists():
        return AXE
    message = (
        "axe-core is missing (node_modules/axe-core/axe.min.js): run `npm ci` "
        "at the repository root; the accessibility checks did NOT run"
    )
    if os.environ.get("CAREPACK_REQUIRE_ALL") == "1":
        pytest.fail(message)
    pytest.skip(message)
