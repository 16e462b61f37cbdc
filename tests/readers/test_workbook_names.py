"""A workbook is read as what its content is, whatever its name says."""

import shutil
from pathlib import Path

import pytest

from .builders import opened, serials

FIXTURES = Path(__file__).parent.parent / "fixtures"
WORKBOOKS = {
    "xlsx": FIXTURES / "cases" / "volume" / "serial.xlsx",
    "ods": FIXTURES / "readers" / "serial.ods",
    "xls": FIXTURES / "readers" / "serial.xls",
}
WRONG_NAMES = [
    (kind, f"upload.{extension}")
    for kind in WORKBOOKS
    for extension in ("xlsx", "xls", "ods", "XLSX", "XLS", "ODS", "xlsm", "xlsb")
    if extension.lower() != kind
]


@pytest.mark.parametrize(("kind", "name"), WRONG_NAMES)
def test_a_workbook_under_another_kinds_extension_is_read(
    tmp_path: Path, kind: str, name: str
) -> None:
    right = tmp_path / f"right.{kind}"
    shutil.copy(WORKBOOKS[kind], right)
    (tmp_path / "wrong").mkdir()
    wrong = tmp_path / "wrong" / name
    shutil.copy(WORKBOOKS[kind], wrong)

    expected = opened(right)
    got = opened(wrong)

    assert got.kind == kind
    assert got.header == expected.header
    assert serials(list(got.rows())) == serials(list(expected.rows()))
    assert serials(list(expected.rows()))
