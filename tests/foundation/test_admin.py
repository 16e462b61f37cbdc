import datetime

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from carepack.notifications.models import OutgoingEmail
from carepack.orders.models import ActivationCode, Order
from carepack.registrations.rules import Line
from carepack.registrations.services import register_online


@pytest.fixture
def vendor(db: None) -> Client:
    user = User.objects.create_superuser("ops", "ops@example.com", None)
    client = Client()
    client.force_login(user)
    return client


def test_it_creates_an_order_from_the_back_office(vendor: Client, catalog) -> None:
    response = vendor.post(
        reverse("admin:orders_order_add"),
        {
            "partner_po": "PPO-77",
            "customer_po": "CPO-77",
            "email": "buyer@example.com",
            "language": "fr",
            "lines": "u4417pe=3\nU6578E=2\n",
        },
    )

    order = Order.objects.get(partner_po="PPO-77")
    assert response.status_code == 302
    assert order.units.count() == 5
    assert OutgoingEmail.objects.get(order=order).kind == "activation"


def test_it_shows_a_clear_error_for_a_bad_order(vendor: Client, catalog) -> None:
    response = vendor.post(
        reverse("admin:orders_order_add"),
        {
            "partner_po": "PPO-77",
            "customer_po": "CPO-77",
            "email": "buyer@example.com",
            "language": "en",
            "lines": "NOPE=3",
        },
    )

    assert response.status_code == 200
    assert "Unknown Care Pack SKU: NOPE" in response.content.decode()
    assert not Order.objects.exists()


def test_resending_issues_a_new_code_and_never_shows_it(
    vendor: Client, make_order
) -> None:
    issued = make_order()

    response = vendor.post(
        reverse("admin:orders_order_changelist"),
        {"action": "resend_code", "_selected_action": [issued.order.pk]},
        follow=True,
    )

    codes = ActivationCode.objects.filter(order=issued.order)
    assert codes.count() == 2
    assert codes.filter(revoked_at__isnull=True).count() == 1
    assert OutgoingEmail.objects.filter(order=issued.order).count() == 2
    page = response.content.decode()
    assert "A new code was e-mailed" in page
    assert issued.code not in page


def test_it_finds_an_order_by_serial_number(vendor: Client, make_order) -> None:
    issued = make_order()
    other = make_order()
    register_online(
        issued.order,
        [
            Line(
                serial_number="5CD3301K11",
                product_number="6F8K2EA",
                carepack_sku="U4417PE",
                first_name="Claire",
                surname="Dubois",
                company="",
                contact_email="c@example.com",
                purchase_date=datetime.date(2026, 1, 2),
            )
        ],
        actor="test",
    )

    response = vendor.get(reverse("admin:orders_order_changelist"), {"q": "5CD3301K11"})

    page = response.content.decode()
    assert issued.order.partner_po in page
    assert other.order.partner_po not in page


@pytest.mark.parametrize(
    "name",
    [
        "catalog_carepackproduct",
        "catalog_hardwareproduct",
        "orders_order",
        "orders_carepack",
        "registrations_registration",
        "volume_uploadbatch",
        "volume_batchrow",
        "audit_auditevent",
        "notifications_outgoingemail",
    ],
)
def test_every_back_office_list_opens(vendor: Client, make_order, name: str) -> None:
    make_order()

    response = vendor.get(reverse(f"admin:{name}_changelist"))

    assert response.status_code == 200


def test_script_in_a_po_is_shown_as_text(vendor: Client, catalog) -> None:
    from carepack.orders.services import create_order

    issued = create_order(
        partner_po="<script>alert(1)</script>",
        customer_po='"quoted"',
        email="x@example.com",
        language="en",
        lines={"U4417PE": 1},
        actor="test",
    )

    page = vendor.get(
        reverse("admin:orders_order_change", args=[issued.order.pk])
    ).content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
