import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from carepack.orders.models import Order


class AttemptCounter(models.Model):
    """Failed activation attempts of one client address, one typed code, or
    of everybody, in a window that opens with the first failure.

    Rows are changed only by single ``UPDATE`` statements (see
    ``carepack.portal.throttle``), so that web processes guessing in
    parallel cannot overshoot a limit.
    """

    key = models.CharField(_("key"), max_length=100, unique=True)
    window_start = models.DateTimeField(_("window start"))
    count = models.PositiveIntegerField(_("failed attempts"), default=0)
    updated_at = models.DateTimeField(_("last attempt"), db_index=True)
    # When the failures across all addresses last crossed the alert
    # threshold; one warning per window.
    alerted_at = models.DateTimeField(_("alerted"), null=True, blank=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("activation attempt counter")
        verbose_name_plural = _("activation attempt counters")

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"


class OnlineSubmission(models.Model):
    """One submitted online registration form.

    The form carries a one-time token; inserting it is what claims it, so a
    double click registers once and the second click is shown the first
    one's confirmation.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="online_submissions"
    )
    token = models.CharField(max_length=64, unique=True)
    # [{"registration": id, "verdict": "register" | "already_registered"}]
    results = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(_("submitted"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("online registration")
        verbose_name_plural = _("online registrations")

    def __str__(self) -> str:
        return f"online registration {self.public_id} for order {self.order_id}"
