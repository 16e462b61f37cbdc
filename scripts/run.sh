#!/usr/bin/env bash
# The one command to try carepack on a laptop: install, migrate, load the
# demo catalogue and order, then serve the site with a background worker.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
export CAREPACK_DATA_DIR="${CAREPACK_DATA_DIR:-$PWD/var}"
.venv/bin/carepack migrate --verbosity 0
host="${CAREPACK_HOST:-127.0.0.1}"
port="${CAREPACK_PORT:-8000}"
# E-mail links must point at this server unless told otherwise.
export CAREPACK_BASE_URL="${CAREPACK_BASE_URL:-http://$host:$port}"
demo=$(.venv/bin/carepack load-demo)
cat <<TEXT

  carepack is starting at http://$host:$port/
  $demo
  E-mails are written to $CAREPACK_DATA_DIR/mail/
  Back-office: create a user with '.venv/bin/carepack createsuperuser', then
  open http://$host:$port/admin/
  Stop with Ctrl+C.

TEXT
exec .venv/bin/carepack serve --host "$host" --port "$port"
