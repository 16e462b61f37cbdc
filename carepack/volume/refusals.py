"""One translated message for a file refused as a whole, saying how to
save it so that it can be read."""

from collections.abc import Mapping

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from carepack.readers.headers import DEFAULT_HEADER
from carepack.readers.model import FIELDS


def refusal_message(code: str, params: Mapping[str, object]) -> str:
    """The message for a refusal code of the readers (or ours)."""
    maker = _MESSAGES.get(code, _unknown)
    return maker(params)


def _save_as() -> str:
    return _(
        "Save it from your spreadsheet program as Excel Workbook (.xlsx) or as "
        "Unicode Text (.txt), or start again from the template."
    )


def _empty(params: Mapping[str, object]) -> str:
    return _("The file is empty.") + " " + _save_as()


def _too_large(params: Mapping[str, object]) -> str:
    return _(
        "The file is %(size)s; at most %(max_size)s can be uploaded. Split it "
        "into several files, or save it as Excel Workbook (.xlsx), which is "
        "smaller than text."
    ) % {
        "size": filesizeformat(_number(params, "size")),
        "max_size": filesizeformat(_number(params, "max_bytes")),
    }


def _number(params: Mapping[str, object], key: str) -> int:
    value = params.get(key)
    return value if isinstance(value, int) else 0


def _too_many_rows(params: Mapping[str, object]) -> str:
    return _(
        "The file has more than %(max_rows)s rows. Split it into files of at "
        "most %(max_rows)s rows each and upload them one after the other."
    ) % {"max_rows": params.get("max_rows", "")}


def _not_registration(params: Mapping[str, object]) -> str:
    detected = params.get("detected")
    if detected == "pdf":
        found = _("This is a PDF document, not a registration file.")
    elif detected == "image":
        found = _("This is an image, not a registration file.")
    elif detected == "html":
        found = _("This is a web page, not a registration file.")
    elif detected == "zip":
        found = _("This is a zip archive, not a spreadsheet.")
    else:
        found = _(
            "No row of this file has the template's column titles (Unit Serial "
            "Number, Product Number, HP CarePack Product Number, …), and its "
            "first row does not look like a registration."
        )
    return found + " " + _save_as()


def _unreadable(params: Mapping[str, object]) -> str:
    return _(
        "The spreadsheet cannot be opened: it is damaged or protected by a "
        "password. Open it, remove any password, and save it again as Excel "
        "Workbook (.xlsx)."
    )


def _zip_bomb(params: Mapping[str, object]) -> str:
    return _(
        "The spreadsheet would take too much memory to open. Copy the "
        "registration rows into the template and save it as Excel Workbook "
        "(.xlsx), or save the sheet as Unicode Text (.txt)."
    )


def _binary(params: Mapping[str, object]) -> str:
    return _("The file holds binary data, not text.") + " " + _save_as()


# How people know the encodings a file may say it is in (its BOM).
_ENCODING_NAMES = {
    "utf-8-sig": "UTF-8",
    "utf-8": "UTF-8",
    "utf-16": "Unicode (UTF-16)",
    "utf-16-le": "Unicode (UTF-16)",
    "utf-16-be": "Unicode (UTF-16)",
}


def _undecodable(params: Mapping[str, object]) -> str:
    encoding = str(params.get("encoding", ""))
    return _(
        "The file starts by saying its text is %(encoding)s, but some of its "
        "characters are saved another way, so they cannot be read with "
        "certainty. Save the file again from your spreadsheet program as "
        "Unicode Text (.txt) or as Excel Workbook (.xlsx)."
    ) % {"encoding": _ENCODING_NAMES.get(encoding.lower(), encoding)}


def _mixed_encoding(params: Mapping[str, object]) -> str:
    return _(
        "The file mixes two kinds of text, UTF-8 and Windows-1252 (the first "
        "character that is not UTF-8 is on row %(line)s), so accented letters "
        "cannot be read with certainty. Save the file again from your "
        "spreadsheet program as Unicode Text (.txt) or as Excel Workbook "
        "(.xlsx)."
    ) % {"line": params.get("line", "")}


def _no_data_rows(params: Mapping[str, object]) -> str:
    if params.get("header_line") is None:
        return _("The file has no registration rows.") + " " + _save_as()
    return _(
        "The titles are on row %(line)s but no row below them is filled in. "
        "Fill in one row per Care Pack under the titles."
    ) % {"line": params["header_line"]}


def _line_too_long(params: Mapping[str, object]) -> str:
    return (
        _(
            "Row %(line)s holds a cell longer than %(max_chars)s characters, so the "
            "file was probably not saved as a table."
        )
        % {
            "line": params.get("line", ""),
            "max_chars": params.get("max_chars", ""),
        }
        + " "
        + _save_as()
    )


def _unclosed_quote(params: Mapping[str, object]) -> str:
    line = params.get("line", "")
    if params.get("at_end"):
        found = _(
            'A quotation mark (") at the start of a cell on row %(line)s is '
            "never closed, so every row below it would be read as part of that "
            "cell."
        ) % {"line": line}
    else:
        found = _(
            'A quotation mark (") at the start of a cell on row %(line)s makes '
            "that cell run on over the rows below it, so those rows would be "
            "read as part of it and lost."
        ) % {"line": line}
    return (
        found
        + " "
        + _(
            'Remove the stray " from row %(line)s, or save the file again from '
            "your spreadsheet program."
        )
        % {"line": line}
    )


def _several_sheets(params: Mapping[str, object]) -> str:
    sheets = params.get("sheets") or ()
    assert isinstance(sheets, list | tuple)
    return _(
        "Several sheets of this workbook hold registration lines: %(sheets)s. "
        "Only one sheet can be read, so the lines of the others would be lost. "
        "Put all the lines on one sheet, or upload one file per sheet."
    ) % {"sheets": ", ".join(f"“{str(name)[:40]}”" for name in sheets)}


def _data_above_titles(params: Mapping[str, object]) -> str:
    return _(
        "Row %(line)s looks like a registration line, but it is above the "
        "column titles on row %(header_line)s, and only the rows below the "
        "titles are read. Put the titles on the first row and every line "
        "below them."
    ) % {"line": params.get("line", ""), "header_line": params.get("header_line", "")}


def _missing_columns(params: Mapping[str, object]) -> str:
    titles = dict(zip(FIELDS, DEFAULT_HEADER, strict=True))
    missing = params.get("fields", ())
    assert isinstance(missing, list | tuple)
    message = _(
        "These mandatory columns are missing: %(columns)s. Keep the template's "
        "columns A to E with their titles in the row above the data."
    ) % {"columns": ", ".join(titles.get(str(f), str(f)) for f in missing)}
    unknown = params.get("titles") or ()
    assert isinstance(unknown, list | tuple)
    if not unknown:
        return message
    return (
        message
        + " "
        + _(
            "These titles of that row were not recognised: %(titles)s. Rename "
            "them as in the template."
        )
        % {"titles": ", ".join(f"“{str(title)[:40]}”" for title in unknown)}
    )


def _unknown(params: Mapping[str, object]) -> str:
    return _("The file cannot be read.") + " " + _save_as()


_MESSAGES = {
    "empty": _empty,
    "too_large": _too_large,
    "too_many_rows": _too_many_rows,
    "not_a_registration_file": _not_registration,
    "unreadable_spreadsheet": _unreadable,
    "zip_bomb": _zip_bomb,
    "binary_content": _binary,
    "undecodable_text": _undecodable,
    "mixed_encoding": _mixed_encoding,
    "no_data_rows": _no_data_rows,
    "line_too_long": _line_too_long,
    "missing_columns": _missing_columns,
    "unclosed_quote": _unclosed_quote,
    "several_sheets": _several_sheets,
    "data_above_titles": _data_above_titles,
}
