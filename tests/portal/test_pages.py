"""What every page of the portal has: strict CSP compliance, the language
switch, the skip link, the print stylesheet."""

import re

import pytest
from django.test import Client

from carepack.portal.models import OnlineSubmission
from tests.portal.conftest import order_url


@pytest.fixture
def pages(register, customer, issued) -> dict[str, str]:
    register([{"sku": "U4417PE"}])
    submission = OnlineSubmission.objects.get()
    urls = {
        "activate": "/activate/",
        "order": order_url(issued),
        "choose": order_url(issued, "register/"),
        "packs": order_url(issued, "register/packs/?count_0=1"),
        "confirmation": order_url(issued, f"confirmation/{submission.public_id}/"),
        "switch": "/orders/",
    }
    return {name: customer.get(url).content.decode() for name, url in urls.items()}


def test_no_page_has_inline_styles_or_scripts(pages) -> None:
    for name, html in pages.items():
        assert not re.search(r"\sstyle=", html), name
        assert "<style" not in html, name
        assert not re.search(r"<script(?![^>]*\ssrc=)", html), name
        assert not re.search(r"\son[a-z]+=", html), name


def test_every_page_has_the_common_parts(pages) -> None:
    for name, html in pages.items():
        assert '<a class="skip-link" href="#main">' in html, name
        assert '<main id="main"' in html, name
        assert 'href="/static/portal/print.css" media="print"' in html, name
        assert 'action="/i18n/setlang/"' in html, name
        assert re.search(r"<title>[^<]+ – Care Pack registration</title>", html), name


def test_the_pages_are_sent_under_the_strict_policy(customer, issued) -> None:
    response = customer.get(order_url(issued))

    policy = response["Content-Security-Policy"]
    assert "style-src 'self'" in policy and "script-src 'self'" in policy
    assert "no-store" in response["Cache-Control"]


def test_the_stylesheets_are_served(client) -> None:
    for name in ("portal.css", "print.css"):
        response = client.get(f"/static/portal/{name}")
        assert response.status_code == 200
        assert b"".join(response.streaming_content)


def test_the_language_switch_turns_the_order_page_french(customer, issued) -> None:
    response = customer.post(
        "/i18n/setlang/", {"language": "fr", "next": order_url(issued)}, follow=True
    )

    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert "Commande PPO-1 / CPO-1" in html
    assert "Care Packs de cette commande" in html
    assert "Non enregistré" in html
    assert "Que souhaitez-vous faire ?" in html


def test_the_browser_language_is_the_default(issued) -> None:
    html = Client().get("/activate/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")

    assert "Activez vos Care Packs" in html.content.decode()


def test_the_home_page_leads_to_the_activation(client) -> None:
    assert client.get("/").url == "/activate/"
