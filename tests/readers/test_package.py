"""The package stays free of Django, and its public names stay put."""

import subprocess
import sys

import carepack.readers
from carepack.readers.rows import RowBuilder


def test_importing_the_readers_does_not_import_django() -> None:
    check = "import sys, carepack.readers; print('django' in sys.modules)"

    result = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "False"


def test_the_public_api_is_exported() -> None:
    assert set(carepack.readers.__all__) == {
        "FIELDS",
        "HEADER_NAMES",
        "MANDATORY_FIELDS",
        "FileRefused",
        "Limits",
        "RegistrationFile",
        "Row",
        "open_registration_file",
    }
    assert carepack.readers.FIELDS == (
        "serial_number",
        "product_number",
        "carepack_sku",
        "first_name",
        "surname",
        "company",
        "purchase_date",
    )


def test_rows_built_on_the_fast_path_equal_ordinary_rows() -> None:
    columns = {"serial_number": 0, "product_number": 1, "carepack_sku": 2}
    row = RowBuilder(columns, 3).build(7, ["a", "b", "c"], False)

    values: dict[str, object] = dict.fromkeys(carepack.readers.FIELDS, "")
    values.update(serial_number="a", product_number="b", carepack_sku="c")
    assert row == carepack.readers.Row(7, values, False, ("a", "b", "c"))
