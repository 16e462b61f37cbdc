"""Recognising the header row, or data laid out as in the template."""

import logging
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from .errors import FileRefused

logger = logging.getLogger(__name__)

# Accepted column titles, best first: when two columns claim one field, the
# better-ranked title wins ("First name" beats "Title"). Matching ignores
# case, accents, spacing and punctuation, so one spelling of each is enough.
HEADER_NAMES: dict[str, tuple[str, ...]] = {
    "serial_number": (
        "Unit Serial Number",
        "Serial Number",
        "Serial No",
        "Serial",
        "S/N",
        "Numéro de série de l'unité",
        "Numéro de série",
        "N° de série",
    ),
    "product_number": (
        "Product Number",
        "Product No",
        "Numéro de produit",
        "Référence produit",
        "Product",
    ),
    "carepack_sku": (
        "HP CarePack Product Number",
        "Care Pack Product Number",
        "Numéro de produit CarePack",
        "Référence Care Pack",
        "CarePack",
        "SKU",
    ),
    "first_name": (
        "Title/First name",
        "Titre/Prénom",
        "Civilité/Prénom",
        "First name",
        "Prénom",
        "Title",
        "Civilité",
    ),
    "surname": (
        "Surname",
        "Last name",
        "Nom de famille",
        "Name",
        "Nom",
    ),
    "company": (
        "Company Name",
        "Company",
        "Nom de la société",
        "Société",
        "Entreprise",
        "Raison sociale",
    ),
    "purchase_date": (
        "Hardware Purchase Date",
        "Purchase Date",
        "Date d'achat du matériel",
        "Date d'achat",
    ),
}

# Titles written when a file is read by position (the vendor template's).
DEFAULT_HEADER = (
    "Unit Serial Number",
    "Product Number",
    "HP CarePack Product Number",
    "Title/First name",
    "Surname",
    "Company Name",
    "Hardware Purchase Date",
)

HEADER_SEARCH_ROWS = 10
# Two recognised titles make a header: with one misspelt or foreign title
# the user must hear which column is missing and which title was not
# understood, not that the file is no registration file at all.
_MIN_MATCHED_COLUMNS = 2
_BANNERS = frozenset({"mandatoryfield", "champobligatoire"})
# What a serial, product number or Care Pack SKU looks like when judging a
# file without titles: letters and digits with at least one digit, or a
# long number as a spreadsheet writes it (1.23457E+11, 1,23457E+11).
_CODE_RE = re.compile(r"[A-Za-z0-9]{2,20}(?:[#-][A-Za-z0-9]{1,6})?")
_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)?(?:[eE][+-]?\d+)?")
_NUMBER_MIN_DIGITS = 5
_CODE_COLUMNS = 3
# Rows judged, at most, to tell data read by position from something else.
_JUDGED_ROWS = 5


def normalise_title(text: str) -> str:
    """Reduce a title to lowercase letters and digits without accents."""
    decomposed = unicodedata.normalize("NFKD", text).casefold()
    return "".join(char for char in decomposed if char.isalnum())


_LOOKUP: dict[str, tuple[str, int]] = {
    normalise_title(name): (field, rank)
    for field, names in HEADER_NAMES.items()
    for rank, name in enumerate(names)
}


def field_for_title(title: object) -> str | None:
    """Name the field a column title stands for, if any."""
    found = _LOOKUP.get(normalise_title(cell_text(title)))
    return found[0] if found else None


class HeaderMatch(NamedTuple):
    row: int
    columns: dict[str, int]


def find_header(records: Iterable[Sequence[object]]) -> HeaderMatch | None:
    """Find the header among the first records.

    The header is the row naming the most fields, the earliest on a tie; it
    must name at least two. The banner row above it names none. Columns it
    lacks are the caller's to report.
    """
    best: HeaderMatch | None = None
    for index, cells in enumerate(records):
        if index >= HEADER_SEARCH_ROWS:
            break
        columns = match_columns(cells)
        if len(columns) < _MIN_MATCHED_COLUMNS:
            continue
        if best is None or len(columns) > len(best.columns):
            best = HeaderMatch(index, columns)
    return best


def refuse_data_above(records: Sequence[Sequence[object]], header_row: int) -> None:
    """Refuse a file with a row laid out as a data line above its titles.

    Only rows below the titles are read, so such a row would be lost
    without a word. Captions and the banner above the titles are not laid
    out as data and stay ignored.
    """
    for index, cells in enumerate(records[:header_row]):
        if looks_like_data(cells):
            logger.info(
                "data above titles line=%s header=%s", index + 1, header_row + 1
            )
            raise FileRefused(
                "data_above_titles", line=index + 1, header_line=header_row + 1
            )


def match_columns(cells: Sequence[object]) -> dict[str, int]:
    """Map fields to the column indices whose titles name them."""
    best: dict[str, tuple[int, int]] = {}
    for column, cell in enumerate(cells):
        found = _LOOKUP.get(normalise_title(cell_text(cell)))
        if found is None:
            continue
        field, rank = found
        if field not in best or rank < best[field][0]:
            best[field] = (rank, column)
    return {field: column for field, (_, column) in best.items()}


def is_blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and (not cell or cell.isspace()))


def is_banner(cells: Sequence[object]) -> bool:
    """Tell the template's "MANDATORY FIELD" row apart from data."""
    titles = {normalise_title(cell_text(cell)) for cell in cells if not is_blank(cell)}
    return bool(titles) and titles <= _BANNERS


def is_caption(cells: Sequence[object]) -> bool:
    """Tell a title written above a table ("Care Pack registrations for
    ACME, March 2026") from its first row: one filled cell, not a code.

    A row holding a lone serial is a data line with cells missing, which
    must be reported, not passed over.
    """
    filled = [cell for cell in cells if not is_blank(cell)]
    return len(filled) == 1 and not looks_like_code(filled[0])


class DataStart(NamedTuple):
    """Where a file without recognised titles starts: ``row`` is the index
    of its first filled row, a header of unknown titles if ``is_header``."""

    row: int
    is_header: bool


def find_data_start(records: Sequence[Sequence[object]]) -> DataStart | None:
    """Judge the first filled rows of a file without a recognised header.

    Captions above the first rows are passed over, like the banner.
    Several rows are judged, so one row with a mistyped serial or SKU does
    not turn a whole file away; a first row that holds no code at all above
    rows of data is a header whose titles were not understood. None means
    the file is not laid out as the template (a letter, a web page, a table
    of something else): one refusal instead of one error per line.
    """
    filled = [
        (index, cells)
        for index, cells in enumerate(records[:HEADER_SEARCH_ROWS])
        if not all(map(is_blank, cells)) and not is_banner(cells)
    ]
    while filled and is_caption(filled[0][1]):
        del filled[0]
    if not filled:
        return None
    first, cells = filled[0]
    votes = [looks_like_data(each) for _, each in filled[:_JUDGED_ROWS]]
    titles = _looks_like_titles(cells)
    if votes[0] or (not titles and _most(votes)):
        return DataStart(first, is_header=False)
    if titles and votes[1:] and _most(votes[1:]):
        return DataStart(first, is_header=True)
    return None


def _most(votes: Sequence[bool]) -> bool:
    return sum(votes) * 2 >= len(votes)


def looks_like_data(cells: Sequence[object]) -> bool:
    """Check that a header-less row is laid out as the template.

    Two of the serial, product and Care Pack columns must hold codes, so a
    row with one mistyped code still counts.
    """
    if len(cells) < 5:
        return False
    return sum(map(looks_like_code, cells[:_CODE_COLUMNS])) >= 2


def _looks_like_titles(cells: Sequence[object]) -> bool:
    """Columns A to C filled with words, as titles are, not codes."""
    head = [*cells[:_CODE_COLUMNS], *[None] * _CODE_COLUMNS][:_CODE_COLUMNS]
    return not any(map(is_blank, head)) and not any(map(looks_like_code, head))


def looks_like_code(cell: object) -> bool:
    """Tell a serial, product number or SKU (even mangled) from words."""
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return abs(cell) >= 10 ** (_NUMBER_MIN_DIGITS - 1)
    text = cell_text(cell).strip()
    if _NUMBER_RE.fullmatch(text):
        digits = sum(char.isdigit() for char in text)
        return digits >= _NUMBER_MIN_DIGITS or "e" in text.lower()
    return bool(_CODE_RE.fullmatch(text)) and any(map(str.isdigit, text))


def cell_text(cell: object) -> str:
    """Render a cell the way a spreadsheet shows it, for matching only."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


def trim_blank_tail(cells: Sequence[object]) -> list[object]:
    """Drop the empty cells after the last filled one."""
    end = len(cells)
    while end and is_blank(cells[end - 1]):
        end -= 1
    return list(cells[:end])
