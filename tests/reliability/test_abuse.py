"""Abuse: nobody reaches an order, a batch or a confirmation that is not
theirs, whatever URL they try; forms refuse a missing CSRF token; uploads
stay within the order they were made for.

The URLs are not listed here: they are found by walking the resolver, so a
page added later is covered without touching this file.
"""

import itertools
import secrets
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from carepack.orders.models import CarePack, Order
from carepack.orders.services import IssuedCode
from carepack.portal.models import OnlineSubmission
from carepack.registrations.models import Registration
from carepack.volume.models import BatchRow, UploadBatch
from carepack.volume.uploads import issue_form_token
from tests.portal.conftest import DESKTOP, pack_data, token_of
from tests.reliability.conftest import (
    browser_for,
    processed_batch,
    serial_file,
    serial_rows,
)
from tests.reliability.urlwalk import Route, all_routes

pytestmark = pytest.mark.django_db

# Which object each UUID argument of a URL names.
KINDS = {"public_id": "order", "batch_id": "batch", "submission_id": "submission"}
# Values for the admin's own arguments; a customer never gets past its login.
ADMIN_VALUES = {
    "object_id": "1",
    "content_type_id": "1",
    "app_label": "orders",
    "url": "orders/order/1/change/",
    "id": "1",
}
SECRET_PO = "PO-FOREIGN-7Q4"


@dataclass
class Holdings:
    """One customer's order with one of everything a URL can name."""

    issued: IssuedCode
    batch: UploadBatch
    submission: OnlineSubmission

    @property
    def order(self) -> Order:
        return self.issued.order

    def ids(self) -> dict[str, str]:
        return {
            "order": str(self.order.public_id),
            "batch": str(self.batch.public_id),
            "submission": str(self.submission.public_id),
        }


def holdings(issued: IssuedCode, serial_prefix: str) -> Holdings:
    """An online registration and a finished batch with one line in error
    (so that its error file and reports exist)."""
    browser = browser_for(issued.code, address="192.0.2.200")
    url = f"/order/{issued.order.public_id}/register/packs/"
    form = browser.get(url, {"count_1": "1"}).content.decode()
    desktop = {"sku": "U6578E", **DESKTOP, "serial_number": f"{serial_prefix}DT001"}
    response = browser.post(url, pack_data(token_of(form), [desktop]))
    assert response.status_code == 302, response.content.decode()[:2000]

    rows = [*serial_rows(2, prefix=serial_prefix), ("BAD", "", "", "", "", "")]
    batch = processed_batch(issued.order, serial_file(rows))
    assert batch.status == UploadBatch.Status.DONE and batch.error_file
    return Holdings(issued, batch, OnlineSubmission.objects.get(order=issued.order))


@pytest.fixture
def own(make_order) -> Holdings:
    return holdings(make_order(), "OWN")


@pytest.fixture
def foreign(make_order) -> Holdings:
    issued = make_order()
    Order.objects.filter(pk=issued.order.pk).update(partner_po=SECRET_PO)
    issued.order.refresh_from_db()
    return holdings(issued, "FGN")


def portal_routes() -> list[Route]:
    routes = [route for route in all_routes() if route.namespace != "admin"]
    for route in routes:
        unknown = set(route.uuid_args) - set(KINDS)
        assert not unknown, (
            f"{route.template}: say in KINDS which object {sorted(unknown)} names"
        )
        assert not route.other_args, (
            f"{route.template}: {route.other_args} is not a UUID; a customer URL "
            "naming an object must use a random public id, never a sequence"
        )
    return routes


def fill(route: Route, choice: tuple[Holdings, ...]) -> str:
    return route.url(
        {
            arg: owner.ids()[KINDS[arg]]
            for arg, owner in zip(route.uuid_args, choice, strict=True)
        }
    )


def foreign_choices(
    route: Route, own: Holdings, foreign: Holdings
) -> list[tuple[Holdings, ...]]:
    """Every way of naming the URL's objects that involves a foreign one."""
    choices = itertools.product((own, foreign), repeat=len(route.uuid_args))
    return [choice for choice in choices if foreign in choice]


def registration_post(order_sku: str = "U6578E") -> dict[str, str]:
    pack = {"sku": order_sku, **DESKTOP, "serial_number": "ATTACK0001"}
    return pack_data(secrets.token_urlsafe(32), [pack])


def upload_post(order: Order) -> dict[str, object]:
    """An upload with a token issued for ``order``, as if it had leaked."""
    return {
        "file": SimpleUploadedFile(
            "attack.txt", serial_file(serial_rows(1, prefix="ATTACK"))
        ),
        "reply_email": "mallory@example.com",
        "token": issue_form_token(order),
    }


def snapshot(order: Order) -> dict[str, object]:
    return {
        "registrations": sorted(
            Registration.objects.filter(order=order).values_list("id", "status")
        ),
        "units": sorted(
            CarePack.objects.filter(order=order).values_list("id", "status")
        ),
        "batches": sorted(
            UploadBatch.objects.filter(order=order).values_list("id", "status")
        ),
        "rows": BatchRow.objects.filter(batch__order=order).count(),
        "submissions": OnlineSubmission.objects.filter(order=order).count(),
        "order": Order.objects.filter(pk=order.pk).values().get(),
    }


def test_every_url_knows_the_objects_it_names() -> None:
    names = {route.name for route in portal_routes()}

    # The walk really sees the project's pages (it is not empty by mistake).
    assert {"portal:order", "portal:confirmation", "volume:batch"} <= names


def test_every_url_works_for_the_customers_own_objects(own, foreign) -> None:
    """The control: the URLs built below are real pages, so the 404s of the
    next test come from the access checks, not from a wrong URL."""
    browser = browser_for(own.issued.code)

    for route in portal_routes():
        url = fill(route, (own,) * len(route.uuid_args))
        response = browser.get(url)
        assert response.status_code in (200, 302, 405), (url, response.status_code)
        assert SECRET_PO not in _body(response), url


def test_no_url_shows_or_changes_another_customers_objects(own, foreign) -> None:
    browser = browser_for(own.issued.code)
    before = snapshot(foreign.order), snapshot(own.order)
    tried = 0

    for route in portal_routes():
        for choice in foreign_choices(route, own, foreign):
            url = fill(route, choice)
            responses = [
                browser.get(url),
                browser.post(url, registration_post()),
                browser.post(url, upload_post(foreign.order)),
                Client().get(url),
            ]
            for response in responses:
                assert response.status_code in (404, 405), (url, response.status_code)
                assert SECRET_PO not in _body(response), url
            tried += 1

    assert tried >= 10
    assert (snapshot(foreign.order), snapshot(own.order)) == before


def test_urls_without_objects_show_only_the_customers_own_orders(own, foreign) -> None:
    browser = browser_for(own.issued.code)

    for route in portal_routes():
        if route.uuid_args:
            continue
        for response in (browser.get(route.url({})), browser.post(route.url({}))):
            assert response.status_code in (200, 302, 405), route.template
            assert SECRET_PO not in _body(response), route.template
            if response.status_code == 302:
                assert response["Location"].startswith("/"), route.template


def test_the_admin_lets_no_customer_in(own, foreign) -> None:
    browser = browser_for(own.issued.code)
    admin_routes = [route for route in all_routes() if route.namespace == "admin"]

    for route in admin_routes:
        url = route.url(ADMIN_VALUES)
        response = browser.get(url)
        if route.name == "admin:login":
            assert response.status_code == 200
        elif route.name == "admin:logout":
            assert response.status_code in (302, 405)
        else:
            assert response.status_code == 302, url
            assert response["Location"].startswith("/admin/login/"), url
        assert SECRET_PO not in _body(response), url
    assert len(admin_routes) > 50


def test_every_form_refuses_a_post_without_csrf_token(own, foreign) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.cookies = browser_for(own.issued.code).cookies
    before = snapshot(own.order)

    for route in all_routes():
        values = ADMIN_VALUES | {arg: own.ids()[KINDS[arg]] for arg in route.uuid_args}
        url = route.url(values)
        for data in (registration_post(), upload_post(own.order)):
            response = browser.post(url, data)
            assert response.status_code in (403, 405), (url, response.status_code)

    assert snapshot(own.order) == before


def test_a_post_with_its_csrf_token_goes_through(own) -> None:
    """The control of the test above: the same client, token included."""
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/activate/")
    token = page.context["csrf_token"]

    response = browser.post(
        "/activate/", {"code": own.issued.code, "csrfmiddlewaretoken": str(token)}
    )

    assert response.status_code == 302


def test_an_upload_with_another_orders_form_token_is_refused(own, foreign) -> None:
    browser = browser_for(own.issued.code)
    batches = UploadBatch.objects.count()

    response = browser.post(
        f"/order/{own.order.public_id}/volume/", upload_post(foreign.order)
    )

    assert response.status_code == 400
    assert "This form has expired" in response.content.decode()
    assert UploadBatch.objects.count() == batches


def test_an_upload_registers_nothing_outside_its_order(
    own, foreign, make_order
) -> None:
    """Lines naming a pack the order does not hold, or a serial registered
    on another order, take nothing from any other order."""
    stranger = make_order(lines={"U7882E": 3})
    rows = [
        ("STRANGE001", "6F8K2EA", "U7882E", "Eve", "Attacker", ""),
        # A standard pack the foreign order registered online on this unit.
        ("FGNDT001", DESKTOP["product_number"], "U6578E", "Eve", "Attacker", ""),
    ]
    before = snapshot(foreign.order), snapshot(stranger.order)

    batch = processed_batch(own.order, serial_file(rows))

    outcomes = dict(BatchRow.objects.filter(batch=batch).values_list("line", "errors"))
    codes = {line: [e["code"] for e in errors] for line, errors in outcomes.items()}
    assert codes == {2: ["not_on_order"], 3: ["already_covered"]}
    assert (snapshot(foreign.order), snapshot(stranger.order)) == before


def _body(response: object) -> str:
    content = getattr(response, "content", None)
    if content is None:  # a file download streams
        return b"".join(getattr(response, "streaming_content", [])).decode(
            errors="replace"
        )
    return bytes(content).decode(errors="replace")
