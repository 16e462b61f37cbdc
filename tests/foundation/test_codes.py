import re

import pytest
from django.utils import timezone

from carepack.orders import codes
from carepack.orders.models import ActivationCode
from carepack.orders.services import add_legacy_code, find_active_code, issue_code

LOOK_ALIKES = set("0O1IL UV")


def test_it_generates_grouped_codes_without_look_alikes() -> None:
    generated = {codes.generate_code() for _ in range(200)}

    assert len(generated) == 200
    for code in generated:
        assert re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){3}", code)
        assert not LOOK_ALIKES & set(code)


def test_it_has_at_least_60_bits() -> None:
    import math

    assert codes.CODE_LENGTH * math.log2(len(codes.ALPHABET)) >= 60


def test_it_matches_case_spaces_dashes_and_dots(make_order) -> None:
    issued = make_order()
    sloppy = " " + issued.code.lower().replace("-", " . ") + " "

    found = find_active_code(sloppy)

    assert found is not None and found.order == issued.order


def test_it_stores_only_a_keyed_digest(make_order) -> None:
    issued = make_order()

    stored = ActivationCode.objects.get(order=issued.order)

    assert issued.code not in stored.digest
    assert stored.digest == codes.digest_generated(issued.code)
    assert len(stored.digest) == 64


def test_it_survives_a_secret_key_rotation(make_order, settings) -> None:
    issued = make_order()

    settings.SECRET_KEY = "rotated" * 8

    assert find_active_code(issued.code) is not None


def test_it_depends_on_the_code_key(make_order, settings) -> None:
    issued = make_order()

    settings.CAREPACK_CODE_KEY = "another key"

    assert find_active_code(issued.code) is None


def test_it_refuses_a_wrong_code(make_order) -> None:
    issued = make_order()
    wrong = issued.code[:-1] + ("A" if issued.code[-1] != "A" else "B")

    assert find_active_code(wrong) is None
    assert find_active_code("") is None


def test_reissuing_revokes_the_old_code(make_order) -> None:
    first = make_order()

    second = issue_code(first.order, actor="test")

    assert find_active_code(first.code) is None
    assert find_active_code(second.code).order == first.order


def test_an_expired_code_is_refused(make_order) -> None:
    issued = make_order()
    ActivationCode.objects.update(expires_at=timezone.now())

    assert find_active_code(issued.code) is None


def test_codes_expire_after_the_configured_days(make_order, settings) -> None:
    settings.CAREPACK_CODE_TTL_DAYS = 30

    issued = make_order()

    stored = ActivationCode.objects.get(order=issued.order)
    assert 29 <= (stored.expires_at - timezone.now()).days <= 30


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("27000015", True),
        (" 27000015 ", True),
        ("2700 0015", False),
        ("27000016", False),
    ],
)
def test_legacy_codes_are_matched_exactly_after_trimming(
    make_order, typed, found
) -> None:
    issued = make_order()
    add_legacy_code(issued.order, "27000015", actor="test")

    match = find_active_code(typed)

    assert (match is not None) is found
    if found:
        assert match.legacy
