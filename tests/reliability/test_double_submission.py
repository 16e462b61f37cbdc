"""A form submitted twice at the same moment (a double click, a retry of
the browser) has one effect: one registration, one batch.

Both requests run on their own database connection and are held at a
barrier until both have passed the form's checks, so they really overlap
(PostgreSQL only: SQLite serialises writers).
"""

import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from carepack.notifications.models import OutgoingEmail
from carepack.portal import views as portal_views
from carepack.portal.models import OnlineSubmission
from carepack.registrations.models import Registration
from carepack.volume import views as volume_views
from carepack.volume.models import BatchRow, UploadBatch
from tests.portal.conftest import DESKTOP, pack_data, token_of
from tests.reliability.conftest import (
    browser_for,
    in_parallel,
    serial_file,
    serial_rows,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def together(monkeypatch, module: Any, name: str, parties: int = 2) -> None:
    """Make ``module.name`` wait until every request has reached it."""
    barrier = threading.Barrier(parties)
    real: Callable[..., Any] = getattr(module, name)

    def held(*args: Any, **kwargs: Any) -> Any:
        barrier.wait(timeout=20)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, held)


def stored_files(folder: str = "") -> set[str]:
    """Every file in the upload storage."""
    try:
        folders, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return set()
    found = {f"{folder}/{name}".lstrip("/") for name in files}
    for inner in folders:
        found |= stored_files(f"{folder}/{inner}".lstrip("/"))
    return found


def twin(browser: Client) -> Client:
    """The same browser as a second client (one client is not thread-safe)."""
    other = Client()
    other.cookies = browser.cookies
    return other


def test_the_same_registration_form_posted_twice_registers_once(
    make_order, monkeypatch
) -> None:
    issued = make_order()
    browser = browser_for(issued.code)
    url = f"/order/{issued.order.public_id}/register/packs/"
    form = browser.get(url, {"count_1": "2"}).content.decode()
    packs = [
        {"sku": "U6578E", **DESKTOP, "serial_number": "DOUBLE0001"},
        {"sku": "U6578E", **DESKTOP, "serial_number": "DOUBLE0002"},
    ]
    data = pack_data(token_of(form), packs)
    together(monkeypatch, portal_views, "submit")

    responses = in_parallel(
        [lambda c=c: c.post(url, data) for c in (browser, twin(browser))]
    )

    assert [r.status_code for r in responses] == [302, 302]
    assert responses[0]["Location"] == responses[1]["Location"]
    assert OnlineSubmission.objects.count() == 1
    assert Registration.objects.filter(order=issued.order).count() == 2
    confirmations = OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.CONFIRMATION)
    assert confirmations.count() == 1


def test_the_same_upload_posted_twice_makes_one_batch(
    make_order, monkeypatch, run_worker
) -> None:
    issued = make_order()
    browser = browser_for(issued.code)
    url = f"/order/{issued.order.public_id}/volume/"
    token = token_of(browser.get(url).content.decode())
    content = serial_file(serial_rows(4))
    name = f"twice-{uuid.uuid4().hex}.txt"

    def post(client: Client) -> Any:
        upload = SimpleUploadedFile(name, content)
        data = {"file": upload, "reply_email": "claire@example.com", "token": token}
        return client.post(url, data)

    together(monkeypatch, volume_views, "accept_upload")
    before = stored_files()
    responses = in_parallel([lambda c=c: post(c) for c in (browser, twin(browser))])
    run_worker()

    assert [r.status_code for r in responses] == [302, 302]
    assert responses[0]["Location"] == responses[1]["Location"]
    [batch] = UploadBatch.objects.filter(order=issued.order)
    assert batch.status == UploadBatch.Status.DONE
    assert (batch.lines, batch.registered) == (4, 4)
    assert BatchRow.objects.filter(batch=batch).count() == 4
    assert Registration.objects.filter(order=issued.order).count() == 4
    # The loser's copy of the file was removed: one stored upload.
    assert stored_files() - before == {batch.file.name}
