"""The registration template, laid out like the vendor's.

Row 1 says MANDATORY FIELD over columns A–E, row 2 holds the titles the
readers recognise, data starts on row 3. The serial and product columns
are text, so that Excel keeps leading zeros and long serial numbers intact;
the Care Pack column offers the order's SKUs in a drop-down list.
"""

import codecs
import csv
import io

import xlsxwriter
from django.utils.translation import gettext as _

from carepack.readers.headers import DEFAULT_HEADER

BANNER = "MANDATORY FIELD"
MANDATORY_COLUMNS = 5
DATA_ROWS = 5000
_WIDTHS = (22, 18, 28, 18, 18, 28, 22)


def template_xlsx(skus: list[str]) -> bytes:
    """The workbook for an order whose Care Packs are ``skus``."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    banner = book.add_format(
        {
            "bold": True,
            "align": "center",
            "font_color": "#9C0006",
            "bg_color": "#FFC7CE",
        }
    )
    title = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    text = book.add_format({"num_format": "@"})
    date = book.add_format({"num_format": "yyyy-mm-dd"})

    sheet = book.add_worksheet(_("Registration")[:31])
    sheet.merge_range(0, 0, 0, MANDATORY_COLUMNS - 1, BANNER, banner)
    for column, (name, width) in enumerate(zip(DEFAULT_HEADER, _WIDTHS, strict=True)):
        sheet.write_string(1, column, name, title)
        style = date if column == len(DEFAULT_HEADER) - 1 else text
        sheet.set_column(column, column, width, style)
    sheet.freeze_panes(2, 0)
    _sku_list(book, sheet, skus)
    _instructions(book)
    book.close()
    return out.getvalue()


def _sku_list(
    book: xlsxwriter.Workbook, sheet: xlsxwriter.worksheet.Worksheet, skus: list[str]
) -> None:
    """A drop-down of the order's SKUs, kept on a hidden sheet so that the
    list has no length limit."""
    if not skus:
        return
    lists = book.add_worksheet("Lists")
    for row, sku in enumerate(skus):
        lists.write_string(row, 0, sku)
    lists.hide()
    sheet.data_validation(
        2,
        2,
        DATA_ROWS + 1,
        2,
        {
            "validate": "list",
            "source": f"=Lists!$A$1:$A${len(skus)}",
            "error_type": "warning",
            # Excel allows 32 characters here.
            "error_title": _("Care Pack not on this order")[:32],
            "error_message": _("Choose one of the Care Packs of this order."),
        },
    )


def _instructions(book: xlsxwriter.Workbook) -> None:
    sheet = book.add_worksheet(_("Instructions")[:31])
    sheet.set_column(0, 0, 110)
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    bold = book.add_format({"bold": True})
    sheet.write_string(0, 0, _("How to fill in this template"), bold)
    for row, text in enumerate(instructions(), start=2):
        sheet.write_string(row, 0, text, wrap)


def instructions() -> list[str]:
    return [
        _(
            "1. On the Registration sheet, fill in one row per Care Pack, "
            "starting on row 3. Columns A to E are mandatory."
        ),
        _(
            "2. Unit Serial Number: as printed on the unit's label (letters and "
            "digits). Keep the column formatted as Text, or a spreadsheet may "
            "turn long serial numbers into numbers and lose digits."
        ),
        _(
            "3. Product Number: the unit's product number, for example 2Y2D5EA "
            "or 2Y2D5EA#ABF."
        ),
        _("4. HP CarePack Product Number: choose one of this order's Care Packs."),
        _(
            "5. Title/First name and Surname: the owner's contact. Company Name "
            "is optional."
        ),
        _(
            "6. Hardware Purchase Date is optional: without it, the coverage "
            "dates are confirmed later. Write it as 2026-03-15 or as a date "
            "cell."
        ),
        _(
            "7. Save the file as it is (.xlsx) and upload it. Text files (.txt, "
            ".csv) saved by Excel or LibreOffice are accepted too."
        ),
        _(
            "8. You get the result within seconds: lines in error come back in a "
            "file you can correct and upload again. Uploading the whole file "
            "again is safe: lines already registered are not registered twice."
        ),
    ]


def template_txt() -> bytes:
    """The template as tab-separated text, UTF-8 with a BOM so that Excel
    opens it with its accents."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter="\t", lineterminator="\r\n")
    writer.writerow([BANNER] * MANDATORY_COLUMNS)
    writer.writerow(DEFAULT_HEADER)
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")
