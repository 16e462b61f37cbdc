"""What only the whole file can tell: exact repeats and conflicts.

Before any unit is given out, every row is read once to find lines that
repeat an earlier line exactly (the same values once trimmed, case folded
and stripped of ``#`` options, as ``CheckedLine.identity`` compares them;
the same purchase date however it is written)
and lines that give different details for the same serial number and Care
Pack, however far apart. Only those few lines are remembered: a million
unremarkable rows cost one dictionary entry each, and only while reading.
"""

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from carepack.catalog.normalize import (
    normalize_product_number,
    normalize_serial,
    normalize_sku,
)
from carepack.readers import Row
from carepack.registrations.rules import identity
from carepack.volume.lines import LineMaker, cell_text, code_text, serial_text

# Rows between two calls of the heartbeat while reading.
_HEARTBEAT_ROWS = 4096
_LINE_BITS = 32
_LINE_MASK = (1 << _LINE_BITS) - 1
_IDENTITY_MASK = (1 << 48) - 1


@dataclass
class Plan:
    """The lines the file itself decides: every other line is decided by
    the rules and the database, chunk by chunk."""

    # A line -> the earlier line it repeats exactly.
    repeat_of: dict[int, int] = field(default_factory=dict)
    # A line -> the lines giving other details for its serial and Care Pack.
    conflicts: dict[int, tuple[int, ...]] = field(default_factory=dict)
    # Lines whose outcome a later line takes over.
    targets: set[int] = field(default_factory=set)


def analyse(
    rows: Iterable[Row],
    maker: LineMaker,
    heartbeat: Callable[[], None] = lambda: None,
) -> Plan:
    """Read every row once and find the repeats and conflicts."""
    # Key: serial and SKU (or, without both, the identity alone); value: the
    # first line with that key, packed with a hash of its identity.
    first: dict[str, int] = {}
    # Only keys seen more than once: identity hash -> first line.
    groups: dict[str, dict[int, int]] = {}
    plan = Plan()
    beat = time.monotonic()

    for count, row in enumerate(rows):
        if count % _HEARTBEAT_ROWS == 0 and time.monotonic() - beat > 1:
            heartbeat()
            beat = time.monotonic()
        if row.empty:
            continue
        key, identity = _keys(row, maker)
        packed = first.get(key)
        if packed is None:
            first[key] = (identity << _LINE_BITS) | row.line
            continue
        group = groups.get(key)
        if group is None:
            group = groups[key] = {packed >> _LINE_BITS: packed & _LINE_MASK}
        earlier = group.get(identity)
        if earlier is None:
            group[identity] = row.line
        else:
            plan.repeat_of[row.line] = earlier

    del first
    for key, group in groups.items():
        if len(group) > 1 and not key.startswith("\x1e"):
            lines = sorted(group.values())
            for line in lines:
                plan.conflicts[line] = tuple(other for other in lines if other != line)
    plan.targets = set(plan.repeat_of.values())
    return plan


def _keys(row: Row, maker: LineMaker) -> tuple[str, int]:
    """The row's serial-and-SKU key and a hash of its identity, read
    straight from the cells: a million rows cannot afford a Line each."""
    values = row.values
    serial = normalize_serial(serial_text(values["serial_number"]))
    sku = normalize_sku(code_text(values["carepack_sku"]))
    same = identity(
        serial,
        normalize_product_number(code_text(values["product_number"])),
        sku,
        cell_text(values["first_name"]),
        cell_text(values["surname"]),
        cell_text(values["company"]),
        maker.date_key(values["purchase_date"]),
    )
    hashed = hash(same) & _IDENTITY_MASK
    if serial and sku:
        return f"{serial}\x1f{sku}", hashed
    # Without a serial number or a SKU there is nothing to conflict with,
    # but an identical line is still a repeat.
    return f"\x1e{hashed}", hashed
