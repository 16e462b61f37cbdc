"""Hostile values in every text field a customer or the vendor fills are
shown as text everywhere: portal pages, both parts and the subject of
every e-mail, the admin. Values a spreadsheet would run as formulas are
escaped in every file the product writes. Over-long values are refused
per field with a clear message.
"""

import csv
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest
import python_calamine
import xlsxwriter
from django.core import mail
from django.core.files.base import ContentFile
from django.test import Client
from django.utils.html import escape

from carepack.catalog.services import import_catalog
from carepack.notifications.models import OutgoingEmail
from carepack.notifications.services import deliver
from carepack.orders.services import IssuedCode, OrderError, create_order
from carepack.portal.models import OnlineSubmission
from carepack.registrations.models import Registration
from carepack.volume.models import UploadBatch
from carepack.volume.processing import process_batch
from carepack.volume.uploads import accept_upload
from tests.portal.conftest import pack_data, token_of
from tests.reliability.conftest import HEADER, browser_for

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
QUOTES = "\"'><img src=x onerror=alert(2)> & co"
BRACES = "{{ order.email }}{% now 'Y' %}"
FORMULAS = ('=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(1)")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

PARTNER_PO = SCRIPT + "'"
CUSTOMER_PO = "\"'><b>" + BRACES
ORDER_EMAIL = '"<i>o\'k</i>"@example.com'
PACK_DESCRIPTION = 'Pack <script>alert(3)</script> "quoted" & {{ x }}'
HARDWARE_DESCRIPTION = "Laptop <b>bold</b> 'single' {% debug %}"
FIRST_NAME = SCRIPT
SURNAME = QUOTES
COMPANY = FORMULAS[0]
CONTACT_EMAIL = '"<script>x</script>"@example.com'
FILE_NAME = "<img src=x onerror=alert(5)>'{{ x }}.txt"
BAD_PRODUCT = "<script>alert(6)</script>"

ALL_VALUES = (
    PARTNER_PO,
    CUSTOMER_PO,
    ORDER_EMAIL,
    PACK_DESCRIPTION,
    HARDWARE_DESCRIPTION,
    FIRST_NAME,
    SURNAME,
    COMPANY,
    CONTACT_EMAIL,
    FILE_NAME,
    BAD_PRODUCT,
)


@dataclass
class Scene:
    issued: IssuedCode
    submission: OnlineSubmission
    batch: UploadBatch
    browser: Client

    def url(self, rest: str = "") -> str:
        return f"/order/{self.issued.order.public_id}/{rest}"


def write_catalog(tmp_path: Path) -> None:
    """A pack and a machine whose descriptions the vendor filled badly."""
    packs, machines = tmp_path / "packs.csv", tmp_path / "machines.csv"
    with packs.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "sku",
                "description",
                "service_level",
                "coverage_months",
                "post_warranty",
                "categories",
            ]
        )
        writer.writerow(["U9999HX", PACK_DESCRIPTION, SCRIPT, "12", "no", "notebook"])
    with machines.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["product_number", "description", "category", "base_warranty_months"]
        )
        writer.writerow(["HX1000EA", HARDWARE_DESCRIPTION, "notebook", "12"])
    assert not import_catalog(packs, machines).errors


def volume_rows() -> list[list[str]]:
    return [
        [*HEADER, "Hardware Purchase Date", "@Notes"],
        ["HSTVOL001", "HX1000EA", "U9999HX", FIRST_NAME, SURNAME, COMPANY, "", "=2*3"],
        ["=1+2", "6F8K2EA", "U4417PE", FORMULAS[1], FORMULAS[2], FORMULAS[3], "", ""],
        ["HSTVOL003", BAD_PRODUCT, "U4417PE", "A", "B", "=cmd|'/C calc'!A0", "", ""],
    ]


def text_upload(rows: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter="\t", lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def xlsx_upload(rows: list[list[str]], path: Path) -> bytes:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for index, row in enumerate(rows):
        for column, value in enumerate(row):
            sheet.write_string(index, column, value)
    book.close()
    return path.read_bytes()


def run_batch(issued: IssuedCode, content: bytes, name: str) -> UploadBatch:
    accepted = accept_upload(
        issued.order,
        ContentFile(content, name=name),
        reply_email=CONTACT_EMAIL,
        channel="web",
        enqueue=False,
    )
    process_batch(accepted.batch.pk)
    accepted.batch.refresh_from_db()
    assert accepted.batch.status == UploadBatch.Status.DONE, (
        accepted.batch.error_message
    )
    return accepted.batch


@pytest.fixture
def scene(catalog, tmp_path) -> Scene:
    write_catalog(tmp_path)
    mail.outbox.clear()
    issued = create_order(
        partner_po=PARTNER_PO,
        customer_po=CUSTOMER_PO,
        email=ORDER_EMAIL,
        language="en",
        lines={"U9999HX": 3, "U4417PE": 3},
        actor="vendor <b>",
    )
    browser = browser_for(issued.code)
    form = browser.get(
        f"/order/{issued.order.public_id}/register/packs/", {"count_0": "1"}
    )
    pack = {
        "sku": "U9999HX",
        "serial_number": "HSTONL001",
        "product_number": "HX1000EA",
        "first_name": FIRST_NAME,
        "surname": SURNAME,
        "company": COMPANY,
        "contact_email": CONTACT_EMAIL,
    }
    response = browser.post(
        f"/order/{issued.order.public_id}/register/packs/",
        pack_data(token_of(form.content.decode()), [pack]),
    )
    assert response.status_code == 302, response.content.decode()[:3000]

    batch = run_batch(issued, text_upload(volume_rows()), FILE_NAME)
    assert (batch.registered, batch.errors) == (1, 2)
    for email in OutgoingEmail.objects.all():
        assert deliver(email.pk) == "sent"
    return Scene(issued, OnlineSubmission.objects.get(), batch, browser)


def assert_shown_as_text(html: str, *values: str) -> None:
    """Each value is in the page, escaped once, and never as markup."""
    for value in values:
        assert escape(value) in html, f"{value!r} is not shown"
        assert escape(escape(value)) not in html, f"{value!r} is escaped twice"
    assert_never_markup(html)


def assert_never_markup(html: str) -> None:
    for value in ALL_VALUES:
        if any(char in value for char in "<>\"'&"):
            assert value not in html, f"{value!r} is in the page as markup"
    assert "&amp;lt;" not in html and "&amp;#x27;" not in html, "escaped twice"


def assert_plain(text: str, *values: str) -> None:
    """A text part or a subject: the values as typed, no HTML entity."""
    for value in values:
        assert value in text, f"{value!r} is not in the text as typed"
    for entity in ("&lt;", "&gt;", "&quot;", "&#x27;", "&#39;", "&amp;"):
        assert entity not in text, f"{entity} in a text part"


def page(browser: Client, url: str, **query: str) -> str:
    response = browser.get(url, query)
    assert response.status_code == 200, url
    return response.content.decode()


def test_portal_pages_show_every_value_as_text(scene) -> None:
    browser = scene.browser

    order = page(browser, scene.url())
    confirmation = page(
        browser, scene.url(f"confirmation/{scene.submission.public_id}/")
    )
    batch = page(browser, scene.url(f"batches/{scene.batch.public_id}/"))

    assert_shown_as_text(order, PARTNER_PO, CUSTOMER_PO, PACK_DESCRIPTION, FILE_NAME)
    assert_shown_as_text(
        confirmation,
        FIRST_NAME,
        SURNAME,
        COMPANY,
        CONTACT_EMAIL,
        PACK_DESCRIPTION,
        HARDWARE_DESCRIPTION,
    )
    assert_shown_as_text(batch, FILE_NAME, PARTNER_PO, CUSTOMER_PO, CONTACT_EMAIL)
    assert_shown_as_text(page(browser, "/orders/"), PARTNER_PO, CUSTOMER_PO)
    assert_shown_as_text(page(browser, scene.url("volume/")), FILE_NAME, PARTNER_PO)
    assert_shown_as_text(page(browser, scene.url("register/")), PACK_DESCRIPTION)
    # The message centre lists the e-mails by subject: the POs again.
    assert order.count(escape(PARTNER_PO)) >= 3


def test_a_refused_form_shows_the_typed_values_back_as_text(scene) -> None:
    url = scene.url("register/packs/")
    form = page(scene.browser, url, count_0="1")
    pack = {
        "sku": "U9999HX",
        "serial_number": "HSTONL002",
        "product_number": BAD_PRODUCT,
        "first_name": FIRST_NAME,
        "surname": SURNAME,
        "company": COMPANY,
        "contact_email": CONTACT_EMAIL,
    }

    response = scene.browser.post(url, pack_data(token_of(form), [pack]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "is not in the catalogue" in html
    assert_shown_as_text(html, BAD_PRODUCT, FIRST_NAME, SURNAME, CONTACT_EMAIL)


def test_every_email_shows_the_values_as_text_in_both_parts(scene) -> None:
    assert len(mail.outbox) == 3
    activation, confirmation, result = (
        next(m for m in mail.outbox if start in m.subject)
        for start in ("Register your", "registered –", FILE_NAME[:8])
    )

    for message, values in (
        (activation, (PARTNER_PO, CUSTOMER_PO, PACK_DESCRIPTION)),
        (confirmation, (FIRST_NAME, SURNAME, COMPANY, CONTACT_EMAIL)),
        (confirmation, (PACK_DESCRIPTION, HARDWARE_DESCRIPTION, PARTNER_PO)),
        (result, (FILE_NAME, PARTNER_PO, CUSTOMER_PO, BAD_PRODUCT)),
    ):
        html = message.alternatives[0][0]
        assert_plain(message.body, *values)
        assert_shown_as_text(html, *values)
    assert_plain(activation.subject, PARTNER_PO, CUSTOMER_PO)
    assert_plain(confirmation.subject, PARTNER_PO, CUSTOMER_PO)
    assert_plain(result.subject, FILE_NAME)


def test_the_admin_shows_every_value_as_text(scene, admin_client) -> None:
    order = scene.issued.order
    registration = Registration.objects.get(channel="online")
    email = order.emails.first()
    pages = {
        "/admin/orders/order/": (PARTNER_PO, CUSTOMER_PO),
        f"/admin/orders/order/{order.pk}/change/": (PARTNER_PO, CUSTOMER_PO),
        "/admin/registrations/registration/": (SURNAME,),
        f"/admin/registrations/registration/{registration.pk}/change/": (
            FIRST_NAME,
            SURNAME,
            COMPANY,
            CONTACT_EMAIL,
        ),
        "/admin/volume/uploadbatch/": (FILE_NAME,),
        f"/admin/volume/uploadbatch/{scene.batch.pk}/change/": (FILE_NAME,),
        "/admin/volume/batchrow/": (),
        "/admin/notifications/outgoingemail/": (PARTNER_PO,),
        f"/admin/notifications/outgoingemail/{email.pk}/change/": (),
        "/admin/audit/auditevent/": (PARTNER_PO,),
        "/admin/catalog/carepackproduct/": (PACK_DESCRIPTION,),
        "/admin/catalog/hardwareproduct/": (HARDWARE_DESCRIPTION,),
    }

    for url, values in pages.items():
        html = page(admin_client, url)
        assert_shown_as_text(html, *values)


def formula_cells(cells: Iterable[object]) -> list[str]:
    return [
        cell
        for cell in cells
        if isinstance(cell, str) and cell.startswith(FORMULA_STARTS)
    ]


def text_cells(content: bytes, encoding: str, delimiter: str) -> list[str]:
    reader = csv.reader(
        io.StringIO(content.decode(encoding), newline=""), delimiter=delimiter
    )
    return [cell for row in reader for cell in row]


def xlsx_cells(content: bytes, tmp_path: Path) -> list[object]:
    """Every cell value, after checking that no cell holds a formula."""
    path = tmp_path / "written.xlsx"
    path.write_bytes(content)
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name), f"a formula in {name}"
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return [
        cell
        for index in range(len(book.sheet_names))
        for row in book.get_sheet_by_index(index).to_python()
        for cell in row
    ]


def download(browser: Client, url: str) -> bytes:
    response = browser.get(url)
    assert response.status_code == 200, url
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def test_text_files_escape_every_formula(scene, tmp_path) -> None:
    base = scene.url(f"batches/{scene.batch.public_id}/")

    error_file = text_cells(download(scene.browser, base + "errors/"), "utf-8", "\t")
    report = text_cells(download(scene.browser, base + "report.csv"), "utf-8-sig", ",")

    for cells in (error_file, report):
        assert formula_cells(cells) == []
        assert {"'=1+2", "'+1+1", "'-2+3", "'@SUM(1)", "'@Notes"} <= set(cells)
    assert "'" + COMPANY in report and "'=2*3" in report


def test_xlsx_files_hold_formulas_as_plain_text(scene, tmp_path) -> None:
    batch = run_batch(
        scene.issued, xlsx_upload(volume_rows(), tmp_path / "up.xlsx"), "hostile.xlsx"
    )
    base = scene.url(f"batches/{batch.public_id}/")

    error_file = xlsx_cells(download(scene.browser, base + "errors/"), tmp_path)
    report = xlsx_cells(download(scene.browser, base + "report.xlsx"), tmp_path)

    assert {"=1+2", "+1+1", "-2+3", "@SUM(1)", "@Notes"} <= set(error_file)
    assert {COMPANY, "=2*3"} <= set(report)


def test_the_template_download_is_free_of_formulas(scene, tmp_path) -> None:
    content = download(scene.browser, scene.url("volume/template.xlsx"))

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert all(b"<f>" not in archive.read(name) for name in sheets)


# Over-long values: refused per field, with a message saying the limit.

LIMITS = {
    "serial_number": 40,
    "product_number": 40,
    "first_name": 100,
    "surname": 100,
    "company": 200,
}


def test_the_online_form_refuses_each_over_long_field(scene) -> None:
    url = scene.url("register/packs/")
    form = page(scene.browser, url, count_0="1")
    pack = {name: "A" * (limit + 1) for name, limit in LIMITS.items()}
    pack |= {"sku": "U9999HX", "contact_email": "a" * 250 + "@example.com"}

    response = scene.browser.post(url, pack_data(token_of(form), [pack]))

    html = response.content.decode()
    assert response.status_code == 200
    for name, limit in LIMITS.items():
        message = f"At most {limit} characters (this one has {limit + 1})."
        assert message in _field_block(html, f"id_pack-0-{name}"), name
    assert "At most 254 characters (this one has 262)." in html
    assert Registration.objects.filter(serial_number__startswith="AAAA").count() == 0


def test_the_activation_form_refuses_an_over_long_code(client, scene) -> None:
    response = client.post("/activate/", {"code": "A" * 101})

    assert "This is longer than any activation code" in response.content.decode()


def test_a_volume_line_with_over_long_cells_is_an_error(scene) -> None:
    rows = [
        list(HEADER),
        ["HSTLONG01", "HX1000EA", "U9999HX", "F" * 101, "S" * 101, "C" * 201],
    ]

    batch = run_batch(scene.issued, text_upload(rows), "long.txt")

    row = batch.rows.get()
    assert row.outcome == "error"
    assert sorted(e["field"] for e in row.errors if e["code"] == "too_long") == [
        "company",
        "first_name",
        "surname",
    ]


def test_an_over_long_reply_address_is_refused_on_the_upload_page(scene) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    page_html = page(scene.browser, scene.url("volume/"))
    token = token_of(page_html)

    response = scene.browser.post(
        scene.url("volume/"),
        {
            "file": SimpleUploadedFile("a.txt", text_upload(volume_rows()[:2])),
            "reply_email": "a" * 250 + "@example.com",
            "token": token,
        },
    )

    assert response.status_code == 400
    assert "Ensure this value has at most 254 characters" in response.content.decode()


@pytest.mark.parametrize(
    "email",
    ["a" * 250 + "@example.com", "a" * 64 + "@" + ("b" * 60 + ".") * 4 + "com"],
)
def test_an_over_long_order_address_is_refused_with_a_message(catalog, email) -> None:
    """The database column holds 254 characters; a longer address must be
    refused before, with a message, not fail on insert (PostgreSQL)."""
    with pytest.raises(OrderError, match="254"):
        create_order(
            partner_po="PO-LONG",
            customer_po="C",
            email=email,
            language="en",
            lines={"U4417PE": 1},
            actor="test",
        )


def _field_block(html: str, field_id: str) -> str:
    """The markup of one field: from its label to the next field's label."""
    start = html.index(f'for="{field_id}"')
    end = html.find("<label", start + 1)
    return html[start : end if end != -1 else None]


def test_a_long_non_ascii_file_name_is_taken_as_any_other(scene) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    name = "é" * 200 + ".txt"
    token = token_of(page(scene.browser, scene.url("volume/")))

    response = scene.browser.post(
        scene.url("volume/"),
        {
            "file": SimpleUploadedFile(name, text_upload(volume_rows()[:2])),
            "reply_email": "claire@example.com",
            "token": token,
        },
    )

    assert response.status_code == 302
    assert UploadBatch.objects.latest("id").original_name.startswith("éééé")


@pytest.mark.parametrize("field", ["partner_po", "customer_po"])
def test_an_over_long_po_is_refused_with_a_message(catalog, field) -> None:
    values = {"partner_po": "P", "customer_po": "C", field: "X" * 61}

    with pytest.raises(OrderError, match="1 to 60 printable characters"):
        create_order(
            **values,
            email="claire@example.com",
            language="en",
            lines={"U4417PE": 1},
            actor="test",
        )


def test_the_admin_refuses_an_over_long_name_on_a_registration(
    scene, admin_client
) -> None:
    registration = Registration.objects.get(channel="online")
    url = f"/admin/registrations/registration/{registration.pk}/change/"
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data["first_name"] = "F" * 101

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "Ensure this value has at most 100 characters (it has 101)." in (
        response.content.decode()
    )
    registration.refresh_from_db()
    assert registration.first_name == FIRST_NAME


def test_the_catalogue_import_refuses_over_long_identifiers_per_line(
    db, tmp_path
) -> None:
    packs, machines = tmp_path / "packs.csv", tmp_path / "machines.csv"
    packs.write_text(
        "sku,description,service_level,coverage_months,post_warranty,categories\n"
        f"{'U' * 41},Pack,NBD,12,no,notebook\n"
        "U1000OK,Pack,NBD,12,no,notebook\n"
    )
    machines.write_text(
        "product_number,description,category,base_warranty_months\n"
        f"{'H' * 41},Laptop,notebook,12\n"
        f"H1000OK,Laptop,{'c' * 41},12\n"
        "H2000OK,Laptop,notebook,12\n"
    )

    report = import_catalog(packs, machines)

    assert len(report.errors) == 3
    assert all("40" in error for error in report.errors)
    assert report.created == 2
