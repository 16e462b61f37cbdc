import re
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carepack.portal.models import OnlineSubmission
from carepack.volume.models import UploadBatch
from tests.portal.conftest import DESKTOP, activate, order_url


def unit_rows(html: str) -> list[str]:
    body = re.search(r'<table class="data units">.*?<tbody>(.*?)</tbody>', html, re.S)
    return re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S) if body else []


def test_it_shows_the_pos_and_each_line(customer, issued) -> None:
    html = customer.get(order_url(issued)).content.decode()

    assert "Order PPO-1 / CPO-1" in html
    assert "HP 1y PW Nbd Notebook 3ywtv HW Support" in html
    row = re.search(r"U6578E</th>(.*?)</tr>", html, re.S).group(1)
    assert re.findall(r'class="num">(\d+)<', row) == ["2", "0", "2"]
    assert len(unit_rows(html)) == 7
    assert "Not registered" in html


def test_units_are_paged_by_fifty(client, make_order) -> None:
    issued = make_order(lines={"U4417PE": 120})
    activate(client, issued.code)

    first = client.get(order_url(issued)).content.decode()
    last = client.get(order_url(issued), {"page": "3"}).content.decode()

    assert len(unit_rows(first)) == 50 and len(unit_rows(last)) == 20
    assert "120 units – page 1 of 3" in first
    assert 'href="?page=2" rel="next"' in first
    assert 'rel="next"' not in last
    assert '<td class="num">101</td>' in last


def test_a_page_out_of_range_shows_the_last(customer, issued) -> None:
    response = customer.get(order_url(issued), {"page": "999"})

    assert response.status_code == 200
    assert len(unit_rows(response.content.decode())) == 7


def test_units_are_searchable_by_serial(register, customer, issued) -> None:
    register([{"sku": "U4417PE"}, {"sku": "U6578E", **DESKTOP}])
    register([{"sku": "U4417PE", "serial_number": "CND0000042"}])

    found = customer.get(order_url(issued), {"serial": "3301k"}).content.decode()

    rows = unit_rows(found)
    assert len(rows) == 1 and "5CD3301K11" in rows[0]
    assert "March 15, 2027 to March 14, 2028" in rows[0]
    assert "1 unit" in found


def test_units_filter_by_status(register, customer, issued) -> None:
    register([{"sku": "U4417PE"}])

    html = customer.get(order_url(issued), {"status": "unregistered"}).content
    assert len(unit_rows(html.decode())) == 6


def test_a_search_that_finds_nothing_says_so(customer, issued) -> None:
    html = customer.get(order_url(issued), {"serial": "NOPE1"}).content.decode()

    assert "No unit matches this search." in html


def test_the_message_centre_lists_emails_without_codes(customer, issued) -> None:
    html = customer.get(order_url(issued)).content.decode()

    centre = html[html.index("Message centre") :]
    assert "Registration invitation: “Register your Care Packs" in centre
    assert "to claire@example.com – waiting to be sent" in centre
    assert issued.code not in html


def test_the_message_centre_lists_results_newest_first(
    register, customer, issued
) -> None:
    register([{"sku": "U4417PE"}])
    submission = OnlineSubmission.objects.get()
    UploadBatch.objects.create(
        order=issued.order,
        original_name="serials.xlsx",
        status=UploadBatch.Status.DONE,
        registered=3,
        already_registered=1,
        errors=2,
    )

    html = customer.get(order_url(issued)).content.decode()

    centre = html[html.index("Message centre") :]
    assert "Volume file serials.xlsx: finished – 3 registered, 1 already" in centre
    confirmation = order_url(issued, f"confirmation/{submission.public_id}/")
    assert f'href="{confirmation}"' in centre
    assert "Online registration: 1 Care Pack registered" in centre
    positions = [
        centre.index(text)
        for text in (
            "serials.xlsx",
            "Registration confirmation:",
            "Registration invitation:",
        )
    ]
    assert positions == sorted(positions)


@pytest.mark.urls("tests.portal.urls_without_volume")
def test_without_volume_pages_there_is_no_volume_link(customer, issued) -> None:
    html = customer.get(order_url(issued)).content.decode()

    assert "Online registration" in html
    assert "Volume registration" not in html


@pytest.mark.urls("tests.portal.urls_with_volume")
def test_with_volume_pages_the_order_links_to_them(customer, issued) -> None:
    html = customer.get(order_url(issued)).content.decode()

    assert f'href="{order_url(issued, "volume/")}">Volume registration' in html


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_query_count_does_not_grow_with_units(client, make_order, register) -> None:
    small, large = make_order(lines={"U4417PE": 3}), make_order(lines={"U4417PE": 400})
    activate(client, small.code)
    activate(client, large.code)

    assert count_queries(client, order_url(small)) == count_queries(
        client, order_url(large)
    )
    assert count_queries(client, order_url(large)) <= 12


@pytest.mark.slow
def test_an_order_of_100000_units_opens_fast(client, make_order) -> None:
    issued = make_order(lines={"U4417PE": 60_000, "U6578E": 40_000})
    activate(client, issued.code)

    started = time.monotonic()
    first = client.get(order_url(issued))
    last = client.get(order_url(issued), {"page": "2000", "status": "unregistered"})
    search = client.get(order_url(issued), {"serial": "5CD"})
    elapsed = time.monotonic() - started

    assert first.status_code == last.status_code == search.status_code == 200
    assert "100000 units – page 1 of 2000" in first.content.decode()
    assert '<td class="num">99951</td>' in last.content.decode()
    assert elapsed < 3, f"three order pages took {elapsed:.2f} s"
