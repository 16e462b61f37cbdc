"""Activating an order with its code, within the attempt limits."""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from carepack.audit.services import record
from carepack.orders.models import ActivationCode
from carepack.orders.services import find_active_code
from carepack.portal import throttle

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attempt:
    """What an activation attempt gave: the code, or a wait, or neither
    (a wrong code)."""

    code: ActivationCode | None = None
    retry_after: timedelta | None = None


def attempt_activation(address: str, typed: str) -> Attempt:
    """Check a typed code for a client, counting it against the limits.

    While a limit is reached even the right code is refused: otherwise the
    answer to a locked client would still tell a right guess from a wrong
    one.
    """
    buckets = throttle.buckets_for(address, typed)
    refusal = throttle.reserve(buckets)
    if refusal is not None:
        logger.info(
            "activation refused while locked address=%s wait_seconds=%s",
            address,
            int(refusal.retry_after.total_seconds()),
        )
        return Attempt(retry_after=refusal.retry_after)

    code = find_active_code(typed)
    if code is None:
        failures = throttle.count_failure()
        logger.info("activation failed address=%s failures_all=%s", address, failures)
        return Attempt()

    throttle.release(buckets)
    ActivationCode.objects.filter(pk=code.pk).update(last_used_at=timezone.now())
    record(f"portal {address}", "order.activated", order=code.order, legacy=code.legacy)
    logger.info("order activated order=%s address=%s", code.order_id, address)
    return Attempt(code=code)
