import uuid

from django.test import Client
from django.utils import timezone

from carepack.orders.models import ActivationCode
from carepack.orders.services import issue_code
from carepack.portal import access
from tests.portal.conftest import activate, order_url

ORDER_PAGES = ["", "register/", "register/packs/?count_0=1"]


def test_another_orders_url_is_refused(customer, make_order) -> None:
    other = make_order()

    for page in ORDER_PAGES:
        assert customer.get(order_url(other, page)).status_code == 404


def test_an_unknown_or_integer_id_is_refused(customer, issued) -> None:
    assert customer.get(f"/order/{uuid.uuid4()}/").status_code == 404
    assert customer.get(f"/order/{issued.order.pk}/").status_code == 404


def test_a_browser_without_activation_sees_nothing(client, issued) -> None:
    for page in ORDER_PAGES:
        response = client.get(order_url(issued, page))
        assert response.status_code == 404
        assert issued.order.partner_po not in response.content.decode()


def test_a_reseller_switches_between_activated_orders(make_order) -> None:
    first, second = make_order(), make_order()
    browser = Client()
    activate(browser, first.code)
    activate(browser, second.code)

    listing = browser.get("/orders/").content.decode()

    assert order_url(first) in listing and order_url(second) in listing
    assert browser.get(order_url(first)).status_code == 200
    assert browser.get(order_url(second)).status_code == 200
    assert browser.get("/").url == order_url(second)


def test_sign_out_ends_every_access(make_order) -> None:
    first, second = make_order(), make_order()
    browser = Client()
    activate(browser, first.code)
    activate(browser, second.code)

    response = browser.post("/signout/", follow=True)

    assert "You are signed out" in response.content.decode()
    assert browser.get(order_url(first)).status_code == 404
    assert browser.get(order_url(second)).status_code == 404
    assert browser.get("/").url == "/activate/"


def test_sign_out_needs_a_post(customer, issued) -> None:
    assert customer.get("/signout/").status_code == 405
    assert customer.get(order_url(issued)).status_code == 200


def test_access_ends_after_its_time(customer, issued) -> None:
    session = customer.session
    grants = session[access.GRANTS]
    grants[str(issued.order.public_id)]["until"] = timezone.now().timestamp() - 1
    session[access.GRANTS] = grants
    session.save()

    assert customer.get(order_url(issued)).status_code == 404


def test_reissuing_the_code_ends_the_access_it_opened(customer, issued) -> None:
    issue_code(issued.order, actor="vendor")

    assert customer.get(order_url(issued)).status_code == 404


def test_the_code_expiring_ends_the_access(customer, issued) -> None:
    ActivationCode.objects.update(expires_at=timezone.now())

    assert customer.get(order_url(issued)).status_code == 404


def test_the_new_code_opens_the_order_again(customer, issued) -> None:
    fresh = issue_code(issued.order, actor="vendor")

    activate(customer, fresh.code)

    assert customer.get(order_url(issued)).status_code == 200


def test_the_session_lasts_as_configured(customer, issued, settings) -> None:
    grant = customer.session[access.GRANTS][str(issued.order.public_id)]

    remaining = grant["until"] - timezone.now().timestamp()
    assert settings.SESSION_COOKIE_AGE - 60 < remaining <= settings.SESSION_COOKIE_AGE


def test_the_404_page_says_what_to_do(client) -> None:
    response = client.get(f"/order/{uuid.uuid4()}/")

    html = response.content.decode()
    assert response.status_code == 404
    assert "your access to the order has ended" in html
    assert 'href="/activate/"' in html
