import smtplib

import pytest
from django.core import mail

from carepack.notifications.models import OutgoingEmail
from carepack.notifications.services import deliver, retry_delay
from carepack.orders.services import activation_url


def send_all() -> None:
    for email in OutgoingEmail.objects.filter(status="queued"):
        deliver(email.pk)


def test_the_english_email_has_code_link_and_lines(make_order) -> None:
    issued = make_order(language="en")

    send_all()

    [message] = mail.outbox
    html = message.alternatives[0].content
    assert message.subject == (
        "Register your Care Packs – reseller PO PPO-1, customer PO CPO-1"
    )
    assert message.to == ["claire@example.com"]
    for part in (message.body, html):
        assert issued.code in part
        assert activation_url() in part
        assert "U4417PE" in part and "U6578E" in part
    assert "What to do next:" in message.body
    assert len(activation_url()) < 60


def test_the_french_email_is_in_french(make_order) -> None:
    issued = make_order(language="fr")

    send_all()

    [message] = mail.outbox
    html = message.alternatives[0].content
    assert message.subject.startswith("Enregistrez vos Care Packs")
    assert "Votre code d’activation" in message.body
    assert "Votre code d’activation" in html
    assert '<html lang="fr">' in html
    assert issued.code in message.body


def test_a_sent_email_drops_its_payload_and_is_not_sent_again(make_order) -> None:
    make_order()
    email = OutgoingEmail.objects.get()

    assert deliver(email.pk) == "sent"
    assert deliver(email.pk) == "not-due"

    email.refresh_from_db()
    assert email.status == "sent" and email.payload is None and email.sent_at
    assert len(mail.outbox) == 1


def test_a_failing_mail_server_delays_the_email(make_order, monkeypatch) -> None:
    make_order()
    email = OutgoingEmail.objects.get()

    def refuse(self: object, messages: object) -> int:
        raise smtplib.SMTPServerDisconnected("try later")

    monkeypatch.setattr(
        "django.core.mail.backends.locmem.EmailBackend.send_messages", refuse
    )
    assert deliver(email.pk) == "retry"

    email.refresh_from_db()
    assert email.status == "queued"
    assert email.payload is not None
    assert "try later" in email.last_error
    assert email.next_attempt_at > email.created_at
    assert email.attempts == 1


@pytest.mark.parametrize(
    ("attempts", "seconds"), [(1, 30), (2, 60), (5, 480), (30, 21600)]
)
def test_retries_wait_longer_each_time(attempts: int, seconds: int) -> None:
    assert retry_delay(attempts).total_seconds() == seconds
