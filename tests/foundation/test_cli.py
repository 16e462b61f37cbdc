"""The vendor's path end to end, with real processes: catalogue, order,
worker, e-mail file. The code must be nowhere at rest but in the e-mail."""

import email
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CASES, worker_env


def carepack(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "carepack.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.django_db(transaction=True)
def test_it_mails_the_printed_code_in_the_order_language(tmp_path: Path) -> None:
    env = worker_env() | {"CAREPACK_DATA_DIR": str(tmp_path)}
    env["CAREPACK_LOG_LEVEL"] = "DEBUG"
    mail_dir = tmp_path / "mail"
    catalog = carepack(
        "import-catalog",
        str(CASES / "catalog" / "care-packs.csv"),
        str(CASES / "catalog" / "hardware.csv"),
        env=env,
    )
    assert catalog.returncode == 0, catalog.stderr

    created = carepack(
        "create-order",
        "--partner-po",
        "PPO-9",
        "--customer-po",
        "CPO-9",
        "--email",
        "client@example.fr",
        "--language",
        "fr",
        "--line",
        "U4417PE=2",
        "--line",
        "U6578E=1",
        "--json",
        env=env,
    )
    assert created.returncode == 0, created.stderr
    printed = json.loads(created.stdout)
    code = printed["activation_code"]
    assert set(printed) == {"order", "activation_code"}
    assert not mail_dir.exists() or not list(mail_dir.iterdir())

    worker = carepack("worker", "--batch", "--no-startup-delay", "--no-reload", env=env)
    assert worker.returncode == 0, worker.stderr

    [eml] = list(mail_dir.glob("*.eml"))
    assert eml.stat().st_mode & 0o777 == 0o600
    message = email.message_from_bytes(eml.read_bytes())
    text = message.get_payload()[0].get_payload(decode=True).decode()
    assert "PPO-9" in str(message["Subject"])
    assert "Votre code d’activation" in text
    assert code in text

    for output in (catalog, created, worker):
        assert code not in output.stderr
    assert_nowhere_at_rest(code, env)


def assert_nowhere_at_rest(code: str, env: dict[str, str]) -> None:
    """Dump every table as text and look for the code in any spelling."""
    from django.apps import apps
    from django.core import serializers

    dump = serializers.serialize(
        "json",
        (obj for model in apps.get_models() for obj in model.objects.all()),
    )
    compact = code.replace("-", "")
    assert code not in dump and compact not in dump
    assert code.lower() not in dump.lower()


@pytest.mark.django_db(transaction=True)
def test_create_order_refuses_bad_input_with_status_2(tmp_path: Path) -> None:
    env = worker_env() | {"CAREPACK_DATA_DIR": str(tmp_path)}

    result = carepack(
        "create-order",
        "--partner-po",
        "P",
        "--customer-po",
        "C",
        "--email",
        "x@example.com",
        "--line",
        "U4417PE",
        "--json",
        env=env,
    )

    assert result.returncode == 2
    assert result.stdout == ""
    assert "SKU=QUANTITY" in result.stderr


@pytest.mark.django_db(transaction=True)
def test_create_order_prints_a_json_error_for_a_refused_order(tmp_path: Path) -> None:
    env = worker_env() | {"CAREPACK_DATA_DIR": str(tmp_path)}

    result = carepack(
        "create-order",
        "--partner-po",
        "P",
        "--customer-po",
        "C",
        "--email",
        "x@example.com",
        "--line",
        "NOSUCH=1",
        "--json",
        env=env,
    )

    assert result.returncode == 2
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "order_refused"
    assert "Unknown Care Pack SKU: NOSUCH" in error["message"]
    assert os.environ.get("DJANGO_SETTINGS_MODULE")
