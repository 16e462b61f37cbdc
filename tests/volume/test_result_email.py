"""The result e-mail: once per batch, in the order's language, with the
counts, the first errors, a link to the batch and the error file."""

import pytest
from django.core import mail

from carepack.notifications.models import OutgoingEmail
from carepack.notifications.services import deliver
from carepack.volume.processing import process_batch
from tests.volume.conftest import pack, text_file

ROWS = [
    pack("5CD0000001"),
    pack("5CD0000002", surname=""),
    pack("5CD0000003", sku="U9999XX"),
]


def send_queued() -> None:
    """Send the result e-mails (not the order's activation e-mail)."""
    results = OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.BATCH_RESULT)
    for email in results.filter(status=OutgoingEmail.Status.QUEUED):
        assert deliver(email.pk) == "sent"


def sent_message():
    [message] = mail.outbox
    return message


def test_it_mails_the_counts_the_errors_and_the_error_file(
    make_order, run_file, tmp_path
) -> None:
    order = make_order().order
    batch = run_file(
        order,
        text_file(tmp_path / "serials.txt", ROWS),
        reply_email="buyer@example.com",
    )
    send_queued()

    message = sent_message()
    assert message.to == ["buyer@example.com"]
    assert message.subject == "serials.txt: 2 lines to correct"
    text = message.body
    assert "registered now: 1" in text and "in error: 2" in text
    assert "line 3: Surname: This field is required." in text
    pack_error = "Care Pack “U9999XX” is not part of this order."
    assert f"line 4: Care Pack product number: {pack_error}" in text
    assert f"/order/{order.public_id}/batches/{batch.public_id}/" in text
    [(name, content, mimetype)] = message.attachments
    # Sent as bytes, so that the file arrives exactly as it will be read.
    assert (name, mimetype) == ("serials-errors.txt", "application/octet-stream")
    assert content.decode("utf-16").count("\r\n") == 3
    assert OutgoingEmail.objects.get(kind="batch_result").order == order


def test_it_writes_to_a_french_order_in_french(make_order, run_file, tmp_path) -> None:
    order = make_order(language="fr").order
    run_file(
        order,
        text_file(tmp_path / "serials.txt", ROWS),
        reply_email="acheteur@example.fr",
    )
    send_queued()

    message = sent_message()
    assert message.subject == "serials.txt : 2 lignes à corriger"
    assert "ligne 3 : Nom : Ce champ est obligatoire." in message.body
    assert message.attachments[0][0] == "serials-erreurs.txt"


def test_a_large_error_file_is_linked_not_attached(
    make_order, run_file, tmp_path, settings
) -> None:
    settings.CAREPACK_MAIL_MAX_ATTACHMENT_BYTES = 10
    order = make_order().order
    batch = run_file(
        order,
        text_file(tmp_path / "serials.txt", ROWS),
        reply_email="buyer@example.com",
    )
    send_queued()

    message = sent_message()
    assert message.attachments == []
    assert f"/batches/{batch.public_id}/errors/" in message.body


def test_it_is_queued_once_whatever_runs_again(make_order, run_file, tmp_path) -> None:
    batch = run_file(
        make_order().order,
        text_file(tmp_path / "s.txt", ROWS),
        reply_email="b@example.com",
    )

    assert process_batch(batch.pk) == "finished"
    send_queued()

    assert len(mail.outbox) == 1
    assert OutgoingEmail.objects.filter(kind="batch_result").count() == 1


def test_without_a_reply_address_nothing_is_sent(
    make_order, run_file, tmp_path
) -> None:
    run_file(make_order().order, text_file(tmp_path / "s.txt", ROWS))
    send_queued()

    assert mail.outbox == []


def test_a_clean_file_says_so(make_order, run_file, tmp_path) -> None:
    run_file(
        make_order().order,
        text_file(tmp_path / "ok.txt", ROWS[:1]),
        reply_email="b@example.com",
    )
    send_queued()

    message = sent_message()
    assert message.subject == "ok.txt: every line registered"
    assert message.attachments == []


def test_a_refused_file_is_explained(make_order, run_file, tmp_path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(b"%PDF-1.5 scanned order")
    run_file(make_order().order, path, reply_email="b@example.com")
    send_queued()

    message = sent_message()
    assert message.subject == "scan.pdf: the file could not be processed"
    assert "This is a PDF document, not a registration file." in message.body
    # A refused file has no report to download.
    assert "report" not in message.body
    assert "report" not in message.alternatives[0].content


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_html_part_matches_the_text(
    make_order, run_file, tmp_path, language
) -> None:
    order = make_order(language=language).order
    run_file(order, text_file(tmp_path / "s.txt", ROWS), reply_email="b@example.com")
    send_queued()

    html, mimetype = sent_message().alternatives[0]
    assert mimetype == "text/html"
    assert f'lang="{language}"' in html
    assert "5CD0000002" not in html or "line" in html
