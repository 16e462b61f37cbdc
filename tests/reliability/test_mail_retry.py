"""A mail server that refuses the first attempts: the e-mails are tried
again by real workers (one of them killed on the way), delivered once
each, marked sent, and never sent again.

Delivery is at least once in general (a worker killed after the server
accepted a message but before it was marked sent sends it again); this
test kills the worker only between attempts, where it must be exactly once.
"""

import asyncio
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core.files.base import ContentFile
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from carepack.core.maintenance import sweep
from carepack.notifications.models import OutgoingEmail
from carepack.notifications.tasks import send_email
from carepack.volume.models import UploadBatch
from carepack.volume.uploads import accept_upload
from tests.reliability.conftest import serial_file, serial_rows, wait_until

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

REFUSALS = 3


class RefusingServer:
    """Answers 421 (try again later) to the first messages, then accepts."""

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals
        self.refused: list[str] = []
        self.accepted: list[str] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        subject = str(message_from_bytes(envelope.content)["Subject"])
        with self.lock:
            if len(self.refused) < self.refusals:
                self.refused.append(subject)
                return "421 4.3.2 Service busy, try again later"
            self.accepted.append(subject)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server() -> Iterator[tuple[RefusingServer, int]]:
    handler = RefusingServer(REFUSALS)
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


def kill_between_attempts(worker: Any, batch: UploadBatch) -> None:
    """Kill the worker once the batch is done and an e-mail waits for its
    next attempt, never while one is being sent (the worker is frozen
    while the database is read, so the answer stays true)."""

    def waiting_for_retry() -> bool:
        worker.pause()
        emails = OutgoingEmail.objects.filter(status="queued")
        done = UploadBatch.objects.filter(pk=batch.pk, status="done").exists()
        refused = emails.exclude(last_error="").exists()
        # A task taken from the queue, its e-mail not claimed yet, is in
        # flight too: killed there, it is lost until the sweeper's delay.
        in_flight = (
            emails.filter(lease_until__isnull=False).exists()
            or DBTaskResult.objects.filter(
                status="RUNNING", task_path__endswith="send_email"
            ).exists()
        )
        if done and refused and not in_flight:
            return True
        worker.resume()
        return False

    wait_until(
        waiting_for_retry,
        timeout=30,
        what=lambda: f"a refusal between attempts\n{worker.output()}",
        step=0.02,
    )
    worker.kill()


def emails() -> list[tuple[str, int, str]]:
    return list(OutgoingEmail.objects.values_list("status", "attempts", "subject"))


def test_refused_emails_are_retried_and_delivered_exactly_once(
    make_order, workers, server
) -> None:
    handler, port = server
    env = {
        "CAREPACK_MAILER": "smtp",
        "CAREPACK_SMTP_HOST": "127.0.0.1",
        "CAREPACK_SMTP_PORT": str(port),
        "CAREPACK_SMTP_TIMEOUT": "5",
        "CAREPACK_MAIL_RETRY_BASE_SECONDS": "1",
    }
    order = make_order().order  # queues the activation e-mail
    batch = accept_upload(
        order,
        ContentFile(serial_file(serial_rows(3)), name="serials.txt"),
        reply_email="ops@example.com",
        channel="web",
    ).batch
    worker = workers(**env)

    # Kill the worker between two attempts, as a crash would; another one
    # must carry on with the retries it had scheduled.
    kill_between_attempts(worker, batch)
    worker = workers(**env)
    wait_until(
        lambda: OutgoingEmail.objects.filter(status="sent").count() == 2,
        timeout=60,
        what=lambda: f"both e-mails to be sent: {emails()}\n{worker.output()}",
    )

    assert len(handler.refused) == REFUSALS
    assert sorted(Counter(handler.accepted).values()) == [1, 1]
    sent = OutgoingEmail.objects.all()
    assert {e.kind for e in sent} == {"activation", "batch_result"}
    assert sum(e.attempts for e in sent) == REFUSALS + 2
    assert all(e.payload is None and e.sent_at for e in sent)

    # A stray task for a sent e-mail (a requeue, a duplicate) sends nothing.
    extra = [send_email.enqueue(e.pk).id for e in sent]
    sweep()
    wait_until(
        lambda: (
            DBTaskResult.objects.filter(pk__in=extra, status="SUCCESSFUL").count() == 2
        ),
        timeout=30,
        what=lambda: f"the extra tasks to run\n{worker.output()}",
    )
    results = DBTaskResult.objects.filter(pk__in=extra).values_list(
        "return_value", flat=True
    )
    assert list(results) == ["not-due", "not-due"]
    assert len(handler.accepted) == 2


class HoldingServer:
    """Holds the first message's DATA until released, then refuses it;
    accepts the others."""

    def __init__(self) -> None:
        self.holding = threading.Event()
        self.released = False
        self.accepted: list[str] = []

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        if not self.holding.is_set():
            self.holding.set()
            while not self.released:
                await asyncio.sleep(0.01)
            return "421 4.3.2 Too late"
        self.accepted.append(str(message_from_bytes(envelope.content)["Subject"]))
        return "250 OK"


def test_an_email_lost_with_a_worker_killed_mid_send_is_sent_once_later(
    make_order, workers
) -> None:
    """The worker dies while the server is still receiving the message: the
    e-mail keeps its lease and its task stays RUNNING for ever. Once the
    sweeper's delay has passed (aged here), another worker sends it."""
    handler, port = HoldingServer(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        env = {
            "CAREPACK_MAILER": "smtp",
            "CAREPACK_SMTP_HOST": "127.0.0.1",
            "CAREPACK_SMTP_PORT": str(port),
        }
        make_order()
        worker = workers(**env)
        assert handler.holding.wait(timeout=30), worker.output()
        worker.kill()
        handler.released = True
        [email] = OutgoingEmail.objects.all()
        assert (email.status, email.attempts) == ("queued", 1)
        assert email.lease_until is not None

        long_ago = timezone.now() - timedelta(minutes=11)
        OutgoingEmail.objects.update(next_attempt_at=long_ago, lease_until=long_ago)
        worker = workers(**env)
        wait_until(
            lambda: OutgoingEmail.objects.filter(status="sent").exists(),
            timeout=30,
            what=lambda: f"the lost e-mail to be sent: {emails()}\n{worker.output()}",
        )
    finally:
        handler.released = True
        controller.stop()

    assert len(handler.accepted) == 1
    assert OutgoingEmail.objects.get().attempts == 2
