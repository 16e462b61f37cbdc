"""The one exception raised when a whole upload cannot be read."""

from typing import Literal

RefusalCode = Literal[
    "empty",
    "too_large",
    "too_many_rows",
    "not_a_registration_file",
    "unreadable_spreadsheet",
    "zip_bomb",
    "binary_content",
    "undecodable_text",
    "mixed_encoding",
    "no_data_rows",
    "line_too_long",
    "unclosed_quote",
    "several_sheets",
    "data_above_titles",
]

# English text for developers and logs; the web side translates by code and
# fills in the same params, so every placeholder here must exist in params.
_MESSAGES: dict[RefusalCode, str] = {
    "empty": "The file is empty.",
    "too_large": "The file has {size} bytes; at most {max_bytes} are accepted.",
    "too_many_rows": "The file has more than {max_rows} data rows.",
    "not_a_registration_file": (
        "The file is not a registration file (detected: {detected})."
    ),
    "unreadable_spreadsheet": "The {kind} spreadsheet is damaged or protected.",
    "zip_bomb": "The {kind} spreadsheet inflates beyond safe limits ({reason}).",
    "binary_content": "The file holds binary data, not text.",
    "undecodable_text": "The file is not valid {encoding} text.",
    "mixed_encoding": (
        "The file is UTF-8 but line {line} holds a byte UTF-8 forbids "
        "(another encoding mixed in)."
    ),
    "no_data_rows": "The header is on row {header_line} but no row follows it.",
    "line_too_long": "Row {line} has a cell longer than {max_chars} characters.",
    "unclosed_quote": (
        "A quote opens a cell on row {line} that runs on over the rows below "
        "it (at most {max_lines} lines per row; open at the end: {at_end})."
    ),
    "several_sheets": "Several visible sheets hold registration lines: {sheets}.",
    "data_above_titles": (
        "Row {line} is laid out as a registration line but lies above the "
        "titles on row {header_line}."
    ),
}


class FileRefused(Exception):
    """The file as a whole is not readable as a registration file.

    ``code`` is stable and machine-readable; ``params`` carries the values a
    translated message needs. ``str(exc)`` is an English developer message.
    """

    def __init__(self, code: RefusalCode, **params: object) -> None:
        self.code: RefusalCode = code
        self.params: dict[str, object] = params
        super().__init__(_MESSAGES[code].format(**params))
