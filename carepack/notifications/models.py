from django.db import models
from django.utils.translation import gettext_lazy as _

from carepack.orders.models import Order


class OutgoingEmail(models.Model):
    """An e-mail the product sends, kept for the order's message centre.

    The rendered message may hold an activation code, so it is stored
    encrypted only until it is sent, then deleted. What stays is what the
    message centre shows: kind, recipient, subject, times.
    """

    class Kind(models.TextChoices):
        ACTIVATION = "activation", _("registration invitation")
        CONFIRMATION = "confirmation", _("registration confirmation")
        BATCH_RESULT = "batch_result", _("volume registration result")

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting to be sent")
        SENT = "sent", _("sent")
        FAILED = "failed", _("could not be sent")

    order = models.ForeignKey(
        Order,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="emails",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    recipient = models.EmailField(_("recipient"))
    subject = models.CharField(_("subject"), max_length=255)
    payload = models.BinaryField(null=True, blank=True, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    # When the next attempt is due; a queued e-mail long past it lost its
    # task (a worker died) and is queued again by the sweeper.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # A worker sending the e-mail holds it until then, so that two tasks
    # for the same e-mail never both send it.
    lease_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("queued"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("e-mail")
        verbose_name_plural = _("e-mails")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient}"
