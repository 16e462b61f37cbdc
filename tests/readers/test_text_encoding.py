"""Text uploads: the encoding is decided from every byte of the file."""

import codecs
from pathlib import Path

import pytest

from carepack.readers import FileRefused, Limits
from carepack.readers.charsets import detect_encoding

from .builders import CLAIRE, TEMPLATE_HEADER, opened, read_rows, text_file, write_bytes

BJORN = ("5CD3301K12", "6F8K2EA", "U4417PE", "Björn", "Ångström", "Café SA")


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("utf-16", "utf-16"),
        ("utf-16-be", "utf-16"),
        ("utf-8-sig", "utf-8-sig"),
        ("utf-8", "utf-8"),
        ("cp1252", "cp1252"),
    ],
)
def test_each_encoding_excel_writes_is_read_back(
    tmp_path: Path, encoding: str, expected: str
) -> None:
    bom = codecs.BOM_UTF16_BE if encoding == "utf-16-be" else b""
    text = "\r\n".join("\t".join(cells) for cells in (TEMPLATE_HEADER, BJORN))
    path = write_bytes(tmp_path, "upload.txt", bom + text.encode(encoding))

    registration = opened(path)
    [row] = registration.rows()

    assert registration.encoding == expected
    assert row.raw == BJORN


def test_a_cp1252_byte_at_the_very_end_decides_for_the_whole_file(
    tmp_path: Path,
) -> None:
    # Over a megabyte of ASCII first, so the only non-ASCII byte lies past
    # the first chunk a sampling detector would look at.
    ascii_rows = [CLAIRE] * 25_000
    records = [TEMPLATE_HEADER, *ascii_rows, (*CLAIRE[:5], "Café")]
    path = text_file(tmp_path, records, encoding="cp1252")
    assert path.stat().st_size > 1_100_000

    registration = opened(path)
    *_, last = registration.rows()

    assert registration.encoding == "cp1252"
    assert last.values["company"] == "Café"
    assert last.line == 25_002


def test_bytes_windows_1252_leaves_undefined_read_as_their_c1_controls(
    tmp_path: Path,
) -> None:
    data = b"Unit Serial Number;Product Number;Care Pack;Surname\r\n"
    data += b"5CD3301K11;6F8K2EA;U4417PE;Ab\x81c\r\n"
    path = write_bytes(tmp_path, "upload.csv", data)

    [row] = read_rows(path)

    assert row.values["surname"] == "Ab\x81c"


def test_a_file_full_of_undefined_windows_1252_bytes_is_binary(tmp_path: Path) -> None:
    data = b"Unit Serial Number;Product Number;Care Pack\r\n" + b"\x81\x8d\x90" * 100
    path = write_bytes(tmp_path, "upload.csv", data)

    with pytest.raises(FileRefused) as refused:
        opened(path)

    assert refused.value.code == "binary_content"


def test_a_utf8_bom_followed_by_invalid_utf8_is_refused(tmp_path: Path) -> None:
    data = codecs.BOM_UTF8 + b"Unit Serial Number;Product Number;Care Pack\r\n\xe9\r\n"
    path = write_bytes(tmp_path, "upload.csv", data)

    with pytest.raises(FileRefused) as refused:
        opened(path)

    assert refused.value.code == "undecodable_text"
    assert refused.value.params == {"encoding": "utf-8-sig"}


def test_utf16_with_a_lone_surrogate_is_refused(tmp_path: Path) -> None:
    text = "\t".join(TEMPLATE_HEADER) + "\r\n"
    data = text.encode("utf-16") + b"\x00\xd8A\x00"
    path = write_bytes(tmp_path, "upload.txt", data)

    with pytest.raises(FileRefused) as refused:
        opened(path)

    assert refused.value.code == "undecodable_text"
    assert refused.value.params == {"encoding": "utf-16"}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "cp1252"])
def test_a_nul_character_makes_the_file_binary(tmp_path: Path, encoding: str) -> None:
    text = "\t".join(TEMPLATE_HEADER) + "\r\n" + "\t".join(CLAIRE) + "\x00\r\n"
    path = write_bytes(tmp_path, "upload.txt", text.encode(encoding))

    with pytest.raises(FileRefused) as refused:
        opened(path)

    assert refused.value.code == "binary_content"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_many_control_characters_make_the_file_binary(
    tmp_path: Path, encoding: str
) -> None:
    text = "\t".join(TEMPLATE_HEADER) + "\r\n" + "\x01\x02\x1b" * 20
    path = write_bytes(tmp_path, "upload.txt", text.encode(encoding))

    with pytest.raises(FileRefused) as refused:
        opened(path)

    assert refused.value.code == "binary_content"


def test_a_stray_control_character_is_kept(tmp_path: Path) -> None:
    records = [TEMPLATE_HEADER, (*CLAIRE[:4], "Du\x0bbois", CLAIRE[5])]
    path = text_file(tmp_path, records)

    [row] = read_rows(path)

    assert row.values["surname"] == "Du\x0bbois"


ZOE = ("5CD3301K13", "6F8K2EA", "U4417PE", "Zoë", "Müller", "Café SA")


@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r"])
def test_utf8_with_one_windows_1252_byte_is_refused_naming_its_line(
    tmp_path: Path, newline: str
) -> None:
    head = newline.join(";".join(cells) for cells in (TEMPLATE_HEADER, ZOE, CLAIRE))
    data = (head + newline).encode() + ";".join(BJORN).encode("cp1252") + b"\r\n"
    path = write_bytes(tmp_path, "upload.csv", data)

    with pytest.raises(FileRefused) as refused:
        opened(path)

    assert refused.value.code == "mixed_encoding"
    assert refused.value.params == {"line": 4}


def test_a_windows_1252_byte_before_the_utf8_letters_is_refused_too(
    tmp_path: Path,
) -> None:
    ascii_rows = (";".join(CLAIRE) + "\r\n").encode()
    data = (";".join(TEMPLATE_HEADER) + "\r\n").encode()
    data += ";".join(BJORN).encode("cp1252") + b"\r\n"
    # Past the first megabyte, so the UTF-8 letter lies in a later chunk.
    data += ascii_rows * 25_000 + (";".join(ZOE) + "\r\n").encode()
    path = write_bytes(tmp_path, "upload.csv", data)

    with pytest.raises(FileRefused) as refused:
        opened(path)

    assert refused.value.code == "mixed_encoding"
    assert refused.value.params == {"line": 2}


def test_a_line_count_split_between_two_chunks_stays_right(tmp_path: Path) -> None:
    # A CRLF straddling the first megabyte counts as one line end.
    first = (";".join(TEMPLATE_HEADER) + "\r\n").encode()
    filler = b"x" * ((1 << 20) - len(first) - 1) + b"\r\n"
    data = first + filler + "Zoë\r\n".encode() + "Björn\r\n".encode("cp1252")
    path = write_bytes(tmp_path, "upload.csv", data)

    with pytest.raises(FileRefused) as refused:
        opened(path, Limits(max_cell_chars=2 << 20))

    assert refused.value.params == {"line": 4}


def test_a_windows_1252_file_with_accents_only_is_still_read(tmp_path: Path) -> None:
    path = text_file(tmp_path, [TEMPLATE_HEADER, BJORN, ZOE], encoding="cp1252")

    registration = opened(path)

    assert registration.encoding == "cp1252"
    assert [row.values["first_name"] for row in registration.rows()] == [
        "Björn",
        "Zoë",
    ]


def test_a_windows_1252_letter_cut_by_a_chunk_end_is_no_utf8_letter(
    tmp_path: Path,
) -> None:
    first = (";".join(TEMPLATE_HEADER) + "\r\n").encode()
    filler = b"x" * ((1 << 20) - len(first) - 1) + "é".encode("cp1252")
    data = first + filler + b"\r\n" + ";".join(BJORN).encode("cp1252") + b"\r\n"
    path = write_bytes(tmp_path, "upload.csv", data)

    assert detect_encoding(path) == "cp1252"
