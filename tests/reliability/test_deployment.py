"""Production settings pass Django's deployment checks and every page
carries the security headers."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client


def check_deploy(data_dir: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    """``carepack check --deploy`` in a process configured by ``settings``."""
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    # The browser tests' conftest sets it for live_server; no deployment does.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env |= {"CAREPACK_DATA_DIR": str(data_dir), **settings}
    command = ["check", "--deploy", "--fail-level", "WARNING"]
    return subprocess.run(
        [sys.executable, "-m", "carepack.cli", *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_deploy_reports_nothing_with_production_settings(tmp_path) -> None:
    result = check_deploy(
        tmp_path,
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        CAREPACK_BASE_URL="https://carepack.example.com",
        ALLOWED_HOSTS="carepack.example.com",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_complains_about_plain_http(tmp_path) -> None:
    result = check_deploy(tmp_path, CAREPACK_BASE_URL="http://carepack.example.com")

    assert result.returncode != 0
    assert "SECURE_HSTS_SECONDS" in result.stderr + result.stdout


@pytest.mark.django_db
def test_pages_carry_the_security_headers(client: Client) -> None:
    response = client.get("/")

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy


@pytest.mark.django_db
def test_https_sends_hsts(client: Client, settings) -> None:
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True

    response = client.get("/", secure=True)

    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
