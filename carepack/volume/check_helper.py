"""``python -m carepack.volume.check_helper``: the process that checks a
large batch's rows beside the worker (see ``carepack.volume.checking``).
Django is set up before anything that imports models."""

import os

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carepack.settings")
    django.setup()
    from carepack.volume.checking import serve

    serve()


if __name__ == "__main__":
    main()
