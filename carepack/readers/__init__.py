"""Reading registration uploads into rows, and writing error files back.

Pure Python on purpose: the web app, the worker and the CLI all call it, and
its tests run without Django.
"""

from .errors import FileRefused
from .headers import HEADER_NAMES
from .model import FIELDS, MANDATORY_FIELDS, Limits, RegistrationFile, Row
from .registration import open_registration_file

__all__ = [
    "FIELDS",
    "HEADER_NAMES",
    "MANDATORY_FIELDS",
    "FileRefused",
    "Limits",
    "RegistrationFile",
    "Row",
    "open_registration_file",
]
