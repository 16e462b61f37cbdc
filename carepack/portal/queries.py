"""What the order page shows, in a fixed number of queries whatever the
number of units: an order may hold 100,000 of them."""

from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q

from carepack.catalog.normalize import normalize_serial
from carepack.notifications.models import OutgoingEmail
from carepack.orders.models import CarePack, Order, OrderLine
from carepack.portal.models import OnlineSubmission
from carepack.registrations.models import Registration
from carepack.volume.models import UploadBatch

UNITS_PER_PAGE = 50
NOTICES_SHOWN = 20


def order_lines(order: Order) -> list[OrderLine]:
    """Each line with ``registered`` and ``left`` counts, in one query."""
    return list(
        OrderLine.objects.filter(order=order)
        .select_related("product")
        .annotate(
            registered=Count(
                "units", filter=Q(units__status=CarePack.Status.REGISTERED)
            ),
            left=Count("units", filter=Q(units__status=CarePack.Status.UNREGISTERED)),
        )
        .order_by("id")
    )


@dataclass(frozen=True)
class UnitRow:
    unit: CarePack
    registration: Registration | None


def unit_page(
    order: Order, *, serial: str = "", status: str = "", page: str | int = 1
) -> tuple[Page[CarePack], list[UnitRow]]:
    """One page of the order's units with their active registrations."""
    units = CarePack.objects.filter(order=order).select_related("product")
    if status:
        units = units.filter(status=status)
    if serial:
        matching = (
            Registration.objects.filter(
                order=order, serial_number__contains=normalize_serial(serial)
            )
            .exclude(status=Registration.Status.CANCELLED)
            .values("carepack_id")
        )
        units = units.filter(pk__in=matching)
    current = Paginator(units.order_by("id"), UNITS_PER_PAGE).get_page(page)

    ids = [unit.pk for unit in current.object_list]
    registrations = {
        reg.carepack_id: reg
        for reg in Registration.objects.filter(carepack_id__in=ids).exclude(
            status=Registration.Status.CANCELLED
        )
    }
    rows = [UnitRow(unit, registrations.get(unit.pk)) for unit in current.object_list]
    return current, rows


@dataclass(frozen=True)
class Notice:
    """One entry of the order's message centre."""

    at: datetime
    kind: str
    item: OutgoingEmail | OnlineSubmission | UploadBatch

    @property
    def new_registrations(self) -> int:
        if not isinstance(self.item, OnlineSubmission):
            return 0
        return sum(1 for r in self.item.results if r["verdict"] == "register")


def message_centre(order: Order) -> list[Notice]:
    """The e-mails sent for the order and the results of its online and
    volume registrations, newest first."""
    shown = NOTICES_SHOWN
    notices = [
        Notice(email.created_at, "email", email)
        for email in OutgoingEmail.objects.filter(order=order).order_by(
            "-created_at", "-id"
        )[:shown]
    ]
    notices += [
        Notice(submission.created_at, "online", submission)
        for submission in OnlineSubmission.objects.filter(order=order).order_by(
            "-created_at", "-id"
        )[:shown]
    ]
    notices += [
        Notice(batch.created_at, "volume", batch)
        for batch in UploadBatch.objects.filter(order=order).order_by(
            "-created_at", "-id"
        )[:shown]
    ]
    notices.sort(key=lambda notice: notice.at, reverse=True)
    return notices[:shown]
