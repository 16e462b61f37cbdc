"""Files refused as a whole, with one error instead of one per line."""

import random
import tracemalloc
from pathlib import Path

import pytest

from carepack.readers import FileRefused, Limits

from .builders import CLAIRE, TEMPLATE_HEADER, opened, refusal, text_file, write_bytes


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    refused = refusal(write_bytes(tmp_path, "upload.xlsx", b""))

    assert refused.code == "empty"


def test_size_is_checked_before_the_content_is_looked_at(tmp_path: Path) -> None:
    path = write_bytes(tmp_path, "upload.csv", b"%PDF-1.7\n" + b"x" * 100)

    refused = refusal(path, Limits(max_bytes=100))

    assert refused.code == "too_large"
    assert refused.params == {"size": 109, "max_bytes": 100}


@pytest.mark.parametrize(
    ("start", "detected"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "pdf"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image"),
        (b"GIF89a\x01\x00", "image"),
        (b"\n  <!DOCTYPE html>\n<html><body>", "html"),
        (b"\xef\xbb\xbf<HTML><head>", "html"),
        ("\ufeff <html lang='fr'>".encode("utf-16-le"), "html"),
    ],
)
@pytest.mark.parametrize("name", ["upload.txt", "upload.xlsx"])
def test_known_foreign_formats_are_refused_whatever_the_name(
    tmp_path: Path, start: bytes, detected: str, name: str
) -> None:
    refused = refusal(write_bytes(tmp_path, name, start + b"filler " * 50))

    assert refused.code == "not_a_registration_file"
    assert refused.params == {"detected": detected}


@pytest.mark.parametrize("name", ["upload.txt", "upload.xlsx", "upload.csv"])
def test_random_bytes_are_refused_whatever_the_name(tmp_path: Path, name: str) -> None:
    noise = random.Random(1252).randbytes(20_000)

    refused = refusal(write_bytes(tmp_path, name, noise))

    assert refused.code == "binary_content"


def test_a_line_longer_than_a_cell_may_be_is_refused(tmp_path: Path) -> None:
    records = [TEMPLATE_HEADER, CLAIRE, (*CLAIRE[:5], "x" * 101), CLAIRE]
    path = text_file(tmp_path, records)

    refused = refusal(path, Limits(max_cell_chars=100))

    assert refused.code == "line_too_long"
    assert refused.params == {"line": 3, "max_chars": 100}


def test_a_line_exactly_at_the_bound_is_read(tmp_path: Path) -> None:
    line = ";".join((*CLAIRE[:5], "x" * 80))
    path = text_file(tmp_path, [TEMPLATE_HEADER, CLAIRE, (line,)])

    assert opened(path, Limits(max_cell_chars=len(line))).row_count == 2


def test_a_quoted_cell_growing_past_the_bound_over_several_lines_is_refused(
    tmp_path: Path,
) -> None:
    cell = '"' + "\r\n".join(["y" * 30] * 5) + '"'
    records = [TEMPLATE_HEADER, CLAIRE, (*CLAIRE[:5], cell)]
    path = text_file(tmp_path, records)

    refused = refusal(path, Limits(max_cell_chars=100))

    assert refused.code == "line_too_long"
    assert refused.params == {"line": 3, "max_chars": 100}


def test_a_50_megabyte_line_is_refused_without_being_held(tmp_path: Path) -> None:
    path = tmp_path / "upload.csv"
    with path.open("wb") as stream:
        stream.write(";".join(TEMPLATE_HEADER).encode() + b"\r\n")
        stream.write(b"a" * 50_000_000)

    tracemalloc.start()
    try:
        refused = refusal(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert refused.code == "line_too_long"
    assert refused.params == {"line": 2, "max_chars": 32_767}
    assert peak < 10_000_000


def test_an_unclosed_quote_swallowing_the_file_is_refused(tmp_path: Path) -> None:
    data = ";".join(TEMPLATE_HEADER) + "\r\n" + '"' + ";".join(CLAIRE) + "\r\n"
    data += (";".join(CLAIRE) + "\r\n") * 100
    path = write_bytes(tmp_path, "upload.csv", data.encode())

    refused = refusal(path, Limits(max_cell_chars=1000))

    assert refused.code == "unclosed_quote"
    assert refused.params["line"] == 2


def test_a_quote_swallowing_more_than_csv_holds_names_its_row(
    tmp_path: Path,
) -> None:
    data = ";".join(TEMPLATE_HEADER) + "\r\n" + ";".join(CLAIRE) + "\r\n"
    data += ";".join(CLAIRE[:5]) + ';"Dubois\r\n'
    data += ("x" * 1000 + "\r\n") * 200
    path = write_bytes(tmp_path, "upload.csv", data.encode())

    refused = refusal(path)

    assert refused.code == "unclosed_quote"
    assert refused.params == {"line": 3, "max_lines": 10, "at_end": False}


def test_the_refusal_message_names_the_limits() -> None:
    refused = FileRefused("too_large", size=20, max_bytes=10)

    assert str(refused) == "The file has 20 bytes; at most 10 are accepted."
