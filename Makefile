# The command index: what a newcomer runs.
.PHONY: run test test-fast lint format typecheck messages bench install clean

run:            ## install, migrate, load the demo, serve with a worker
	scripts/run.sh

test:           ## the whole suite: checks, SQLite and PostgreSQL
	scripts/test.sh

test-fast:      ## the suite without the slow tests (never in CI)
	scripts/test.sh -m "not slow"

install:
	scripts/bootstrap.sh

lint: install
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy carepack

format: install
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

messages: install  ## extract and compile the translation catalogues
	export CAREPACK_DATA_DIR=$$(mktemp -d); \
	for locale in carepack/*/locale; do \
		(cd $${locale%/locale} && ../../.venv/bin/carepack makemessages -l fr --no-obsolete --add-location file) || exit 1; \
		(cd $${locale%/locale} && ../../.venv/bin/carepack compilemessages) || exit 1; \
	done

bench: install
	.venv/bin/python bench/volume.py
	.venv/bin/python bench/hostile.py

clean:
	rm -rf var .venv node_modules
