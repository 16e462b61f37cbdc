"""Guessing activation codes, from one address and from many, through the
whole web stack: the limits hold as the portal defines them, also when the
guesses arrive at the same moment on separate database connections.

Limits (settings): 10 failures per client address and per typed code in a
15-minute window; 3 for guesses that can only match a legacy code.
"""

import logging

import pytest
from django.test import Client

from carepack.orders.services import add_legacy_code
from carepack.portal.models import AttemptCounter
from tests.reliability.conftest import in_parallel

WRONG = "ABCD-EFGH-JKMN-PQRS"
LEGACY_WRONG = "27000011"


def wrong_codes(count: int, prefix: str = "ABCD-EFGH") -> list[str]:
    """Distinct well-formed codes that match nothing."""
    digits = "23456789"
    return [
        f"{prefix}-{digits[n // 64 % 8]}{digits[n // 8 % 8]}{digits[n % 8]}A-WXYZ"
        for n in range(count)
    ]


def guess(code: str, address: str, **headers: str) -> int:
    response = Client().post(
        "/activate/", {"code": code}, REMOTE_ADDR=address, **headers
    )
    return response.status_code


def outcome(statuses: list[int]) -> tuple[int, int]:
    """(answered wrong, refused as locked); nothing else is acceptable."""
    assert set(statuses) <= {200, 429}, statuses
    return statuses.count(200), statuses.count(429)


@pytest.mark.django_db
def test_one_address_is_locked_after_ten_guesses_even_for_the_right_code(
    make_order,
) -> None:
    issued = make_order()
    statuses = [guess(code, "198.51.100.10") for code in wrong_codes(15)]

    assert outcome(statuses) == (10, 5)
    assert statuses[:10] == [200] * 10
    assert guess(issued.code, "198.51.100.10") == 429


@pytest.mark.django_db
def test_many_addresses_each_get_their_own_ten_and_raise_the_alert(
    make_order, settings, caplog
) -> None:
    """A guesser spreading over addresses gains only ten tries per address,
    and the vendor hears about it once."""
    make_order()
    settings.CAREPACK_ACTIVATION_ALERT_THRESHOLD = 50
    caplog.set_level(logging.WARNING, logger="carepack.portal.throttle")
    codes = iter(wrong_codes(8 * 12))

    for n in range(8):
        statuses = [guess(next(codes), f"198.51.100.{n}") for _ in range(12)]
        assert outcome(statuses) == (10, 2)

    assert AttemptCounter.objects.get(key="all").count == 80
    alerts = [r for r in caplog.records if "above threshold" in r.getMessage()]
    assert len(alerts) == 1


@pytest.mark.django_db
def test_one_code_tried_from_many_addresses_is_locked_after_ten(make_order) -> None:
    make_order()
    statuses = [guess(WRONG, f"198.51.100.{n}") for n in range(14)]

    assert outcome(statuses) == (10, 4)


@pytest.mark.django_db
def test_legacy_guesses_stop_after_three_per_address_and_per_code(
    make_order,
) -> None:
    issued = make_order()
    add_legacy_code(issued.order, "27000015", actor="test")

    per_address = [guess(f"2700002{n}", "198.51.100.20") for n in range(6)]
    per_code = [guess(LEGACY_WRONG, f"198.51.100.{30 + n}") for n in range(6)]

    assert outcome(per_address) == (3, 3)
    assert outcome(per_code) == (3, 3)
    assert guess("27000015", "198.51.100.20") == 429
    assert guess("27000015", "198.51.100.99") == 302


@pytest.mark.django_db
def test_rotating_ipv6_addresses_within_one_network_counts_as_one(
    make_order,
) -> None:
    make_order()
    codes = wrong_codes(12)
    statuses = [guess(code, f"2001:db8:1:2::{n + 1:x}") for n, code in enumerate(codes)]

    assert outcome(statuses) == (10, 2)


@pytest.mark.django_db
def test_a_forged_forwarded_header_does_not_reset_the_count(
    make_order, settings
) -> None:
    make_order()
    codes = wrong_codes(12)

    # Without a trusted proxy the header is ignored altogether.
    direct = [
        guess(code, "198.51.100.40", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
        for n, code in enumerate(codes)
    ]
    # Behind the proxy only the entry the proxy appended counts.
    settings.CAREPACK_TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    proxied = [
        guess(code, "10.9.9.9", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}, 198.51.100.41")
        for n, code in enumerate(wrong_codes(12, prefix="WXYZ-EFGH"))
    ]

    assert outcome(direct) == (10, 2)
    assert outcome(proxied) == (10, 2)


PARALLEL_CASES = {
    "one address, many codes": ([(c, "198.51.100.50") for c in wrong_codes(25)], 10),
    "one code, many addresses": ([(WRONG, f"198.51.100.{n}") for n in range(25)], 10),
    "legacy, one address": ([(f"27{n:06d}", "198.51.100.60") for n in range(12)], 3),
    "legacy, one code": (
        [(LEGACY_WRONG, f"198.51.100.{100 + n}") for n in range(12)],
        3,
    ),
}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("case", PARALLEL_CASES)
def test_parallel_guesses_stop_exactly_at_the_limit(make_order, case) -> None:
    """Every guess is its own web request on its own connection, all
    released at once: the conditional UPDATE lets exactly the limit through."""
    guesses, limit = PARALLEL_CASES[case]
    issued = make_order()
    add_legacy_code(issued.order, "27999999", actor="test")

    statuses = in_parallel([lambda c=c, a=a: guess(c, a) for c, a in guesses])

    assert outcome(statuses) == (limit, len(guesses) - limit)
