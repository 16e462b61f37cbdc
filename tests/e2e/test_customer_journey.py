"""A customer's whole journey in a real browser, from the e-mail's link to
the order page in French, with axe-core on every page."""

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from carepack.notifications.models import OutgoingEmail
from carepack.notifications.services import deliver
from carepack.registrations.models import Registration
from tests.e2e.accessibility import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def activation_email() -> tuple[str, str]:
    """The link and the code, read from the e-mail as the customer reads it."""
    [email] = OutgoingEmail.objects.filter(kind="activation")
    assert deliver(email.pk) == "sent"
    [message] = mail.outbox
    url = re.search(r"https?://\S+/activate/", message.body)
    code = re.search(r"[A-Z2-9]{4}(?:-[A-Z2-9]{4}){3}", message.body)
    assert url and code, message.body
    return url.group(0), code.group(0)


def fill_pack(page: Page, number: int, values: dict[str, str]) -> None:
    pack = page.get_by_role("group", name=re.compile(f"Care Pack {number} of 2"))
    for label, value in values.items():
        pack.get_by_label(label, exact=False).fill(value)


def test_a_customer_activates_and_registers_online(
    page: Page, live_server, settings, make_order, axe_script
) -> None:
    settings.CAREPACK_BASE_URL = live_server.url
    make_order(lines={"U4417PE": 2, "U6578E": 1})
    url, code = activation_email()
    assert url.startswith(live_server.url)

    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Activate your Care Packs"
    )
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    assert_accessible(page, axe_script)

    code_input = page.get_by_label("Activation code")
    code_input.fill(code[:-1] + ("A" if code[-1] != "A" else "B"))
    page.get_by_role("button", name="Open my order").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "This activation code is not valid"
    )
    expect(code_input).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, axe_script)

    code_input.fill(" " + code.lower().replace("-", " ") + " ")
    page.get_by_role("button", name="Open my order").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Order PPO-1 / CPO-1")
    assert_accessible(page, axe_script)

    page.get_by_role("link", name="Online registration").click()
    page.get_by_label("Number of U4417PE Care Packs to register").fill("1")
    page.get_by_label("Number of U6578E Care Packs to register").fill("1")
    assert_accessible(page, axe_script)
    page.get_by_role("button", name="Continue").click()

    owner = {
        "Title/first name": "Claire",
        "Surname": "Dubois",
        "Contact e-mail": "claire@example.com",
        "Hardware purchase date": "2026-03-15",
    }
    fill_pack(
        page,
        1,
        {"Unit serial number": "5cd3301k11", "Product number": "6F8K2EA", **owner},
    )
    fill_pack(
        page,
        2,
        {"Unit serial number": "MXL4021ABC", "Product number": "6F8K2EA", **owner},
    )
    assert_accessible(page, axe_script)
    page.get_by_role("button", name="Register").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Care Pack U6578E is for desktop")
    product = page.get_by_role(
        "group", name=re.compile("Care Pack 2 of 2")
    ).get_by_label("Product number")
    expect(product).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, axe_script)
    summary.get_by_role("link").click()
    expect(product).to_be_focused()
    product.fill("9TY71EA")
    page.get_by_role("button", name="Register").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Registration confirmation"
    )
    table = page.get_by_role("table")
    expect(table).to_contain_text("March 15, 2027 to March 14, 2028")
    expect(table).to_contain_text("March 15, 2026 to March 14, 2029")
    assert_accessible(page, axe_script)
    assert Registration.objects.count() == 2

    page.get_by_role("button", name="Français").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Confirmation d’enregistrement"
    )
    page.get_by_role("link", name="Retour à la commande").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Commande PPO-1 / CPO-1")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_text("Que souhaitez-vous faire ?")).to_be_visible()
    expect(page.get_by_role("table").first).to_contain_text("Restants")
    assert_accessible(page, axe_script)
