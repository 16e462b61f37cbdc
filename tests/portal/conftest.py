"""Helpers for the portal tests: a customer's browser, as a test client."""

import re
from collections.abc import Callable

import pytest
from django.test import Client

from carepack.orders.services import IssuedCode

PACK = {
    "serial_number": "5cd3301k11",
    "product_number": "6f8k2ea#abf",
    "first_name": "Claire",
    "surname": "Dubois",
    "company": "",
    "contact_email": "claire@example.com",
    "purchase_date": "2026-03-15",
}
DESKTOP = {"product_number": "9TY71EA", "serial_number": "MXL4021ABC"}


def activate(client: Client, code: str, address: str = "203.0.113.7"):
    return client.post("/activate/", {"code": code}, REMOTE_ADDR=address)


def order_url(issued: IssuedCode, rest: str = "") -> str:
    return f"/order/{issued.order.public_id}/{rest}"


def token_of(html: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', html)
    assert match, "the form has no one-time token"
    return match.group(1)


def pack_data(token: str, packs: list[dict[str, str]]) -> dict[str, str]:
    """The POST of the registration form for these packs (each a dict with
    ``sku`` and the fields that differ from ``PACK``)."""
    data = {
        "token": token,
        "pack-TOTAL_FORMS": str(len(packs)),
        "pack-INITIAL_FORMS": str(len(packs)),
        "pack-MIN_NUM_FORMS": "0",
        "pack-MAX_NUM_FORMS": "50",
    }
    for index, pack in enumerate(packs):
        for name, value in {**PACK, **pack}.items():
            data[f"pack-{index}-{name}"] = value
    return data


@pytest.fixture
def issued(make_order: Callable[..., IssuedCode]) -> IssuedCode:
    """Claire's order: 5 × U4417PE (post-warranty notebook), 2 × U6578E
    (desktop), and its code."""
    return make_order()


@pytest.fixture
def customer(client: Client, issued: IssuedCode) -> Client:
    """Claire's browser, with her order activated."""
    response = activate(client, issued.code)
    assert response.status_code == 302
    return client


@pytest.fixture
def register(customer: Client, issued: IssuedCode) -> Callable[..., object]:
    """Open the registration form for these SKUs and submit these packs."""

    def submit(packs: list[dict[str, str]], **extra: str):
        form = customer.get(order_url(issued, "register/packs/"), _counts(packs))
        assert form.status_code == 200
        data = pack_data(token_of(form.content.decode()), packs)
        return customer.post(order_url(issued, "register/packs/"), data, **extra)

    return submit


def _counts(packs: list[dict[str, str]]) -> dict[str, int]:
    skus = ["U4417PE", "U6578E"]
    return {
        f"count_{i}": sum(1 for p in packs if p["sku"] == sku)
        for i, sku in enumerate(skus)
    }
