"""Which orders this browser may see.

A successful activation grants the browser's session access to one order
for ``CAREPACK_SESSION_SECONDS``, bound to the code that opened it: when
that code is revoked (a new one was issued) or expires, the access ends
too. Every page of an order calls ``require_order``; without access it is
a 404, the same as for an order that does not exist, so guessing ids
teaches nothing.
"""

import uuid
from typing import TypedDict

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from carepack.orders.models import ActivationCode, Order

GRANTS = "portal.orders"
CURRENT = "portal.current"


class Grant(TypedDict):
    code: int | None
    until: float


def grant_order(
    request: HttpRequest, order: Order, *, code: ActivationCode | None = None
) -> None:
    """Give this browser access to the order, bound to ``code`` if given."""
    # A new session key at every activation, so that a key planted in the
    # browser beforehand (session fixation) is worth nothing afterwards.
    request.session.cycle_key()
    grants = _live_grants(request)
    grants.pop(str(order.public_id), None)
    grants[str(order.public_id)] = Grant(
        code=code.pk if code is not None else None,
        until=timezone.now().timestamp() + settings.SESSION_COOKIE_AGE,
    )
    request.session[GRANTS] = grants
    request.session[CURRENT] = str(order.public_id)


def require_order(request: HttpRequest, public_id: uuid.UUID) -> Order:
    """The order, if this browser activated it and the access still holds;
    otherwise ``Http404``."""
    key = str(public_id)
    grant = _live_grants(request).get(key)
    if grant is None:
        raise Http404
    order = _granted({key: grant}).first()
    if order is None:
        _forget(request, key)
        raise Http404
    if request.session.get(CURRENT) != key:
        request.session[CURRENT] = key
    return order


def orders_for(request: HttpRequest) -> list[Order]:
    """The orders this browser may see, in the order it activated them."""
    grants = _live_grants(request)
    if not grants:
        return []
    found = {str(order.public_id): order for order in _granted(grants)}
    return [found[key] for key in grants if key in found]


def current_order_id(request: HttpRequest) -> str | None:
    """The public id of the order last opened, if still granted."""
    current = request.session.get(CURRENT)
    return current if current in _live_grants(request) else None


def granted_count(request: HttpRequest) -> int:
    """How many orders this session holds, without asking the database."""
    return len(_live_grants(request))


def revoke_all(request: HttpRequest) -> None:
    """Sign out: the session and everything in it are gone."""
    request.session.flush()


def _granted(grants: dict[str, Grant]) -> QuerySet[Order]:
    """The granted orders whose granting code still holds."""
    now = timezone.now()
    by_code = {key: g["code"] for key, g in grants.items() if g["code"] is not None}
    without_code = [key for key, g in grants.items() if g["code"] is None]
    valid_code = ActivationCode.objects.filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now),
        order=OuterRef("pk"),
        pk__in=list(by_code.values()),
        revoked_at__isnull=True,
    )
    return Order.objects.filter(
        Q(public_id__in=without_code)
        | Q(Exists(valid_code), public_id__in=list(by_code))
    )


def _live_grants(request: HttpRequest) -> dict[str, Grant]:
    grants: dict[str, Grant] = request.session.get(GRANTS, {})
    now = timezone.now().timestamp()
    return {key: g for key, g in grants.items() if g["until"] > now}


def _forget(request: HttpRequest, key: str) -> None:
    grants = _live_grants(request)
    grants.pop(key, None)
    request.session[GRANTS] = grants
