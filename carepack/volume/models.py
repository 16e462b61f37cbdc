import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from carepack.orders.models import Order


class UploadBatch(models.Model):
    """One uploaded registration file and its progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting")
        RUNNING = "running", _("in progress")
        DONE = "done", _("finished")
        REFUSED = "refused", _("file refused")
        FAILED = "failed", _("failed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="batches")
    # One-time token of the upload form: a double submit makes one batch.
    form_token = models.CharField(max_length=64, unique=True, null=True, blank=True)
    reply_email = models.EmailField(_("reply e-mail"), blank=True)
    file = models.FileField(_("file"), upload_to="uploads/%Y/%m/", max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    channel = models.CharField(max_length=10, default="web")
    kind = models.CharField(_("format"), max_length=10, blank=True)
    encoding = models.CharField(max_length=20, blank=True)
    delimiter = models.CharField(max_length=2, blank=True)
    header = models.JSONField(default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    error_code = models.CharField(max_length=40, blank=True)
    # The message in the order's language, as e-mailed; the code and its
    # values let a page say it again in the reader's language.
    error_message = models.TextField(blank=True)
    error_params = models.JSONField(default=dict, blank=True)
    lines = models.PositiveIntegerField(_("lines"), default=0)
    processed = models.PositiveIntegerField(_("processed"), default=0)
    registered = models.PositiveIntegerField(_("registered"), default=0)
    already_registered = models.PositiveIntegerField(_("already registered"), default=0)
    errors = models.PositiveIntegerField(_("errors"), default=0)
    skipped = models.PositiveIntegerField(_("skipped"), default=0)
    # The worker processing the batch renews both at every chunk. A batch
    # whose heartbeat went stale lost its worker and is queued again.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # The run holding the batch: a chunk is committed only by the run whose
    # token the batch holds, so two tasks on one batch never both register.
    lease_token = models.CharField(max_length=32, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    # The task queued for the batch, to tell a task still waiting in the
    # queue from one that died with its worker.
    task_id = models.CharField(max_length=64, blank=True)
    # Times the batch was queued again without making progress since; a
    # batch that keeps killing its worker fails instead of looping.
    attempts = models.PositiveIntegerField(default=0)
    # Storage name of the file of lines in error, once the batch is done.
    error_file = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    result_mail_queued = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("upload batch")
        verbose_name_plural = _("upload batches")

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"


class BatchRow(models.Model):
    """One data row of a batch and its single outcome."""

    class Outcome(models.TextChoices):
        REGISTERED = "registered", pgettext_lazy("outcome of a line", "registered")
        ALREADY_REGISTERED = (
            "already_registered",
            pgettext_lazy("outcome of a line", "already registered"),
        )
        ERROR = "error", pgettext_lazy("outcome of a line", "error")
        SKIPPED = "skipped", pgettext_lazy("outcome of a line", "empty, skipped")

    # Indexed by batch_row_once, which starts with it: a second index would
    # only slow down the insert of every row.
    batch = models.ForeignKey(
        UploadBatch, on_delete=models.CASCADE, related_name="rows", db_index=False
    )
    line = models.PositiveIntegerField(_("line"))
    # The cells as read, in the file's column order (for the error file and
    # the report).
    raw = models.JSONField(default=list)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    errors = models.JSONField(default=list, blank=True)
    serial_number = models.CharField(max_length=40, blank=True)
    sku = models.CharField(max_length=40, blank=True)
    # The earlier line of the file this one repeats exactly.
    same_as = models.PositiveIntegerField(null=True, blank=True)
    registration = models.ForeignKey(
        "registrations.Registration",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["batch", "line"]
        verbose_name = _("batch row")
        verbose_name_plural = _("batch rows")
        constraints = [
            models.UniqueConstraint(fields=["batch", "line"], name="batch_row_once")
        ]

    def __str__(self) -> str:
        return f"line {self.line}: {self.outcome}"
