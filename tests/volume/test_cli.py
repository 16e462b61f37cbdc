"""``carepack register-file``: the same pipeline, at once, from a shell."""

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from carepack.notifications.models import OutgoingEmail
from carepack.registrations.models import Registration
from carepack.volume.models import UploadBatch
from tests.conftest import worker_env
from tests.volume.conftest import pack, text_file

pytestmark = pytest.mark.django_db(transaction=True)


def register_file(
    *args: str, code: str | None = None, storage: str | None = None, **more: str
) -> subprocess.CompletedProcess[str]:
    env = worker_env() | more
    env.pop("CAREPACK_CODE", None)
    if code is not None:
        env["CAREPACK_CODE"] = code
    if storage is not None:
        env["CAREPACK_STORAGE_BACKEND"] = storage
    return subprocess.run(
        [sys.executable, "-m", "carepack.cli", "register-file", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_clean_file_exits_0_with_the_code_from_the_environment(
    make_order, tmp_path: Path
) -> None:
    issued = make_order()
    path = text_file(tmp_path / "ok.txt", [pack("5CD0000001"), pack("5CD0000002")])

    result = register_file(str(path), "--json", code=issued.code)

    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed["counts"] == {
        "lines": 2,
        "registered": 2,
        "already_registered": 0,
        "errors": 0,
        "skipped": 0,
    }
    assert printed["rows"][0] == {
        "line": 2,
        "outcome": "registered",
        "serial_number": "5CD0000001",
        "carepack": "U4417PE",
        "errors": [],
    }
    assert issued.code not in result.stdout + result.stderr
    assert (
        Registration.objects.filter(order=issued.order, channel="volume").count() == 2
    )


def test_lines_in_error_exit_1_and_are_listed(make_order, tmp_path: Path) -> None:
    issued = make_order()
    path = text_file(tmp_path / "bad.txt", [pack("5CD0000001", surname="")])

    result = register_file(
        str(path), "--code", issued.code, "--reply-to", "ops@example.com"
    )

    assert result.returncode == 1, result.stderr
    assert "in error: 1" in result.stdout
    assert "line 2: Surname: This field is required." in result.stdout
    assert OutgoingEmail.objects.filter(
        kind="batch_result", recipient="ops@example.com"
    ).exists()


def test_a_refused_file_exits_2_with_one_error(make_order, tmp_path: Path) -> None:
    issued = make_order()
    path = tmp_path / "order.pdf"
    path.write_bytes(b"%PDF-1.4 purchase order")

    result = register_file(str(path), "--json", "--code", issued.code)

    assert result.returncode == 2
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "not_a_registration_file"
    assert "PDF" in error["message"]


def test_a_file_over_the_limit_is_refused_before_it_is_stored(
    make_order, tmp_path: Path
) -> None:
    issued = make_order()
    path = text_file(tmp_path / "big.txt", [pack(f"5CD{n:07d}") for n in range(50)])
    env_limit = {"CAREPACK_UPLOAD_MAX_BYTES": "1000"}

    result = register_file(str(path), "--json", "--code", issued.code, **env_limit)

    assert result.returncode == 2
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "too_large"
    assert not UploadBatch.objects.exists()


def test_a_wrong_code_exits_2_and_touches_nothing(make_order, tmp_path: Path) -> None:
    make_order()
    path = text_file(tmp_path / "ok.txt", [pack("5CD0000001")])

    result = register_file(str(path), "--json", "--code", "AAAA-BBBB-CCCC-DDDD")

    assert result.returncode == 2
    assert json.loads(result.stdout) == {
        "error": {
            "code": "invalid_code",
            "message": "This activation code is not valid.",
        }
    }
    assert not Registration.objects.exists()


def test_a_repeated_line_cites_the_line_it_repeats(make_order, tmp_path: Path) -> None:
    issued = make_order()
    line = pack("5CD0000001")
    path = text_file(tmp_path / "twice.txt", [line, pack("5CD0000002"), line])

    result = register_file(str(path), "--json", "--code", issued.code)

    assert result.returncode == 0, result.stderr
    first, second, repeat = json.loads(result.stdout)["rows"]
    assert "same_as" not in first and "same_as" not in second
    assert repeat == {
        "line": 4,
        "outcome": "already_registered",
        "serial_number": "5CD0000001",
        "carepack": "U4417PE",
        "errors": [],
        "same_as": 2,
    }


def test_a_folder_is_refused_as_not_a_file(make_order, tmp_path: Path) -> None:
    issued = make_order()

    as_json = register_file(str(tmp_path), "--json", "--code", issued.code)
    as_text = register_file(str(tmp_path), "--code", issued.code)

    assert as_json.returncode == 2
    error = json.loads(as_json.stdout)["error"]
    assert error["code"] == "not_a_file"
    assert f"{tmp_path} is a folder, not a file" in error["message"]
    assert as_text.returncode == 2
    assert "is a folder, not a file" in as_text.stderr
    assert "No such file" not in as_text.stderr


def test_an_unreadable_file_is_refused_with_permission_denied(
    make_order, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Faked: the tests may run as root, who reads any file."""
    issued = make_order()
    path = text_file(tmp_path / "locked.txt", [pack("5CD0000001")])
    real_open = Path.open

    def refuse_locked(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse_locked)
    out = io.StringIO()

    with pytest.raises(SystemExit) as exited:
        call_command("register_file", str(path), "--json", code=issued.code, stdout=out)

    assert exited.value.code == 2
    error = json.loads(out.getvalue())["error"]
    assert error["code"] == "permission_denied"
    assert f"Permission denied: {path} cannot be read" in error["message"]
    assert not Registration.objects.exists()


def test_the_error_file_is_given_by_its_absolute_path(
    make_order, tmp_path: Path
) -> None:
    issued = make_order()
    path = text_file(tmp_path / "bad.txt", [pack("5CD0000001", surname="")])

    result = register_file(str(path), "--code", issued.code)

    assert result.returncode == 1, result.stderr
    last = result.stdout.splitlines()[-1]
    assert last.startswith("Lines in error: /")
    error_file = Path(last.removeprefix("Lines in error: "))
    assert error_file.is_file()
    assert "5CD0000001" in error_file.read_text(encoding="utf-16")


def test_an_error_file_in_a_remote_storage_is_named_with_the_batch_page(
    make_order, tmp_path: Path
) -> None:
    issued = make_order()
    path = text_file(tmp_path / "bad.txt", [pack("5CD0000001", surname="")])

    result = register_file(
        str(path),
        "--code",
        issued.code,
        storage="tests.volume.remote_storage.RemoteStorage",
    )

    assert "Lines in error" in result.stdout, result.stderr
    assert result.returncode == 1
    last = result.stdout.splitlines()[-1]
    assert last.startswith("Lines in error: volume/")
    assert f"/order/{issued.order.public_id}/batches/" in last


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["--json"], "Give the file to register."),
        (["a.txt", "--bogus", "--json"], "Unknown option: --bogus."),
        (["--json", "a.txt", "b.txt"], "Give one file at a time; also given: b.txt."),
        (["a.txt", "--js", "--code"], "argument --code: expected one argument"),
    ],
)
def test_a_usage_error_with_json_prints_one_json_error(
    args: list[str], problem: str
) -> None:
    result = register_file(*args)

    assert result.returncode == 2
    # json.loads takes one object and nothing after it.
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "usage"
    assert problem in error["message"]
    assert "Usage: carepack register-file FILE --code CODE" in error["message"]


@pytest.mark.parametrize("args", [[], ["a.txt", "--bogus"], ["a.txt", "b.txt"]])
def test_a_usage_error_without_json_is_told_on_stderr(args: list[str]) -> None:
    result = register_file(*args)

    assert result.returncode == 2
    assert result.stdout == ""
    assert "Usage: carepack register-file FILE --code CODE" in result.stderr
    assert "Traceback" not in result.stderr
