"""The quick row count agrees with csv, wherever the chunks are cut."""

import csv
import io

import pytest

from carepack.readers import counting

TEXTS = [
    "a;b\r\nc;d\r\n",
    "a;b\rc;d\r\r;;\r",
    "a;b\n\n\nc\n;;\n \t\n",
    "a\r\n\r\nb\r\n;\r\n",
    "only",
    ";;;\r\n   \r\n",
    "x\r\n\r\n\r\n\r\ny",
    "a;b\r\n\xa0\u3000;\r\n",
]


def csv_last_filled(text: str) -> int:
    records = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    filled = [line for line, cells in enumerate(records, 1) if "".join(cells).strip()]
    return filled[-1] if filled else 0


@pytest.mark.parametrize("text", TEXTS)
def test_the_quick_count_matches_csv_for_every_chunk_size(
    monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    for size in range(1, len(text) + 2):
        monkeypatch.setattr(counting, "_CHUNK_CHARS", size)

        got = counting.count_unquoted(io.StringIO(text, newline=""), ";", 100, 10**6)

        assert got == csv_last_filled(text), size


def test_a_quote_hands_the_count_to_csv() -> None:
    text = 'a;"b\r\nc"\r\n'

    assert counting.count_unquoted(io.StringIO(text, newline=""), ";", 100, 10) is None


@pytest.mark.parametrize("size", [1, 3, 1000])
def test_a_long_line_hands_the_count_to_csv(
    monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    monkeypatch.setattr(counting, "_CHUNK_CHARS", size)
    text = "a;b\r\n" + "c" * 11 + "\r\nd\r\n"

    assert counting.count_unquoted(io.StringIO(text, newline=""), ";", 10, 99) is None
    assert counting.count_unquoted(io.StringIO(text, newline=""), ";", 11, 99) == 3


def test_the_count_stops_past_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(counting, "_CHUNK_CHARS", 4)
    text = "a\r\n" * 1000

    got = counting.count_unquoted(io.StringIO(text, newline=""), ";", 10, 5)

    assert got is not None
    assert 5 < got < 20
