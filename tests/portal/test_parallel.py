"""What must hold with real parallel connections (PostgreSQL pass only)."""

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client

from carepack.portal.activation import attempt_activation
from carepack.portal.models import AttemptCounter

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def in_parallel(calls: list[Callable[[], object]]) -> list[object]:
    """Run the calls at the same moment, each thread on its own connection."""
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], object]) -> object:
        try:
            start.wait(timeout=10)
            return call()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def test_parallel_guesses_do_not_overshoot_the_limit(make_order) -> None:
    make_order()
    guesses = [f"ABCD-EFGH-JKMN-{n:02d}AA".replace("0", "P") for n in range(20)]

    attempts = in_parallel(
        [lambda g=g: attempt_activation("198.51.100.77", g) for g in guesses]
    )

    allowed = [a for a in attempts if a.retry_after is None]
    refused = [a for a in attempts if a.retry_after is not None]
    assert (len(allowed), len(refused)) == (10, 10)
    assert all(a.code is None for a in allowed)
    assert AttemptCounter.objects.get(key="address:198.51.100.77").count == 10
    assert AttemptCounter.objects.get(key="all").count == 10


def test_two_browsers_registering_the_last_unit(make_order, monkeypatch) -> None:
    from carepack.registrations import services
    from carepack.registrations.models import Registration
    from tests.portal.conftest import DESKTOP, activate, order_url, pack_data, token_of

    issued = make_order(lines={"U6578E": 1})
    url = order_url(issued, "register/packs/")
    posts = []
    for n, browser in enumerate([Client(), Client()]):
        activate(browser, issued.code, address=f"203.0.113.{n + 1}")
        form = browser.get(url, {"count_0": "1"}).content.decode()
        pack = {"sku": "U6578E", **DESKTOP, "serial_number": f"MXL000000{n}"}
        posts.append((browser, pack_data(token_of(form), [pack])))

    # Both transactions reach the point where they hold (or skipped) the
    # unit before either commits: the race is certain, not left to timing.
    together = threading.Barrier(2)
    take_units = services.take_units

    def take_units_together(*args: object, **kwargs: object) -> list[int]:
        units = take_units(*args, **kwargs)
        together.wait(timeout=10)
        return units

    monkeypatch.setattr(services, "take_units", take_units_together)
    responses = in_parallel([lambda b=b, d=d: b.post(url, d) for b, d in posts])

    assert sorted(r.status_code for r in responses) == [200, 302]
    [refused] = [r for r in responses if r.status_code == 200]
    assert "No unregistered U6578E Care Pack is left on this order." in (
        refused.content.decode()
    )
    assert Registration.objects.filter(order=issued.order).count() == 1
