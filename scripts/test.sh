#!/usr/bin/env bash
# The whole test suite: checks, then pytest on SQLite and on PostgreSQL.
#
# Without a PostgreSQL server or Chromium the suite still runs what it can
# and says loudly what it skipped. With CAREPACK_REQUIRE_ALL=1 (set by
# .ci/run) anything skipped for a missing service is a failure instead.
# Extra arguments go to pytest (e.g. scripts/test.sh -m "not slow").
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh

export CAREPACK_DATA_DIR
CAREPACK_DATA_DIR=$(mktemp -d -t carepack-test-XXXXXX)
trap 'rm -rf "$CAREPACK_DATA_DIR"' EXIT
export DJANGO_SETTINGS_MODULE=carepack.settings
unset DATABASE_URL REDIS_URL
bin=.venv/bin
require_all="${CAREPACK_REQUIRE_ALL:-0}"
pg_url="${CAREPACK_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/carepack_$$}"
missing=()

echo "== checks: ruff, mypy, migrations, translations"
$bin/ruff format --check --quiet .
$bin/ruff check --quiet .
$bin/mypy --no-error-summary carepack
$bin/carepack makemigrations --check --dry-run --verbosity 0
if command -v msgfmt >/dev/null 2>&1; then
    for po in carepack/*/locale/*/LC_MESSAGES/*.po; do
        msgfmt --check-format -o /dev/null "$po"
    done
else
    missing+=("msgfmt (gettext): .po syntax not checked")
fi

if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
    missing+=("Chromium: browser tests skipped")
fi

status=0
echo "== pytest on SQLite"
$bin/pytest -p no:cacheprovider "$@" || status=$?

if $bin/python -c "import psycopg,sys; psycopg.connect('${pg_url%/*}/postgres', connect_timeout=3).close()" 2>/dev/null; then
    echo "== pytest on PostgreSQL"
    DATABASE_URL="$pg_url" $bin/pytest -p no:cacheprovider "$@" || {
        rc=$?
        [ "$status" -ne 0 ] || status=$rc
    }
else
    missing+=("PostgreSQL at ${pg_url%/*}: the PostgreSQL run and its concurrency tests were skipped")
fi

if [ "${#missing[@]}" -gt 0 ]; then
    echo
    echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
    echo "!! NOT EVERYTHING WAS TESTED:"
    for item in "${missing[@]}"; do echo "!!   - $item"; done
    echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
    if [ "$require_all" = "1" ]; then
        echo "CAREPACK_REQUIRE_ALL=1: a skipped part is a failure." >&2
        exit 1
    fi
fi
exit "$status"
