"""The accessibility check itself can fail: a page with a known violation
is reported, so a clean result elsewhere means something."""

import pytest
from playwright.sync_api import Page

from tests.e2e.accessibility import assert_accessible

pytestmark = pytest.mark.browser


def test_it_reports_a_known_violation(page: Page, axe_script) -> None:
    page.set_content(
        '<!doctype html><html lang="en"><head><title>t</title></head>'
        '<body><main><img src="unit.png"></main></body></html>'
    )

    with pytest.raises(AssertionError, match="image-alt"):
        assert_accessible(page, axe_script)
