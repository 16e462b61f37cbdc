import datetime

import pytest
from django.core import mail

from carepack.notifications.models import OutgoingEmail
from carepack.notifications.services import deliver
from carepack.orders.services import activation_url
from carepack.registrations.rules import Line
from carepack.registrations.services import (
    queue_confirmation_email,
    register_online,
)


def line(**changes: object) -> Line:
    values: dict[str, object] = {
        "serial_number": "5CD3301K11",
        "product_number": "6F8K2EA",
        "carepack_sku": "U4417PE",
        "first_name": "Claire",
        "surname": "Dubois",
        "company": "Dubois SARL",
        "contact_email": "claire@example.com",
        "purchase_date": datetime.date(2026, 3, 15),
    }
    values.update(changes)
    return Line(**values)  # type: ignore[arg-type]


def confirm(order, lines: list[Line]):
    """Register the lines, queue the confirmation and deliver it."""
    outcomes = register_online(order, lines, actor="test")
    OutgoingEmail.objects.all().delete()
    mail.outbox.clear()
    email = queue_confirmation_email(order, [o.registration for o in outcomes])
    assert deliver(email.pk) == "sent"
    [message] = mail.outbox
    return message, message.alternatives[0].content


def two_packs() -> list[Line]:
    return [
        line(),
        line(
            serial_number="MXL4021ABC", product_number="9TY71EA", carepack_sku="U6578E"
        ),
    ]


def test_the_english_confirmation_lists_packs_and_coverage(make_order) -> None:
    order = make_order(language="en").order

    message, html = confirm(order, two_packs())

    assert (
        message.subject
        == "Care Packs registered – reseller PO PPO-1, customer PO CPO-1"
    )
    assert message.to == ["claire@example.com"]
    for part in (message.body, html):
        assert "These 2 Care Packs of reseller PO PPO-1" in part
        assert "5CD3301K11" in part and "MXL4021ABC" in part
        assert "Dubois SARL" in part
        assert "from March 15, 2027 to March 14, 2028" in part
        assert "from March 15, 2026 to March 14, 2029" in part
        assert activation_url() in part
    assert f'<a href="{activation_url()}">' in html


def test_the_french_confirmation_is_in_french(make_order) -> None:
    order = make_order(language="fr").order

    message, html = confirm(order, two_packs())

    assert (
        message.subject
        == "Care Packs enregistrés – PO revendeur PPO-1, PO client CPO-1"
    )
    for part in (message.body, html):
        assert "Ces 2 Care Packs de la commande PO revendeur PPO-1" in part
        assert "du 15 mars 2027 au 14 mars 2028" in part
        assert "Numéro de série :" in part
    assert '<html lang="fr">' in html


def test_one_pack_reads_in_the_singular(make_order) -> None:
    order = make_order(language="fr").order

    message, _ = confirm(order, [line()])

    assert "Ce Care Pack de la commande" in message.body


@pytest.mark.parametrize(
    ("language", "expected"), [("en", "to be confirmed"), ("fr", "à confirmer")]
)
def test_a_registration_without_date_is_to_be_confirmed(
    make_order, language, expected
) -> None:
    order = make_order(language=language).order
    [outcome] = register_online(order, [line()], actor="test")
    registration = outcome.registration
    registration.purchase_date = registration.coverage_start = None
    registration.coverage_end = None
    mail.outbox.clear()

    email = queue_confirmation_email(order, [registration])
    deliver(email.pk)

    [message] = mail.outbox
    assert expected in message.body
    assert expected in message.alternatives[0].content


def test_the_confirmation_carries_no_code(make_order) -> None:
    issued = make_order()

    message, html = confirm(issued.order, [line()])

    assert issued.code not in message.body and issued.code not in html
    email = OutgoingEmail.objects.get(kind="confirmation")
    assert email.payload is None
