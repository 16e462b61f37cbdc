"""Volume registration in a real browser, with a real worker and a real
mail server: download the template, upload a file with errors, watch the
progress reach 100 %, download the error file, fix it, upload it, see
everything registered, and receive the result with the error file."""

import io
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import pytest
import python_calamine
import xlsxwriter
from aiosmtpd.controller import Controller
from playwright.sync_api import Page, expect

from carepack.orders.services import IssuedCode
from carepack.registrations.models import Registration
from tests.conftest import worker_env
from tests.e2e.accessibility import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: object, session: object, envelope) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    def wait_for(
        self, recipient: str, count: int, timeout: float = 30
    ) -> list[Message]:
        """The messages to ``recipient``, once ``count`` have arrived."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [m for m in self.messages if m["To"] == recipient]
            if len(found) >= count:
                return found
            time.sleep(0.1)
        raise AssertionError(f"{len(found)} e-mails to {recipient} arrived")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture
def worker(inbox: tuple[Inbox, int], tmp_path: Path) -> Iterator[None]:
    """A real worker on the test database, sending mail over SMTP."""
    _, port = inbox
    env = worker_env() | {
        "CAREPACK_MAILER": "smtp",
        "CAREPACK_SMTP_HOST": "127.0.0.1",
        "CAREPACK_SMTP_PORT": str(port),
    }
    with (tmp_path / "worker.log").open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "carepack.cli",
                "worker",
                "--no-reload",
                "--no-startup-delay",
                "--interval",
                "0.1",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    yield
    process.terminate()
    process.wait(timeout=15)


def template_titles(path: Path) -> list[list[object]]:
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return book.get_sheet_by_index(0).to_python(skip_empty_area=False)[:2]


def write_workbook(path: Path, rows: list[list[object]]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for index, row in enumerate(rows):
        for column, value in enumerate(row):
            if value != "":
                sheet.write_string(index, column, str(value))
    book.close()
    return path


def upload(page: Page, path: Path) -> None:
    page.get_by_label("Registration file").set_input_files(str(path))
    page.get_by_label("Send the result to").fill("buyer@example.com")
    page.get_by_role("button", name="Upload and register").click()


def wait_until_finished(page: Page) -> None:
    # The bar is driven by the page's script polling the progress URL; once
    # the batch is finished the page reloads itself with the results.
    expect(page.locator("#progress-bar")).to_have_attribute(
        "value", "100", timeout=30_000
    )
    expect(page.get_by_role("heading", name="Results")).to_be_visible(timeout=30_000)


def test_a_customer_registers_a_spreadsheet_fixes_the_errors_and_is_told(
    page: Page,
    live_server,
    settings,
    make_order,
    inbox,
    worker,
    axe_script,
    tmp_path: Path,
) -> None:
    settings.CAREPACK_BASE_URL = live_server.url
    issued: IssuedCode = make_order(lines={"U4417PE": 3, "U6578E": 1})
    mailbox, _ = inbox

    page.goto(f"{live_server.url}/activate/")
    page.get_by_label("Activation code").fill(issued.code)
    page.get_by_role("button", name="Open my order").click()
    page.get_by_role("link", name="Volume registration").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Volume registration")
    assert_accessible(page, axe_script)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the template (Excel)").click()
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)
    banner, titles = template_titles(template)
    assert banner[0] == "MANDATORY FIELD"
    assert titles[0] == "Unit Serial Number"

    filled = write_workbook(
        tmp_path / "packs.xlsx",
        [
            banner,
            titles,
            ["5CD0000001", "6F8K2EA#ABF", "U4417PE", "Claire", "Dubois", "Dubois SARL"],
            ["5CD0000002", "6F8K2EA", "U4417PE", "Marc", "", ""],
            ["MXL0000001", "9TY71EA", "U6578E", "Hélène", "Faure", ""],
            ["MXL0000002", "9TY71EA", "U4417PE", "Luc", "Blanc", ""],
        ],
    )
    upload(page, filled)
    wait_until_finished(page)
    expect(page.locator("#counts-add-up")).to_contain_text("2 + 0 + 2 + 0 = 4")
    assert_accessible(page, axe_script)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the lines in error").click()
    errors = tmp_path / download.value.suggested_filename
    download.value.save_as(errors)
    assert errors.name == "packs-errors.xlsx"
    sheet = python_calamine.CalamineWorkbook.from_path(str(errors))
    rows = sheet.get_sheet_by_index(0).to_python()
    assert [row[0] for row in rows] == [
        "Unit Serial Number",
        "5CD0000002",
        "MXL0000002",
    ]
    assert "required" in rows[1][-1] and "desktop" in rows[2][-1]

    rows[1][4] = "Roux"  # the surname was missing
    rows[2][1] = "6F8K2EA"  # a notebook, not a desktop
    page.get_by_role("link", name="Upload the corrected file").click()
    upload(page, write_workbook(tmp_path / "packs-errors.xlsx", rows))
    wait_until_finished(page)

    expect(page.locator("#all-done")).to_have_text("No line is in error.")
    expect(page.locator("#counts-add-up")).to_contain_text("2 + 0 + 0 + 0 = 2")
    assert Registration.objects.filter(order=issued.order).count() == 4

    first, second = mailbox.wait_for("buyer@example.com", 2)
    assert "packs.xlsx: 2 lines to correct" in first["Subject"]
    attachments = [part for part in first.walk() if part.get_filename()]
    assert [part.get_filename() for part in attachments] == ["packs-errors.xlsx"]
    attached = python_calamine.CalamineWorkbook.from_filelike(
        io.BytesIO(attachments[0].get_payload(decode=True))
    )
    assert len(attached.get_sheet_by_index(0).to_python()) == 3
    assert re.search(r"every line registered", second["Subject"])
