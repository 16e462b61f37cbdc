"""Workbooks whose lines could be lost: every such file is refused whole,
with a message that says what to change."""

from pathlib import Path

import pytest

from carepack.registrations.models import Registration
from tests.readers.builders import (
    CLAIRE,
    MARC,
    TEMPLATE_HEADER,
    xlsx_file,
    xlsx_sheets,
)
from tests.volume.conftest import assert_refused

pytestmark = pytest.mark.django_db


def test_two_sheets_of_lines_are_refused_naming_both(
    make_order, run_file, tmp_path: Path
) -> None:
    path = xlsx_sheets(
        tmp_path,
        [
            ("Jan", [TEMPLATE_HEADER, CLAIRE], "visible"),
            ("Feb", [TEMPLATE_HEADER, MARC], "visible"),
        ],
    )

    batch = run_file(make_order().order, path)

    assert_refused(batch, "several_sheets")
    assert "“Jan”, “Feb”" in batch.error_message
    assert "one file per sheet" in batch.error_message
    assert not Registration.objects.exists()


def test_lines_above_the_titles_are_refused_naming_the_rows(
    make_order, run_file, tmp_path: Path
) -> None:
    path = xlsx_file(tmp_path, [CLAIRE, MARC, TEMPLATE_HEADER, CLAIRE])

    batch = run_file(make_order().order, path)

    assert_refused(batch, "data_above_titles")
    assert "Row 1 " in batch.error_message
    assert "row 3" in batch.error_message
    assert not Registration.objects.exists()
