"""Limits on failed activation attempts, atomic across processes.

Each limit is a counter row per key: a client address, a typed code, or
everybody. A request first *reserves* an attempt in every bucket with one
conditional ``UPDATE`` per bucket, which the database applies only while
the count is under the limit: twenty guesses arriving at once against a
limit of ten get exactly ten reservations, whatever the number of web
processes. A successful activation gives its reservation back; a failed
one keeps it. A window opens with the first failure and lasts
``CAREPACK_ACTIVATION_WINDOW_SECONDS``.
"""

import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from carepack.orders import codes
from carepack.portal.models import AttemptCounter

logger = logging.getLogger(__name__)

EVERYBODY = "all"
KEEP_FOR = timedelta(days=1)


@dataclass(frozen=True)
class Bucket:
    key: str
    limit: int


@dataclass(frozen=True)
class Refusal:
    """The client must wait this long before its next attempt."""

    retry_after: timedelta


def window() -> timedelta:
    return timedelta(seconds=settings.CAREPACK_ACTIVATION_WINDOW_SECONDS)


def buckets_for(address: str, typed: str) -> list[Bucket]:
    """The limits one attempt counts against.

    A typed value that cannot be a generated code can only match a legacy
    code; those are short and weak, so guessing them is limited harder. A
    generated code mistyped by a character or two is not such a guess: it
    counts against the normal limits, so a customer's typos do not lock
    out the right code.
    """
    digests = codes.candidate_digests(typed) or [""]
    legacy_only = len(digests) == 1 and not codes.near_generated(typed)
    normal = settings.CAREPACK_ACTIVATION_MAX_FAILURES
    strict = settings.CAREPACK_ACTIVATION_MAX_FAILURES_LEGACY
    # The typed code is kept only as a hash of its keyed digest, so the
    # table (shown in the admin) holds nothing that could be typed back.
    code_hash = hashlib.sha256(b"throttle:" + digests[0].encode()).hexdigest()
    buckets = [
        Bucket(f"address:{address}", normal),
        Bucket(f"code:{code_hash[:32]}", strict if legacy_only else normal),
    ]
    if legacy_only:
        buckets.append(Bucket(f"legacy-address:{address}", strict))
    return buckets


def reserve(buckets: Sequence[Bucket]) -> Refusal | None:
    """Take one attempt from every bucket, or from none of them when any
    is used up; then say how long the client has to wait."""
    now = timezone.now()
    # Rows are always locked in the same order, so that two requests
    # reserving the same buckets cannot deadlock.
    ordered = sorted(buckets, key=lambda bucket: bucket.key)
    with transaction.atomic():
        _ensure_rows((bucket.key for bucket in ordered), now)
        for bucket in ordered:
            if _take(bucket, now):
                continue
            refusal = Refusal(_retry_after(bucket.key, now))
            transaction.set_rollback(True)
            return refusal
    return None


def release(buckets: Sequence[Bucket]) -> None:
    """Give back the reservations of an attempt that succeeded."""
    with transaction.atomic():
        for key in sorted(bucket.key for bucket in buckets):
            AttemptCounter.objects.filter(key=key, count__gt=0).update(
                count=F("count") - 1
            )
    prune()


def count_failure() -> int:
    """Count a failure across all addresses and warn once per window when
    they pass the alert threshold: someone may be guessing from many
    addresses. Returns the failures in the current window."""
    now = timezone.now()
    with transaction.atomic():
        _ensure_rows([EVERYBODY], now)
        AttemptCounter.objects.filter(key=EVERYBODY).update(**_increment(now))
        counter = AttemptCounter.objects.get(key=EVERYBODY)
        alert = _claim_alert(now)
    if counter.count == 1:
        # A new window for everybody, at most every few minutes: a good
        # moment to drop the counters of clients long gone, which an
        # attack spreading its guesses otherwise piles up.
        prune()
    if alert:
        logger.warning(
            "activation failures above threshold failures=%s threshold=%s "
            "window_seconds=%s",
            counter.count,
            settings.CAREPACK_ACTIVATION_ALERT_THRESHOLD,
            settings.CAREPACK_ACTIVATION_WINDOW_SECONDS,
        )
    return counter.count


def prune() -> int:
    """Delete counters idle for a day; their windows closed long ago."""
    idle = timezone.now() - max(KEEP_FOR, window())
    deleted, _ = AttemptCounter.objects.filter(updated_at__lt=idle).delete()
    return deleted


def _ensure_rows(keys: Iterable[str], now: datetime) -> None:
    # INSERT … ON CONFLICT DO NOTHING: a row another request creates at the
    # same moment is simply used.
    AttemptCounter.objects.bulk_create(
        [
            AttemptCounter(key=key, window_start=now, count=0, updated_at=now)
            for key in keys
        ],
        ignore_conflicts=True,
    )


def _expired(now: datetime) -> Q:
    return Q(window_start__lte=now - window())


def _increment(now: datetime) -> dict[str, object]:
    """One more failure; a closed window starts again at this one."""
    return {
        "count": Case(When(_expired(now), then=Value(1)), default=F("count") + 1),
        "window_start": Case(
            When(_expired(now), then=Value(now)), default=F("window_start")
        ),
        "updated_at": now,
    }


def _take(bucket: Bucket, now: datetime) -> bool:
    # The condition is evaluated by the database on the row it locks, so
    # parallel requests see each other's increments and cannot overshoot.
    updated = (
        AttemptCounter.objects.filter(key=bucket.key)
        .filter(_expired(now) | Q(count__lt=bucket.limit))
        .update(**_increment(now))
    )
    return updated == 1


def _retry_after(key: str, now: datetime) -> timedelta:
    counter = AttemptCounter.objects.get(key=key)
    wait = counter.window_start + window() - now
    return max(wait, timedelta(seconds=1))


def _claim_alert(now: datetime) -> bool:
    threshold = settings.CAREPACK_ACTIVATION_ALERT_THRESHOLD
    claimed = (
        AttemptCounter.objects.filter(key=EVERYBODY, count__gte=threshold)
        .filter(Q(alerted_at__isnull=True) | Q(alerted_at__lt=F("window_start")))
        .update(alerted_at=now)
    )
    return claimed == 1
