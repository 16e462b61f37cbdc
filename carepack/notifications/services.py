"""Queue e-mails so that a failing mail server delays them and loses none.

Delivery is at least once: a worker that dies after the mail server
accepted a message but before it was marked sent will send it again.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import transaction
from django.db.models import F, Q
from django.template import Context, Engine
from django.template.loader import render_to_string
from django.utils import timezone, translation

from carepack.notifications.crypto import seal, unseal
from carepack.notifications.models import OutgoingEmail
from carepack.orders.models import Order

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
MAX_DELAY_SECONDS = 6 * 3600
LEASE = timedelta(minutes=5)
LOST_AFTER = timedelta(minutes=10)


@dataclass
class Attachment:
    name: str
    storage_name: str
    mimetype: str


@dataclass
class Message:
    kind: str
    recipient: str
    subject: str
    text: str
    html: str
    attachments: list[Attachment] = field(default_factory=list)


def render_message(
    kind: str,
    recipient: str,
    template: str,
    context: dict[str, object],
    language: str,
) -> Message:
    """Render ``<template>_subject.txt``, ``.txt`` and ``.html`` in a language."""
    with translation.override(language):
        subject = _render_plain(f"{template}_subject.txt", context)
        text = _render_plain(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    return Message(kind, recipient, " ".join(subject.split()), text, html)


def _render_plain(name: str, context: dict[str, object]) -> str:
    """Render a plain-text template without HTML escaping: a subject or a
    text part is not HTML, so a PO typed as ``A&B <1>`` must stay so, not
    become ``A&amp;B &lt;1&gt;``."""
    template = Engine.get_default().get_template(name)
    return template.render(Context(context, autoescape=False))


def queue_email(message: Message, *, order: Order | None) -> OutgoingEmail:
    """Store the message encrypted and enqueue its sending after commit."""
    email = OutgoingEmail.objects.create(
        order=order,
        kind=message.kind,
        recipient=message.recipient,
        subject=message.subject[:255],
        payload=seal(
            {
                "subject": message.subject,
                "text": message.text,
                "html": message.html,
                "attachments": [vars(a) for a in message.attachments],
            }
        ),
        next_attempt_at=timezone.now(),
    )
    _enqueue(email.pk, timezone.now())
    return email


def _enqueue(email_id: int, run_after: datetime) -> None:
    from carepack.notifications.tasks import send_email

    # django-tasks-db stores the task in the same database: if the caller's
    # transaction rolls back, the task disappears with the e-mail.
    send_email.using(run_after=run_after).enqueue(email_id)


def _claim(email_id: int) -> bool:
    now = timezone.now()
    with transaction.atomic():
        claimed = (
            OutgoingEmail.objects.filter(
                pk=email_id, status=OutgoingEmail.Status.QUEUED
            )
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
            .update(lease_until=now + LEASE, attempts=F("attempts") + 1)
        )
    return claimed == 1


def deliver(email_id: int) -> str:
    """Send one queued e-mail; returns what happened, for the task result."""
    if not _claim(email_id):
        return "not-due"
    email = OutgoingEmail.objects.get(pk=email_id)
    try:
        _send(email)
    except Exception as exc:
        return _schedule_retry(email, exc)

    OutgoingEmail.objects.filter(pk=email.pk).update(
        status=OutgoingEmail.Status.SENT,
        sent_at=timezone.now(),
        payload=None,
        lease_until=None,
        last_error="",
    )
    logger.info("email sent id=%s kind=%s", email.pk, email.kind)
    return "sent"


def _send(email: OutgoingEmail) -> None:
    if email.payload is None:
        raise RuntimeError(f"e-mail {email.pk} has no payload to send")
    data = unseal(bytes(email.payload))
    message = EmailMultiAlternatives(
        subject=data["subject"], body=data["text"], to=[email.recipient]
    )
    message.attach_alternative(data["html"], "text/html")
    for item in data["attachments"]:
        with default_storage.open(item["storage_name"], "rb") as handle:
            message.attach(item["name"], handle.read(), item["mimetype"])
    mailers.default.send_messages([message])


def _schedule_retry(email: OutgoingEmail, exc: Exception) -> str:
    error = f"{type(exc).__name__}: {exc}"[:500]
    if email.attempts >= MAX_ATTEMPTS:
        OutgoingEmail.objects.filter(pk=email.pk).update(
            status=OutgoingEmail.Status.FAILED, last_error=error, lease_until=None
        )
        logger.error("email failed for good id=%s error=%s", email.pk, error)
        return "failed"

    delay = retry_delay(email.attempts)
    due = timezone.now() + delay
    with transaction.atomic():
        OutgoingEmail.objects.filter(pk=email.pk).update(
            last_error=error, lease_until=None, next_attempt_at=due
        )
        _enqueue(email.pk, due)
    logger.warning(
        "email retry id=%s attempt=%s in=%ss error=%s",
        email.pk,
        email.attempts,
        int(delay.total_seconds()),
        error,
    )
    return "retry"


def retry_delay(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … capped at 6 hours (the first delay is
    ``CAREPACK_MAIL_RETRY_BASE_SECONDS``)."""
    base = settings.CAREPACK_MAIL_RETRY_BASE_SECONDS
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), MAX_DELAY_SECONDS))


def requeue_lost_emails() -> int:
    """Queue again the e-mails whose task was lost with a dead worker."""
    stale = timezone.now() - LOST_AFTER
    lost = OutgoingEmail.objects.filter(
        status=OutgoingEmail.Status.QUEUED, next_attempt_at__lt=stale
    ).filter(Q(lease_until__isnull=True) | Q(lease_until__lt=timezone.now()))
    count = 0
    for email_id in lost.values_list("pk", flat=True)[:1000]:
        with transaction.atomic():
            OutgoingEmail.objects.filter(pk=email_id).update(
                next_attempt_at=timezone.now()
            )
            _enqueue(email_id, timezone.now())
        count += 1
    if count:
        logger.warning("requeued lost emails count=%s", count)
    return count
