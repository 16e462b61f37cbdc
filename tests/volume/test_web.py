"""The upload page, the batch page and its downloads, as a browser uses
them (test client with the order activated)."""

import csv
import io
import os
import re

import pytest
import python_calamine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tasks_db.models import DBTaskResult

from carepack.orders.services import IssuedCode
from carepack.volume.models import UploadBatch
from carepack.volume.processing import process_batch
from tests.volume.conftest import VOLUME, pack, text_file


def browser_for(issued: IssuedCode) -> Client:
    browser = Client()
    response = browser.post(
        "/activate/", {"code": issued.code}, REMOTE_ADDR="203.0.113.9"
    )
    assert response.status_code == 302
    return browser


@pytest.fixture
def issued(make_order) -> IssuedCode:
    return make_order({"U4417PE": 3, "U6578E": 1})


@pytest.fixture
def browser(issued) -> Client:
    return browser_for(issued)


def page_of(issued: IssuedCode, rest: str = "volume/") -> str:
    return f"/order/{issued.order.public_id}/{rest}"


def token_in(html: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def post_file(browser: Client, issued: IssuedCode, path, token: str | None = None):
    if token is None:
        token = token_in(browser.get(page_of(issued)).content.decode())
    return browser.post(
        page_of(issued),
        {
            "file": SimpleUploadedFile(path.name, path.read_bytes()),
            "reply_email": "buyer@example.com",
            "token": token,
        },
    )


def test_it_shows_the_limits_and_the_templates(browser, issued, settings) -> None:
    settings.CAREPACK_UPLOAD_MAX_ROWS = 1234
    settings.CAREPACK_UPLOAD_MAX_BYTES = 100 * 1024 * 1024

    html = browser.get(page_of(issued)).content.decode()

    assert "1,234 rows" in html
    assert "100.0" in html  # MB
    assert page_of(issued, "volume/template.xlsx") in html
    assert page_of(issued, "volume/template.txt") in html
    assert 'value="claire@example.com"' in html


def test_it_creates_one_batch_and_its_task_then_shows_it(
    browser, issued, tmp_path
) -> None:
    path = text_file(tmp_path / "serials.txt", [pack("5CD0000001")])

    response = post_file(browser, issued, path)

    batch = UploadBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == page_of(issued, f"batches/{batch.public_id}/")
    assert DBTaskResult.objects.filter(pk=batch.task_id).exists()
    assert (batch.reply_email, batch.original_name) == (
        "buyer@example.com",
        "serials.txt",
    )
    html = browser.get(response["Location"]).content.decode()
    assert "<progress" in html and 'http-equiv="refresh"' in html
    assert "volume/progress.js" in html


def test_the_same_form_submitted_twice_makes_one_batch(
    browser, issued, tmp_path
) -> None:
    path = text_file(tmp_path / "serials.txt", [pack("5CD0000001")])
    token = token_in(browser.get(page_of(issued)).content.decode())

    first = post_file(browser, issued, path, token)
    again = post_file(browser, issued, path, token)

    assert UploadBatch.objects.count() == 1
    assert first["Location"] == again["Location"]


def test_a_form_sent_again_with_another_file_says_it_was_not_taken(
    browser, issued, tmp_path
) -> None:
    wrong = text_file(tmp_path / "wrong.txt", [pack("5CD0000001")])
    right = text_file(tmp_path / "right.txt", [pack("5CD0000001"), pack("5CD0000002")])
    token = token_in(browser.get(page_of(issued)).content.decode())
    post_file(browser, issued, wrong, token)

    again = post_file(browser, issued, right, token)

    page = browser.get(again["Location"]).content.decode()
    assert UploadBatch.objects.count() == 1
    assert "already been sent with “wrong.txt”" in page
    assert "was not taken" in page


def test_a_double_click_shows_no_warning(browser, issued, tmp_path) -> None:
    path = text_file(tmp_path / "serials.txt", [pack("5CD0000001")])
    token = token_in(browser.get(page_of(issued)).content.decode())
    post_file(browser, issued, path, token)

    again = post_file(browser, issued, path, token)

    assert "was not taken" not in browser.get(again["Location"]).content.decode()


def test_a_fresh_form_makes_a_new_batch(browser, issued, tmp_path) -> None:
    path = text_file(tmp_path / "serials.txt", [pack("5CD0000001")])

    post_file(browser, issued, path)
    post_file(browser, issued, path)

    assert UploadBatch.objects.count() == 2


def test_it_refuses_a_file_above_the_size_limit(
    browser, issued, tmp_path, settings
) -> None:
    settings.CAREPACK_UPLOAD_MAX_BYTES = 100
    path = text_file(
        tmp_path / "serials.txt", [pack(f"5CD000000{n}") for n in range(5)]
    )

    response = post_file(browser, issued, path)

    assert response.status_code == 400
    assert "at most 100" in response.content.decode()
    assert not UploadBatch.objects.exists()


def test_a_finished_batch_shows_counts_that_add_up(browser, issued, tmp_path) -> None:
    rows = [
        pack("5CD0000001"),
        ["", "", "", "", "", ""],
        pack("5CD0000002", surname=""),
    ]
    response = post_file(browser, issued, text_file(tmp_path / "s.txt", rows))
    process_batch(UploadBatch.objects.get().pk)

    html = browser.get(response["Location"]).content.decode()
    progress = browser.get(response["Location"] + "progress/").json()

    assert "1 + 0 + 1 + 1 = 3" in html
    assert 'http-equiv="refresh"' not in html
    assert progress == {
        "status": "done",
        "status_label": "finished",
        "finished": True,
        "percent": 100,
        "lines": 3,
        "processed": 3,
        "registered": 1,
        "already_registered": 0,
        "errors": 1,
        "skipped": 1,
    }


def test_counts_are_grouped_by_thousands(make_order, tmp_path) -> None:
    issued = make_order({"U4417PE": 1200, "U6578E": 1})
    browser = browser_for(issued)
    rows = [pack(f"5CD{n:07d}") for n in range(1200)]
    response = post_file(browser, issued, text_file(tmp_path / "s.txt", rows))
    process_batch(UploadBatch.objects.get().pk)

    html = browser.get(response["Location"]).content.decode()

    assert 'data-count="registered">1,200</td>' in html


def test_a_refused_file_gets_one_message(browser, issued, tmp_path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 20)
    response = post_file(browser, issued, path)
    process_batch(UploadBatch.objects.get().pk)

    html = browser.get(response["Location"]).content.decode()

    assert "This is a PDF document, not a registration file." in html
    assert UploadBatch.objects.get().rows.count() == 0
    # Nothing to download: no report, no lines in error (and not "not
    # ready yet" either: the batch is over).
    for download in ("report.csv", "report.xlsx", "errors/"):
        assert browser.get(response["Location"] + download).status_code == 404


def test_the_downloads_hold_the_lines(browser, issued, tmp_path) -> None:
    rows = [pack("5CD0000001"), pack("5CD0000002", first="=cmd", surname="")]
    response = post_file(browser, issued, text_file(tmp_path / "s.txt", rows))
    process_batch(UploadBatch.objects.get().pk)
    batch_page = response["Location"]

    errors = browser.get(batch_page + "errors/")
    report_csv = browser.get(batch_page + "report.csv")
    report_xlsx = browser.get(batch_page + "report.xlsx")

    assert 'filename="s-errors.txt"' in errors["Content-Disposition"]
    text = b"".join(errors.streaming_content).decode("utf-16")
    assert text.splitlines()[1].startswith("5CD0000002\t6F8K2EA\tU4417PE\t'=cmd\t")
    assert text.splitlines()[1].endswith("\tLine 3: Surname: This field is required.")
    table = list(
        csv.reader(
            io.StringIO(b"".join(report_csv.streaming_content).decode("utf-8-sig"))
        )
    )
    assert table[0][:3] == ["Line", "Outcome", "Unit Serial Number"]
    assert [row[:2] for row in table[1:]] == [["2", "registered"], ["3", "error"]]
    assert table[2][5] == "'=cmd"
    book = python_calamine.CalamineWorkbook.from_filelike(
        io.BytesIO(b"".join(report_xlsx.streaming_content))
    )
    sheet = book.get_sheet_by_index(0).to_python()
    assert sheet[2][1] == "error" and sheet[2][5] == "=cmd"


def test_a_download_asked_for_too_early_says_it_is_not_ready(
    browser, issued, tmp_path
) -> None:
    response = post_file(
        browser, issued, text_file(tmp_path / "s.txt", [pack("5CD0000001")])
    )

    for download in ("report.csv", "report.xlsx", "errors/"):
        early = browser.get(response["Location"] + download)
        assert early.status_code == 409, download
        assert "still being processed" in early.content.decode()
    process_batch(UploadBatch.objects.get().pk)
    assert browser.get(response["Location"] + "report.csv").status_code == 200


def test_a_french_orders_results_keep_one_language_each(make_order, tmp_path) -> None:
    issued = make_order({"U4417PE": 5, "U6578E": 1}, language="fr")
    browser = browser_for(issued)  # an English browser
    path = tmp_path / "scan.pdf"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 20)
    refused = post_file(browser, issued, path)
    rows = [pack("5CD0000001", surname="")]
    done = post_file(browser, issued, text_file(tmp_path / "s.txt", rows))
    for batch in UploadBatch.objects.all():
        process_batch(batch.pk)

    page = browser.get(refused["Location"]).content.decode()
    report = browser.get(done["Location"] + "report.csv")

    # The page speaks the browser's language, its refusal included; the
    # e-mail keeps the order's.
    assert "This is a PDF document, not a registration file." in page
    stored = UploadBatch.objects.get(status=UploadBatch.Status.REFUSED)
    assert stored.error_message.startswith("C’est un document PDF")
    # A report is a file of the order's language, like its line messages.
    table = b"".join(report.streaming_content).decode("utf-8-sig").splitlines()
    assert table[0].startswith("Ligne;Résultat;")
    assert table[1].endswith("Nom : Ce champ est obligatoire.")
    assert 'filename="s-rapport.csv"' in report["Content-Disposition"]
    errors = browser.get(done["Location"] + "errors/")
    assert 'filename="s-erreurs.txt"' in errors["Content-Disposition"]


def test_the_template_offers_the_orders_packs(browser, issued) -> None:
    response = browser.get(page_of(issued, "volume/template.xlsx"))

    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    sheet = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    assert sheet[0][0] == "MANDATORY FIELD"
    assert sheet[1][:7] == [
        "Unit Serial Number",
        "Product Number",
        "HP CarePack Product Number",
        "Title/First name",
        "Surname",
        "Company Name",
        "Hardware Purchase Date",
    ]
    lists = book.get_sheet_by_name("Lists").to_python()
    assert [row[0] for row in lists] == ["U4417PE", "U6578E"]
    assert "Instructions" in book.sheet_names


def test_the_text_template_is_read_as_a_registration_file(
    browser, issued, tmp_path
) -> None:
    content = browser.get(page_of(issued, "volume/template.txt")).content
    path = tmp_path / "template.txt"
    path.write_bytes(content + "\t".join(pack("5CD0000009")).encode() + b"\r\n")

    response = post_file(browser, issued, path)
    process_batch(UploadBatch.objects.get().pk)

    assert UploadBatch.objects.get().registered == 1
    assert response.status_code == 302


def test_another_browser_sees_nothing(issued, make_order, tmp_path) -> None:
    owner = browser_for(issued)
    response = post_file(
        owner, issued, text_file(tmp_path / "s.txt", [pack("5CD0000001")])
    )
    batch_page = response["Location"]
    stranger = browser_for(make_order())

    for rest in ("", "progress/", "report.csv", "errors/"):
        assert stranger.get(batch_page + rest).status_code == 404
    assert stranger.get(page_of(issued)).status_code == 404
    assert stranger.get(page_of(issued, "volume/template.xlsx")).status_code == 404


def test_a_batch_is_found_only_under_its_own_order(
    issued, make_order, tmp_path
) -> None:
    other = make_order()
    browser = browser_for(issued)
    browser.post("/activate/", {"code": other.code}, REMOTE_ADDR="203.0.113.9")
    response = post_file(
        browser, issued, text_file(tmp_path / "s.txt", [pack("5CD0000001")])
    )
    batch = UploadBatch.objects.get()

    wrong = f"/order/{other.order.public_id}/batches/{batch.public_id}/"
    assert browser.get(response["Location"]).status_code == 200
    assert browser.get(wrong).status_code == 404


def test_the_french_order_gets_french_pages(make_order, tmp_path) -> None:
    issued = make_order({"U4417PE": 5, "U6578E": 1}, language="fr")
    browser = browser_for(issued)
    browser.cookies["django_language"] = "fr"
    response = post_file(browser, issued, VOLUME / "french-cp1252.csv")
    process_batch(UploadBatch.objects.get().pk)

    html = browser.get(response["Location"]).content.decode()

    assert "Télécharger les lignes en erreur" in html


def test_the_template_instructions_speak_the_orders_language(make_order) -> None:
    issued = make_order(language="fr")
    browser = browser_for(issued)

    response = browser.get(page_of(issued, "volume/template.xlsx"))

    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    assert book.sheet_names[0] == "Enregistrement"
    instructions = book.get_sheet_by_name("Instructions").to_python()
    assert instructions[0][0] == "Comment remplir ce modèle"


def test_any_file_name_is_taken(browser, issued, tmp_path) -> None:
    name = "é" * 200 + ".txt"
    path = text_file(tmp_path / "s.txt", [pack("5CD0000001")])
    token = token_in(browser.get(page_of(issued)).content.decode())

    response = browser.post(
        page_of(issued),
        {
            "file": SimpleUploadedFile(name, path.read_bytes()),
            "reply_email": "buyer@example.com",
            "token": token,
        },
    )

    batch = UploadBatch.objects.get()
    assert response.status_code == 302
    assert batch.original_name == "é" * 196 + ".txt"
    stored = os.path.basename(batch.file.name)
    assert stored.endswith(".txt") and len(stored.encode()) <= 100
