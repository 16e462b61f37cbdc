"""Recognising the header row, or data laid out as in the template."""

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import NamedTuple

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
_MIN_MATCHED_COLUMNS = 3
_BANNERS = frozenset({"mandatoryfield", "champobligatoire"})
_SERIAL_RE = re.compile(r"[A-Za-z0-9]{5,20}")
_SKU_RE = re.compile(r"[A-Za-z0-9]{4,12}(?:[#-][A-Za-z0-9]{2,4})?")


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

    A row counts as the header when it names the serial column and at least
    two others; the banner row above it names none.
    """
    for index, cells in enumerate(records):
        if index >= HEADER_SEARCH_ROWS:
            break
        columns = match_columns(cells)
        if len(columns) >= _MIN_MATCHED_COLUMNS and "serial_number" in columns:
            return HeaderMatch(index, columns)
    return None


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


def looks_like_data(cells: Sequence[object]) -> bool:
    """Check that a header-less first row is laid out as the template.

    Without this, a letter or a web page would be read by position and
    produce one error per line instead of one for the file.
    """
    if len(cells) < 5:
        return False
    serial = cell_text(cells[0]).strip()
    sku = cell_text(cells[2]).strip()
    return bool(_SERIAL_RE.fullmatch(serial) and _SKU_RE.fullmatch(sku))


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
