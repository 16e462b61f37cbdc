"""Registering Care Packs: taking free units and writing registrations.

Every face goes through here. Units are taken with ``SELECT … FOR UPDATE
SKIP LOCKED`` inside the caller's transaction (on SQLite the IMMEDIATE
transaction serialises writers instead), and the partial unique
constraints on ``Registration`` refuse a unit or a SKU/serial pair taken
twice whatever happens in Python.
"""

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q

from carepack.audit.services import record
from carepack.core.valuesets import values_in
from carepack.notifications.models import OutgoingEmail
from carepack.notifications.services import queue_email, render_message
from carepack.orders.models import CarePack, Order
from carepack.orders.services import activation_url
from carepack.registrations.models import Registration
from carepack.registrations.rules import (
    Catalog,
    CheckedLine,
    Decision,
    Existing,
    Line,
    LineError,
    Verdict,
    check_line,
    date_text,
    decide,
    identity,
    no_unit_left,
)

logger = logging.getLogger(__name__)

# Registrations named in one audit record of completed purchase dates.
_AUDITED_IDS = 100


def order_skus(order: Order) -> dict[str, int]:
    """Each SKU on the order with its quantity."""
    return dict(order.lines.values_list("product__sku", "quantity"))


def free_units_by_sku(order: Order) -> dict[str, int]:
    rows = (
        CarePack.objects.filter(order=order, status=CarePack.Status.UNREGISTERED)
        .values("product__sku")
        .annotate(n=Count("id"))
    )
    return {row["product__sku"]: row["n"] for row in rows}


def existing_for(serials: Iterable[str]) -> defaultdict[str, list[Existing]]:
    """Active registrations of these serial numbers, in one query however
    many there are."""
    found: defaultdict[str, list[Existing]] = defaultdict(list)
    rows = (
        Registration.objects.filter(serial_number__in=values_in(set(serials), str))
        .exclude(status=Registration.Status.CANCELLED)
        .select_related("product")
        .order_by("id")
    )
    for reg in rows:
        found[reg.serial_number].append(as_existing(reg))
    return found


def as_existing(reg: Registration) -> Existing:
    return Existing(
        id=reg.pk,
        order_id=reg.order_id,
        sku=reg.product.sku,
        post_warranty=reg.product.post_warranty,
        identity=identity(
            reg.serial_number,
            reg.product_number,
            reg.product.sku,
            reg.first_name,
            reg.surname,
            reg.company,
            date_text(reg.purchase_date),
        ),
        coverage_end=reg.coverage_end,
    )


def take_units(order: Order, sku: str, count: int) -> list[int]:
    """Lock up to ``count`` free units of a SKU, oldest first. Must run in
    a transaction; units another transaction holds are skipped, not waited
    for, so parallel uploads each get their own."""
    if count <= 0:
        return []
    # OF self: the filter joins the product, and a plain FOR UPDATE would
    # lock its row too; every other transaction taking units of that pack,
    # on any order, would then skip every unit and say "no unit left".
    return list(
        CarePack.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(order=order, product__sku=sku, status=CarePack.Status.UNREGISTERED)
        .order_by("id")
        .values_list("id", flat=True)[:count]
    )


def build_registration(
    checked: CheckedLine,
    decision: Decision,
    *,
    unit_id: int,
    order: Order,
    channel: str,
    batch_id: int | None = None,
) -> Registration:
    assert checked.product is not None and checked.hardware is not None
    line = checked.line
    return Registration(
        carepack_id=unit_id,
        order=order,
        product=checked.product,
        hardware=checked.hardware,
        serial_number=checked.serial_number,
        product_number=checked.product_number,
        first_name=line.first_name,
        surname=line.surname,
        company=line.company,
        contact_email=line.contact_email,
        purchase_date=line.purchase_date,
        coverage_start=decision.coverage.start,
        coverage_end=decision.coverage.end,
        channel=channel,
        batch_id=batch_id,
    )


DateCompletion = tuple[
    int, datetime.date | None, datetime.date | None, datetime.date | None
]


def date_completion(checked: CheckedLine, decision: Decision) -> DateCompletion:
    """What ``complete_purchase_dates`` writes for a decision that
    ``completes_date``: the registration, its purchase date and coverage."""
    assert decision.existing_id is not None
    coverage = decision.coverage
    return (
        decision.existing_id,
        checked.line.purchase_date,
        coverage.start,
        coverage.end,
    )


def complete_purchase_dates(
    completions: Sequence[DateCompletion], *, order: Order, actor: str
) -> None:
    """Give registrations made without a purchase date the date a later
    line brought, and the coverage it sets. A registration that has a date
    by now (another line was faster) keeps it."""
    if not completions:
        return
    table = Registration._meta.db_table
    statement = (
        f"UPDATE {table} SET purchase_date = %s, coverage_start = %s, "  # noqa: S608
        "coverage_end = %s WHERE id = %s AND purchase_date IS NULL AND status = %s"
    )
    active = Registration.Status.ACTIVE.value
    with connection.cursor() as cursor:
        cursor.executemany(
            statement,
            [
                (date, start, end, reg_id, active)
                for reg_id, date, start, end in completions
            ],
        )
    record(
        actor,
        "registration.purchase_date_recorded",
        order=order,
        registrations=[reg_id for reg_id, *_ in completions[:_AUDITED_IDS]],
        count=len(completions),
    )


def mark_registered(unit_ids: Sequence[int]) -> None:
    CarePack.objects.filter(id__in=values_in(unit_ids, int)).update(
        status=CarePack.Status.REGISTERED
    )


@dataclass
class Outcome:
    line: Line
    verdict: Verdict
    errors: list[LineError] = field(default_factory=list)
    registration: Registration | None = None


class RegistrationFailed(Exception):
    """Some lines cannot be registered; nothing was registered."""

    def __init__(self, outcomes: list[Outcome]) -> None:
        super().__init__("registration refused")
        self.outcomes = outcomes


def register_online(
    order: Order, lines: Sequence[Line], *, actor: str, retries: int = 3
) -> list[Outcome]:
    """Register lines typed in the portal, all or nothing.

    Raises ``RegistrationFailed`` with an outcome per line when any line is
    in error or finds no unit left; an exact repeat of a registration is
    reported as already registered and consumes nothing.
    """
    catalog = Catalog.load()
    skus = order_skus(order)
    checked = [
        check_line(ln, catalog, skus, require_purchase_date=True) for ln in lines
    ]
    try:
        with transaction.atomic():
            outcomes = _register_checked(order, checked, actor=actor)
            if any(o.verdict == Verdict.ERROR for o in outcomes):
                raise RegistrationFailed(outcomes)
    except IntegrityError:
        # Another request registered the same SKU on the same serial number
        # between our check and our insert: check again, it now says why.
        if retries <= 0:
            raise
        return register_online(order, lines, actor=actor, retries=retries - 1)
    return outcomes


def _register_checked(
    order: Order, checked: Sequence[CheckedLine], *, actor: str
) -> list[Outcome]:
    existing = existing_for(c.serial_number for c in checked)
    outcomes: list[Outcome] = []
    for item in checked:
        decision = decide(item, order.pk, existing.get(item.serial_number, []))
        outcome = _apply(order, item, decision, actor=actor)
        if outcome.verdict == Verdict.REGISTER and outcome.registration is not None:
            # A later line of the same form is then a repeat of this one.
            existing[item.serial_number].append(as_existing(outcome.registration))
        outcomes.append(outcome)
    return outcomes


def _apply(
    order: Order, item: CheckedLine, decision: Decision, *, actor: str
) -> Outcome:
    if decision.verdict == Verdict.ERROR:
        return Outcome(item.line, Verdict.ERROR, decision.errors)
    if decision.verdict == Verdict.ALREADY_REGISTERED:
        assert decision.existing_id is not None
        if decision.completes_date:
            completion = date_completion(item, decision)
            complete_purchase_dates([completion], order=order, actor=actor)
        reg = Registration.objects.get(pk=decision.existing_id)
        return Outcome(item.line, Verdict.ALREADY_REGISTERED, registration=reg)

    units = take_units(order, item.sku, 1)
    if not units:
        return Outcome(item.line, Verdict.ERROR, [no_unit_left(item.sku)])
    reg = build_registration(
        item, decision, unit_id=units[0], order=order, channel="online"
    )
    reg.save()
    mark_registered(units)
    record(
        actor,
        "registration.created",
        order=order,
        registration=reg.pk,
        serial=reg.serial_number,
        sku=item.sku,
        channel="online",
    )
    return Outcome(item.line, Verdict.REGISTER, registration=reg)


def registered_counts(order: Order) -> dict[str, int]:
    rows = (
        CarePack.objects.filter(order=order)
        .values("product__sku")
        .annotate(done=Count("id", filter=Q(status=CarePack.Status.REGISTERED)))
    )
    return {row["product__sku"]: row["done"] for row in rows}


def queue_confirmation_email(
    order: Order, registrations: Sequence[Registration]
) -> OutgoingEmail:
    """Mail the order's recipient what was just registered, with coverage
    dates, in the order's language. Call it inside the transaction that
    made the registrations, so that a rollback takes the e-mail too."""
    context = {
        "order": order,
        "registrations": list(registrations),
        "url": activation_url(),
    }
    message = render_message(
        OutgoingEmail.Kind.CONFIRMATION,
        order.email,
        "registrations/email/confirmation",
        context,
        order.language,
    )
    return queue_email(message, order=order)


# The fields ``registration_row`` fills, in its order.
REGISTRATION_ROW_FIELDS = (
    "carepack",
    "order",
    "product",
    "hardware",
    "serial_number",
    "product_number",
    "first_name",
    "surname",
    "company",
    "contact_email",
    "purchase_date",
    "coverage_start",
    "coverage_end",
    "channel",
    "batch",
    "status",
    "created_at",
)


def registration_row(
    checked: CheckedLine,
    decision: Decision,
    *,
    unit_id: int,
    order_id: int,
    channel: str,
    batch_id: int | None,
    created_at: object,
) -> tuple[object, ...]:
    """What ``build_registration`` makes, as a tuple of column values, for
    the volume path that inserts thousands at once. ``created_at`` is the
    insert time as the database takes it."""
    assert checked.product is not None and checked.hardware is not None
    line = checked.line
    return (
        unit_id,
        order_id,
        checked.product.id,
        checked.hardware.id,
        checked.serial_number,
        checked.product_number,
        line.first_name,
        line.surname,
        line.company,
        line.contact_email,
        line.purchase_date,
        decision.coverage.start,
        decision.coverage.end,
        channel,
        batch_id,
        Registration.Status.ACTIVE.value,
        created_at,
    )


def pending_existing(
    checked: CheckedLine, decision: Decision, order_id: int
) -> Existing:
    """A registration about to be inserted, as later lines of the same
    chunk must see it (its id is not known yet)."""
    assert checked.product is not None
    return Existing(
        id=0,
        order_id=order_id,
        sku=checked.sku,
        post_warranty=checked.product.post_warranty,
        identity=checked.identity(),
        coverage_end=decision.coverage.end,
    )
