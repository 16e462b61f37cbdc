#!/usr/bin/env bash
# Create .venv with Python 3.12 and install carepack with pinned versions.
# Safe to run again: does nothing when the installed set is up to date.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
    for candidate in python3.12 python3 python; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    echo "carepack needs Python 3.12 (see .python-version); none found on PATH." >&2
    return 1
}

if [ ! -x .venv/bin/python ]; then
    python=$(find_python)
    echo "Creating .venv with $python" >&2
    "$python" -m venv .venv
fi

stamp=.venv/.carepack-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ constraints.txt -nt "$stamp" ]; then
    echo "Installing carepack and its pinned dependencies" >&2
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
    .venv/bin/python -m pip install --quiet --disable-pip-version-check \
        -c constraints.txt -e ".[dev]"
    touch "$stamp"
fi

if [ -f package-lock.json ] && command -v npm >/dev/null 2>&1; then
    if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
        echo "Installing axe-core for the browser tests (npm ci)" >&2
        npm ci --silent --no-audit --no-fund
        touch node_modules
    fi
fi
