"""Registering one chunk of a batch with a handful of set-based queries.

A chunk is read and checked first, outside any transaction. Then, in one
transaction: one query for the registrations already made on its serial
numbers, one ``take_units`` per SKU, one insert of the registrations, one
update of the units, one query for the new registration ids, one insert of
the batch rows and one update of the batch's progress. A chunk is thus
either wholly committed, progress included, or not at all.
"""

from collections import defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from carepack.orders.models import Order
from carepack.registrations.models import Registration
from carepack.registrations.rules import (
    CheckedLine,
    Decision,
    Field,
    LineError,
    Verdict,
    decide,
    no_unit_left,
)
from carepack.registrations.services import (
    REGISTRATION_ROW_FIELDS,
    DateCompletion,
    complete_purchase_dates,
    date_completion,
    existing_for,
    mark_registered,
    pending_existing,
    registration_row,
    take_units,
)
from carepack.volume.analysis import Plan
from carepack.volume.bulk import insert_rows, json_text
from carepack.volume.checking import CheckedRow
from carepack.volume.models import BatchRow

Outcome = BatchRow.Outcome
ROW_FIELDS = (
    "batch",
    "line",
    "outcome",
    "serial_number",
    "sku",
    "errors",
    "same_as",
    "registration",
    "raw",
)
_CITED_LINES = 5


@dataclass(slots=True)
class RowResult:
    """The one outcome of one row, as stored in its BatchRow."""

    line: int
    outcome: str
    # The cells as read, JSON-encoded (see ``CheckedRow``).
    raw: str
    serial_number: str = ""
    sku: str = ""
    errors: list[LineError] = field(default_factory=list)
    same_as: int | None = None
    registration_id: int | None = None

    def as_row(self, batch_id: int) -> tuple[object, ...]:
        """The values of its BatchRow, in ``ROW_FIELDS`` order."""
        errors = json_text([e.__dict__ for e in self.errors]) if self.errors else "[]"
        return (
            batch_id,
            self.line,
            self.outcome,
            self.serial_number[:40],
            self.sku[:40],
            errors,
            self.same_as,
            self.registration_id,
            self.raw,
        )


@dataclass
class BatchContext:
    """What every chunk of one batch needs, loaded once."""

    order: Order
    batch_id: int
    plan: Plan
    # When the registrations were made, as the database takes it.
    created_at: object
    # Outcomes of lines that later lines repeat, by line.
    known: dict[int, RowResult] = field(default_factory=dict)


@dataclass
class Checked:
    """A row that passed every check: the database decides the rest."""

    index: int
    checked: CheckedLine


@dataclass
class Prepared:
    """A chunk once checked against the rules and the whole file."""

    rows: list[CheckedRow]
    results: list[RowResult | None]
    valid: list[Checked]


def prepare(context: BatchContext, rows: list[CheckedRow]) -> Prepared:
    """Settle what the checks and the whole file decide; the rest is left
    to ``register``: the valid rows, and the repeats of rows of the chunk."""
    plan = context.plan
    results: list[RowResult | None] = []
    valid: list[Checked] = []
    for index, row in enumerate(rows):
        checked = row.checked
        if row.empty:
            results.append(RowResult(row.line, Outcome.SKIPPED, row.raw))
            continue
        if row.line in plan.repeat_of or checked is None:
            results.append(None)  # resolved once the line it repeats is
            continue
        conflicting = plan.conflicts.get(row.line)
        if conflicting:
            checked.errors.append(conflict_error(checked, conflicting))
        if checked.ok:
            results.append(None)
            valid.append(Checked(index, checked))
        else:
            results.append(
                RowResult(
                    row.line,
                    Outcome.ERROR,
                    row.raw,
                    checked.serial_number,
                    checked.sku,
                    checked.errors,
                )
            )
    return Prepared(rows, results, valid)


def register(context: BatchContext, prepared: Prepared) -> list[RowResult]:
    """Decide the valid rows and write everything; call in a transaction."""
    results = list(prepared.results)
    order = context.order
    valid = prepared.valid
    existing = existing_for([item.checked.serial_number for item in valid])
    decisions = [
        decide(item.checked, order.pk, existing.get(item.checked.serial_number, []))
        for item in valid
    ]
    units = _take_units(order, valid, decisions)
    # Serial numbers on more than one valid line of the chunk: a pack
    # registered on one must be seen when deciding the next.
    shared = _shared_serials(valid)

    new_rows: list[tuple[object, ...]] = []
    completions: list[DateCompletion] = []
    by_unit: dict[int, RowResult] = {}
    for item, decision in zip(valid, decisions, strict=True):
        checked = item.checked
        serial = checked.serial_number
        if serial in shared and decision.verdict == Verdict.REGISTER:
            # A post-warranty pack starts after the end of another one
            # registered on the same unit a few lines above.
            decision = decide(checked, order.pk, existing[serial])
        result = RowResult(
            prepared.rows[item.index].line,
            Outcome.ERROR,
            prepared.rows[item.index].raw,
            serial,
            checked.sku,
        )
        results[item.index] = result
        if decision.verdict == Verdict.ERROR:
            result.errors = decision.errors
            continue
        if decision.verdict == Verdict.ALREADY_REGISTERED:
            result.outcome = Outcome.ALREADY_REGISTERED
            result.registration_id = decision.existing_id
            if decision.completes_date:
                completions.append(date_completion(checked, decision))
            continue
        free = units[checked.sku]
        if not free:
            result.errors = [no_unit_left(checked.sku)]
            continue

        if serial in shared:
            existing[serial].append(pending_existing(checked, decision, order.pk))
        unit_id = free.popleft()
        result.outcome = Outcome.REGISTERED
        by_unit[unit_id] = result
        new_rows.append(_registration_row(context, checked, decision, unit_id))

    complete_purchase_dates(completions, order=order, actor=f"batch:{context.batch_id}")
    if new_rows:
        insert_rows(Registration, REGISTRATION_ROW_FIELDS, new_rows)
        mark_registered(list(by_unit))
        _link_registrations(by_unit)

    resolved = _resolve_repeats(context, prepared.rows, results)
    batch_id = context.batch_id
    insert_rows(BatchRow, ROW_FIELDS, [r.as_row(batch_id) for r in resolved])
    return resolved


def _shared_serials(valid: list[Checked]) -> set[str]:
    seen: set[str] = set()
    shared: set[str] = set()
    for item in valid:
        serial = item.checked.serial_number
        if serial in seen:
            shared.add(serial)
        seen.add(serial)
    return shared


def _take_units(
    order: Order, valid: list[Checked], decisions: list[Decision]
) -> defaultdict[str, deque[int]]:
    """Lock as many free units per SKU as the chunk's new registrations
    need; the oldest first, so that units are given out in file order."""
    wanted: defaultdict[str, int] = defaultdict(int)
    for item, decision in zip(valid, decisions, strict=True):
        if decision.verdict == Verdict.REGISTER:
            wanted[item.checked.sku] += 1
    units: defaultdict[str, deque[int]] = defaultdict(deque)
    for sku, count in wanted.items():
        units[sku].extend(take_units(order, sku, count))
    return units


def _registration_row(
    context: BatchContext, checked: CheckedLine, decision: Decision, unit_id: int
) -> tuple[object, ...]:
    return registration_row(
        checked,
        decision,
        unit_id=unit_id,
        order_id=context.order.pk,
        channel=Registration.Channel.VOLUME,
        batch_id=context.batch_id,
        created_at=context.created_at,
    )


def _link_registrations(by_unit: dict[int, RowResult]) -> None:
    """Fetch the new registrations' ids. Units are taken oldest first, so
    a range of unit ids finds them without sending thousands of them."""
    ids = (
        Registration.objects.filter(
            carepack_id__gte=min(by_unit), carepack_id__lte=max(by_unit)
        )
        .filter(~Q(status=Registration.Status.CANCELLED))
        .values_list("carepack_id", "id")
    )
    for unit_id, registration_id in ids:
        result = by_unit.get(unit_id)
        if result is not None:
            result.registration_id = registration_id


def _resolve_repeats(
    context: BatchContext, rows: list[CheckedRow], results: list[RowResult | None]
) -> list[RowResult]:
    """Give each repeat the outcome of the line it repeats, in file order,
    so that a line repeating one of this very chunk finds it resolved."""
    repeat_of, targets = context.plan.repeat_of, context.plan.targets
    resolved: list[RowResult] = []
    for row, result in zip(rows, results, strict=True):
        if result is None:
            result = repeat(context.known[repeat_of[row.line]], row)
        resolved.append(result)
        if row.line in targets:
            context.known[row.line] = result
    return resolved


def repeat(target: RowResult, row: CheckedRow) -> RowResult:
    """The outcome of a line that repeats ``target`` exactly."""
    result = RowResult(
        row.line,
        Outcome.ALREADY_REGISTERED,
        row.raw,
        target.serial_number,
        target.sku,
        same_as=target.line,
        registration_id=target.registration_id,
    )
    if target.outcome == Outcome.ERROR:
        result.outcome = Outcome.ERROR
        result.errors = [repeat_error(target.line), *target.errors]
    return result


def repeat_error(line: int) -> LineError:
    return LineError(
        Field.LINE,
        "same_as_line",
        _("Same values as line %(line)s, which is in error.") % {"line": line},
    )


def conflict_error(checked: CheckedLine, others: Sequence[int]) -> LineError:
    shown = ", ".join(str(line) for line in others[:_CITED_LINES])
    if len(others) > _CITED_LINES:
        shown = _("%(lines)s and %(count)s more") % {
            "lines": shown,
            "count": len(others) - _CITED_LINES,
        }
    message = ngettext(
        "Line %(lines)s gives other details for Care Pack %(sku)s on serial "
        "number %(serial)s. Keep one line per serial number and Care Pack.",
        "Lines %(lines)s give other details for Care Pack %(sku)s on serial "
        "number %(serial)s. Keep one line per serial number and Care Pack.",
        len(others),
    ) % {"lines": shown, "sku": checked.sku, "serial": checked.serial_number}
    return LineError(Field.SERIAL, "conflicting_lines", message)


def load_known(batch_id: int, lines: set[int]) -> dict[int, RowResult]:
    """Outcomes of repeated lines committed by an earlier run of the batch."""
    wanted = sorted(lines)
    known: dict[int, RowResult] = {}
    for start in range(0, len(wanted), 5000):
        rows = BatchRow.objects.filter(
            batch_id=batch_id, line__in=wanted[start : start + 5000]
        ).values_list(
            "line", "outcome", "serial_number", "sku", "errors", "registration_id"
        )
        for line, outcome, serial, sku, errors, registration_id in rows:
            known[line] = RowResult(
                line,
                outcome,
                "[]",
                serial,
                sku,
                [LineError(**e) for e in errors],
                registration_id=registration_id,
            )
    return known
