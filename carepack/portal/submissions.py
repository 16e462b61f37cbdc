"""Submitting the online registration form exactly once.

The form carries a one-time token. Inserting it (a unique column) is what
claims it, in the same transaction as the registrations: a second request
with the same token waits for the first, then finds the token taken and is
shown the first request's result. If the registration is refused, the
transaction rolls back and the token can be used again with the corrected
form.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from carepack.orders.models import Order
from carepack.portal.models import OnlineSubmission
from carepack.registrations.models import Registration
from carepack.registrations.rules import Line, Verdict
from carepack.registrations.services import (
    queue_confirmation_email,
    register_online,
)

logger = logging.getLogger(__name__)


class TokenTaken(Exception):
    """The token belongs to another order: the form cannot be trusted."""


@dataclass(frozen=True)
class Result:
    registration: Registration
    verdict: str

    @property
    def is_new(self) -> bool:
        return self.verdict == Verdict.REGISTER


def submit(
    order: Order, token: str, lines: Sequence[Line], *, actor: str
) -> OnlineSubmission:
    """Register the lines once per token and queue the confirmation e-mail.

    Raises ``RegistrationFailed`` (nothing kept) when a line is refused.
    """
    with transaction.atomic():
        try:
            with transaction.atomic():
                submission = OnlineSubmission.objects.create(order=order, token=token)
        except IntegrityError:
            return _earlier(order, token)

        outcomes = register_online(order, lines, actor=actor)
        submission.results = [
            {"registration": o.registration.pk, "verdict": str(o.verdict)}
            for o in outcomes
            if o.registration is not None
        ]
        submission.save(update_fields=["results"])
        new = [
            o.registration
            for o in outcomes
            if o.verdict == Verdict.REGISTER and o.registration is not None
        ]
        if new:
            queue_confirmation_email(order, new)
    logger.info(
        "online registration order=%s submission=%s registered=%s",
        order.pk,
        submission.pk,
        len(new),
    )
    return submission


def _earlier(order: Order, token: str) -> OnlineSubmission:
    # A double click: the first request has committed by now (its insert
    # held the token until then), so its submission is there to be shown.
    earlier = OnlineSubmission.objects.filter(order=order, token=token).first()
    if earlier is None:
        raise TokenTaken(token)
    logger.info("online registration repeated order=%s", order.pk)
    return earlier


def results_of(submission: OnlineSubmission) -> list[Result]:
    """The submission's registrations in the order of the form."""
    ids = [item["registration"] for item in submission.results]
    found = Registration.objects.select_related("product", "hardware").in_bulk(ids)
    return [
        Result(found[item["registration"]], item["verdict"])
        for item in submission.results
        if item["registration"] in found
    ]
