from pathlib import Path

import pytest

from carepack.catalog.models import CarePackProduct, HardwareProduct
from carepack.catalog.services import import_catalog
from carepack.core.csvfiles import CsvFileError

CAREPACK_HEADER = (
    "sku,description,service_level,coverage_months,post_warranty,categories\n"
)
HARDWARE_HEADER = "product_number,description,category,base_warranty_months\n"


def write(path: Path, text: str, bom: bool = False) -> Path:
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode())
    return path


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    packs = write(
        tmp_path / "packs.csv",
        CAREPACK_HEADER
        + "U4417PE,HP 1y PW Nbd Notebook,Next business day onsite,12,yes,notebook\n"
        + "u9ba3e ,Travel,Nbd,36,no,Notebook|Workstation\n",
        bom=True,
    )
    hardware = write(
        tmp_path / "hw.csv",
        HARDWARE_HEADER + "2Y2D5EA#ABF,HP EliteBook 840 G5,notebook,36\n",
    )
    return packs, hardware


def test_it_imports_both_files_with_a_bom(db: None, files: tuple[Path, Path]) -> None:
    report = import_catalog(*files)

    assert report.errors == []
    assert report.created == 3
    pack = CarePackProduct.objects.get(sku="U9BA3E")
    assert pack.categories == ["notebook", "workstation"]
    assert pack.post_warranty is False
    assert CarePackProduct.objects.get(sku="U4417PE").post_warranty is True
    machine = HardwareProduct.objects.get()
    assert machine.product_number == "2Y2D5EA"
    assert machine.base_warranty_months == 36


def test_it_updates_instead_of_duplicating(db: None, files: tuple[Path, Path]) -> None:
    import_catalog(*files)
    packs, hardware = files
    write(
        packs,
        CAREPACK_HEADER + "U4417PE,Renamed,Nbd,24,yes,notebook|desktop\n",
    )

    report = import_catalog(packs, hardware)

    assert (report.created, report.updated) == (0, 2)
    assert CarePackProduct.objects.count() == 2
    pack = CarePackProduct.objects.get(sku="U4417PE")
    assert (pack.description, pack.coverage_months) == ("Renamed", 24)
    assert pack.categories == ["desktop", "notebook"]


def test_it_reports_each_bad_line_and_keeps_the_good(db: None, tmp_path: Path) -> None:
    packs = write(
        tmp_path / "p.csv",
        CAREPACK_HEADER
        + "GOOD1,Fine,Nbd,12,no,desktop\n"
        + "BAD1,Months,Nbd,twelve,no,desktop\n"
        + "BAD2,Flag,Nbd,12,maybe,desktop\n"
        + ",No sku,Nbd,12,no,desktop\n",
    )
    hardware = write(tmp_path / "h.csv", HARDWARE_HEADER + "ABC123,Box,desktop,0\n")

    report = import_catalog(packs, hardware)

    assert CarePackProduct.objects.get().sku == "GOOD1"
    assert HardwareProduct.objects.count() == 0
    assert len(report.errors) == 4
    assert report.errors[0].endswith(
        "p.csv:3: coverage_months must be a whole number of months from 1 to 240, "
        "not “twelve”"
    )
    assert ":4: post_warranty must be yes or no" in report.errors[1]
    assert ":5: empty required column: sku" in report.errors[2]
    assert "h.csv:2: base_warranty_months" in report.errors[3]


def test_it_refuses_a_file_without_the_expected_header(
    db: None, tmp_path: Path
) -> None:
    packs = write(tmp_path / "p.csv", "code,text\nX,Y\n")
    hardware = write(tmp_path / "h.csv", HARDWARE_HEADER)

    with pytest.raises(CsvFileError, match="missing columns sku, description"):
        import_catalog(packs, hardware)


def test_it_refuses_a_file_that_is_not_utf8(db: None, tmp_path: Path) -> None:
    packs = tmp_path / "p.csv"
    packs.write_bytes(
        CAREPACK_HEADER.encode() + "X,Périphérique,N,12,no,d\n".encode("cp1252")
    )
    hardware = write(tmp_path / "h.csv", HARDWARE_HEADER)

    with pytest.raises(CsvFileError, match="is not UTF-8 text"):
        import_catalog(packs, hardware)


def test_it_says_when_a_file_is_separated_by_semicolons(
    db: None, tmp_path: Path
) -> None:
    packs = write(tmp_path / "p.csv", CAREPACK_HEADER.replace(",", ";"))
    hardware = write(tmp_path / "h.csv", HARDWARE_HEADER)

    with pytest.raises(CsvFileError, match="separated by semicolons"):
        import_catalog(packs, hardware)
