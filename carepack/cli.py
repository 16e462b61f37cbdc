"""The ``carepack`` console command: Django's management commands with our
settings, and dashes accepted in command names (``import-catalog``)."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carepack.settings")
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    args[0] = "carepack"

    from django.conf import settings
    from django.core.management import execute_from_command_line

    # stderr, so that ``--json`` output on stdout stays machine-readable.
    sys.stderr.write(f"carepack: data folder {settings.DATA_DIR}\n")
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
