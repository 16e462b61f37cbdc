"""The pages under the real content security policy: styled, and without
a single violation reported by the browser."""

import pytest
from playwright.sync_api import Browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_pages_are_styled_under_the_strict_policy(
    chromium: Browser, live_server
) -> None:
    context = chromium.new_context(locale="en-GB")
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text))

    page.goto(f"{live_server.url}/activate/")

    header = page.locator(".site-header")
    background = header.evaluate("e => getComputedStyle(e).backgroundColor")
    assert background == "rgb(11, 79, 138)"
    assert not [p for p in problems if "Content Security Policy" in p], problems
    context.close()
