"""Inserting thousands of rows at once, as each database does it fastest.

``QuerySet.bulk_create`` prepares every field of every object in Python: on
our two-core benchmark machine it cost 55 µs per registration and 46 µs per
batch row, more than the whole budget of a line. Measured per batch row on
the same machine, ``executemany`` costs 6 µs on SQLite, and a multi-row
``INSERT … VALUES`` 3.8 µs; on PostgreSQL both cost 30 to 60 µs (the
driver quotes every value and the server parses every row), while ``COPY``
costs 8.7 µs. So: multi-row inserts on SQLite, ``COPY`` on PostgreSQL.

Callers hand over values the database takes as they are: numbers, text,
dates, ``None``, JSON already encoded (``json_text``) and date-times passed
through ``db_datetime``.
"""

import datetime
import json
from collections.abc import Sequence
from itertools import batched
from typing import Any, cast

from django.db import connection, models

# Rows per INSERT statement on SQLite; far below its parameter limit.
_ROWS_PER_INSERT = 500


def insert_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[object]],
) -> None:
    """Insert tuples whose values follow ``fields``; run it in a transaction."""
    if not rows:
        return
    meta = model._meta
    quote = connection.ops.quote_name
    columns = ", ".join(
        quote(str(cast(models.Field[Any, Any], meta.get_field(name)).column))
        for name in fields
    )
    table = quote(meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The driver's own cursor: its errors are turned into Django's
            # (a unique violation into IntegrityError) by hand. Only names
            # from the model's metadata go into the statement.
            statement = f"COPY {table} ({columns}) FROM STDIN"
            with connection.wrap_database_errors, cursor.cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        _insert_in_blocks(cursor, table, columns, len(fields), rows)


def _insert_in_blocks(
    cursor: Any, table: str, columns: str, width: int, rows: Sequence[Sequence[object]]
) -> None:
    """Multi-row inserts of equal size through one ``executemany``, so the
    statement is prepared once, then one insert for the rest."""
    per_insert = min(
        _ROWS_PER_INSERT, (connection.features.max_query_params or 999) // width
    )
    one = "(" + ", ".join(["%s"] * width) + ")"
    blocks: list[list[Any]] = []
    rest: list[Any] = []
    for part in batched(rows, per_insert):
        values = [value for row in part for value in row]
        if len(part) == per_insert:
            blocks.append(values)
        else:
            rest = values
    if blocks:
        marks = ", ".join([one] * per_insert)
        sql = f"INSERT INTO {table} ({columns}) VALUES {marks}"  # noqa: S608
        cursor.executemany(sql, blocks)
    if rest:
        marks = ", ".join([one] * (len(rest) // width))
        sql = f"INSERT INTO {table} ({columns}) VALUES {marks}"  # noqa: S608
        cursor.execute(sql, rest)


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def json_text(value: object) -> str:
    return _JSON.encode(value)


def db_datetime(value: datetime.datetime) -> object:
    return connection.ops.adapt_datetimefield_value(value)


def plain(value: object) -> object:
    """A spreadsheet cell as JSON can hold it (dates as ISO text)."""
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return str(value)
    return value
