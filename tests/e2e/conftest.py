"""Browser tests: Playwright driving Debian's Chromium against the live
server, with axe-core checking each page for accessibility violations.

Playwright's sync API keeps an event loop running in the main thread, so
Django would refuse ORM calls from the test itself without this switch.
"""

import os
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

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


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any],
) -> dict[str, Any]:
    if not CHROMIUM.exists():
        pytest.skip(
            "Chromium is not installed at /usr/bin/chromium "
            "(apt-get install -y --no-install-recommends chromium)"
        )
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def base_url() -> None:
    """No base URL: the tests use the live server's. Defined here because
    pytest-playwright's own fallback fixture raises a pytest deprecation
    warning, which our settings turn into an error."""
    return None


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # The strict content security policy blocks injected scripts; axe-core
    # is injected, so the context bypasses it. test_csp.py checks the pages
    # under the policy itself.
    return {**browser_context_args, "bypass_csp": True, "locale": "en-GB"}


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
