from django.db import models
from django.utils.translation import gettext_lazy as _

from carepack.catalog.models import CarePackProduct, HardwareProduct
from carepack.orders.models import CarePack, Order


class Registration(models.Model):
    """A Care Pack unit bound to one machine and its owner."""

    class Channel(models.TextChoices):
        ONLINE = "online", _("online")
        VOLUME = "volume", _("volume file")
        API = "api", _("API")

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        CANCELLED = "cancelled", _("cancelled")

    carepack = models.ForeignKey(
        CarePack, on_delete=models.PROTECT, related_name="registrations"
    )
    # Denormalised from the unit so the database can enforce the rules.
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="registrations"
    )
    product = models.ForeignKey(CarePackProduct, on_delete=models.PROTECT)
    hardware = models.ForeignKey(HardwareProduct, on_delete=models.PROTECT)
    # Looked up through reg_serial_sku_idx, which starts with it.
    serial_number = models.CharField(_("serial number"), max_length=40)
    product_number = models.CharField(_("product number"), max_length=40)
    first_name = models.CharField(_("title/first name"), max_length=100)
    surname = models.CharField(_("surname"), max_length=100)
    company = models.CharField(_("company"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"))
    purchase_date = models.DateField(_("hardware purchase date"), null=True, blank=True)
    coverage_start = models.DateField(_("coverage start"), null=True, blank=True)
    coverage_end = models.DateField(_("coverage end"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    batch = models.ForeignKey(
        "volume.UploadBatch",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registrations",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(
                fields=["carepack"],
                condition=~models.Q(status="cancelled"),
                name="registration_one_per_unit",
            ),
            models.UniqueConstraint(
                fields=["order", "product", "serial_number"],
                condition=~models.Q(status="cancelled"),
                name="registration_sku_serial_once_per_order",
            ),
        ]
        indexes = [
            models.Index(fields=["serial_number", "product"], name="reg_serial_sku_idx")
        ]

    def __str__(self) -> str:
        return f"{self.product.sku} on {self.serial_number}"
