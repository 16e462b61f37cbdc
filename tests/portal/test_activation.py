import logging

import pytest
from django.test import Client
from django.utils import timezone

from carepack.orders.models import ActivationCode
from carepack.orders.services import add_legacy_code, issue_code
from carepack.portal.models import AttemptCounter
from tests.portal.conftest import activate, order_url

WRONG = "ABCD-EFGH-JKMN-PQRS"


def wrong_codes(count: int) -> list[str]:
    """Distinct well-formed codes that match nothing."""
    return [f"ABCD-EFGH-JKMN-{n:04d}".replace("0", "A") for n in range(count)]


def test_it_opens_the_order_with_the_code_typed_loosely(client, issued) -> None:
    typed = " " + issued.code.lower().replace("-", " ") + " "

    response = activate(client, typed)

    assert response.status_code == 302
    assert response["Location"] == order_url(issued)
    assert client.get(order_url(issued)).status_code == 200


def test_the_email_link_opens_the_activation_page(client, issued) -> None:
    response = client.get("/activate/")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<label for="id_code">Activation code' in html
    assert 'autocomplete="off"' in html


def test_a_wrong_code_gets_a_clear_message_and_no_order(client, issued) -> None:
    response = activate(client, WRONG)

    html = response.content.decode()
    assert response.status_code == 200
    assert "This activation code is not valid" in html
    assert "most recent e-mail" in html
    assert 'aria-invalid="true"' in html and 'role="alert"' in html
    assert issued.order.partner_po not in html
    assert client.get(order_url(issued)).status_code == 404


def test_the_11th_wrong_try_is_refused_with_the_wait_time(client, issued) -> None:
    for code in wrong_codes(10):
        assert activate(client, code).status_code == 200

    response = activate(client, WRONG)

    html = response.content.decode()
    assert response.status_code == 429
    assert "Too many wrong codes were tried from your connection" in html
    assert "Wait 15 minutes" in html
    assert 800 < int(response["Retry-After"]) <= 900


def test_a_locked_client_is_refused_even_the_right_code(client, issued) -> None:
    for code in wrong_codes(10):
        activate(client, code)

    response = activate(client, issued.code)

    assert response.status_code == 429
    assert client.get(order_url(issued)).status_code == 404


def test_another_address_is_not_locked(client, issued) -> None:
    for code in wrong_codes(10):
        activate(client, code, address="198.51.100.1")

    response = activate(Client(), issued.code, address="198.51.100.2")

    assert response.status_code == 302


def test_the_same_code_is_limited_from_any_address(client, issued) -> None:
    for n in range(10):
        activate(Client(), WRONG, address=f"198.51.100.{n}")

    response = activate(client, WRONG, address="198.51.100.200")

    assert response.status_code == 429


def test_legacy_guesses_are_limited_harder(client, make_order) -> None:
    issued = make_order()
    add_legacy_code(issued.order, "27000015", actor="test")
    for guess in ("27000011", "27000012", "27000013"):
        assert activate(client, guess).status_code == 200

    assert activate(client, "27000015").status_code == 429
    assert activate(Client(), "27000015", address="192.0.2.9").status_code == 302


def test_typos_in_a_generated_code_do_not_lock_out_the_right_code(
    client, issued
) -> None:
    shortened = issued.code[:-1]
    for _ in range(4):
        assert activate(client, shortened).status_code == 200

    assert activate(client, issued.code.lower()).status_code == 302


def test_a_success_does_not_count_as_a_failure(make_order) -> None:
    """A reseller activating many orders in a row is never locked out."""
    client = Client()
    for _ in range(12):
        assert activate(client, make_order().code).status_code == 302

    assert activate(client, WRONG).status_code == 200


def test_the_lock_ends_with_its_window(client, issued) -> None:
    for code in wrong_codes(10):
        activate(client, code)
    AttemptCounter.objects.update(
        window_start=timezone.now() - timezone.timedelta(minutes=16)
    )

    assert activate(client, issued.code).status_code == 302


def test_the_wait_shrinks_as_the_window_passes(client, issued) -> None:
    for code in wrong_codes(10):
        activate(client, code)
    AttemptCounter.objects.update(
        window_start=timezone.now() - timezone.timedelta(minutes=14, seconds=30)
    )

    response = activate(client, issued.code)

    assert "Wait 1 minute," in response.content.decode()


def test_failures_from_all_addresses_are_logged_once(
    client, issued, settings, caplog
) -> None:
    settings.CAREPACK_ACTIVATION_ALERT_THRESHOLD = 3
    caplog.set_level(logging.WARNING, logger="carepack.portal.throttle")

    for n in range(5):
        activate(Client(), wrong_codes(5)[n], address=f"198.51.100.{n}")

    alerts = [r for r in caplog.records if "above threshold" in r.getMessage()]
    assert len(alerts) == 1
    assert AttemptCounter.objects.get(key="all").count == 5


def test_the_counters_hold_no_code(client, issued) -> None:
    activate(client, WRONG)

    keys = " ".join(AttemptCounter.objects.values_list("key", flat=True))
    assert "ABCD" not in keys.upper()
    assert ActivationCode.objects.get().digest not in keys


def test_activation_changes_the_session_key(client, issued) -> None:
    from django.contrib.sessions.backends.db import SessionStore

    session = client.session
    session["seen"] = True
    session.save()
    before = session.session_key

    activate(client, issued.code)

    assert client.cookies["sessionid"].value != before
    assert not SessionStore().exists(before)


def test_an_expired_code_is_refused(client, issued) -> None:
    ActivationCode.objects.update(expires_at=timezone.now())

    response = activate(client, issued.code)

    assert response.status_code == 200
    assert "This activation code is not valid" in response.content.decode()


def test_a_reissued_code_replaces_the_old_one(client, issued) -> None:
    fresh = issue_code(issued.order, actor="test")

    assert activate(client, issued.code).status_code == 200
    assert activate(client, fresh.code).status_code == 302


def test_it_records_who_activated(client, issued) -> None:
    from carepack.audit.models import AuditEvent

    activate(client, issued.code, address="203.0.113.50")

    event = AuditEvent.objects.get(action="order.activated")
    assert event.order == issued.order
    assert event.actor == "portal 203.0.113.50"
    assert ActivationCode.objects.get().last_used_at is not None


@pytest.mark.parametrize("method", ["put", "delete"])
def test_it_answers_other_methods_with_405(client, method) -> None:
    assert getattr(client, method)("/activate/").status_code == 405


def test_old_counters_are_dropped_when_a_new_window_opens(client, issued) -> None:
    activate(client, WRONG, address="198.51.100.8")
    long_ago = timezone.now() - timezone.timedelta(days=2)
    AttemptCounter.objects.update(window_start=long_ago, updated_at=long_ago)

    activate(client, WRONG, address="198.51.100.9")

    keys = set(AttemptCounter.objects.values_list("key", flat=True))
    assert "address:198.51.100.8" not in keys
    assert "address:198.51.100.9" in keys
