"""A list of values sent to the database as one parameter.

``filter(serial_number__in=[…])`` sends one parameter per value, and Django
prepares each of them in Python: for a chunk of 5,000 serial numbers that
cost more than the query itself, and above about 2,000 values SQLite's
planner stops using the index. ``values_in`` sends the whole list as one
array (PostgreSQL) or one JSON text (SQLite) and lets the database unpack
it, so ``filter(field__in=values_in(…))`` costs the same for ten values or
ten thousand and still looks each one up in the index.
"""

import json
from collections.abc import Collection

from django.db import connection
from django.db.models.expressions import RawSQL

# The PostgreSQL array types the values may be sent as.
_ARRAY_TYPES = {str: "text[]", int: "bigint[]"}


def values_in(values: Collection[str] | Collection[int], kind: type) -> RawSQL:
    """A subquery yielding ``values``; ``kind`` is ``str`` or ``int``."""
    # The values travel only as a parameter; the statement is fixed text.
    if connection.vendor == "postgresql":
        sql = f"SELECT unnest(%s::{_ARRAY_TYPES[kind]})"
        return RawSQL(sql, [list(values)])  # noqa: S611
    return RawSQL("SELECT value FROM json_each(%s)", [json.dumps(list(values))])
