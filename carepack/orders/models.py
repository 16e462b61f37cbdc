import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from carepack.catalog.models import CarePackProduct


class Order(models.Model):
    """A reseller's purchase of Care Packs for one customer."""

    class Language(models.TextChoices):
        ENGLISH = "en", _("English")
        FRENCH = "fr", _("French")

    # The portal addresses orders by this random id, never by the sequence.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    partner_po = models.CharField(_("reseller PO"), max_length=60)
    customer_po = models.CharField(_("customer PO"), max_length=60)
    email = models.EmailField(_("recipient e-mail"))
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default="en"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [
            models.UniqueConstraint(
                fields=["partner_po", "customer_po"], name="order_po_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.partner_po} / {self.customer_po}"


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        CarePackProduct, verbose_name=_("Care Pack"), on_delete=models.PROTECT
    )
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.UniqueConstraint(
                fields=["order", "product"], name="order_line_product_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="order_line_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.sku} x {self.quantity}"


class CarePack(models.Model):
    """One unit of quantity on an order line: what a registration takes."""

    class Status(models.TextChoices):
        UNREGISTERED = "unregistered", _("not registered")
        REGISTERED = "registered", _("registered")
        CANCELLED = "cancelled", _("cancelled")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="units")
    line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="units")
    product = models.ForeignKey(CarePackProduct, on_delete=models.PROTECT)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.UNREGISTERED,
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("Care Pack unit")
        verbose_name_plural = _("Care Pack units")
        indexes = [
            models.Index(
                fields=["order", "product", "status", "id"],
                name="carepack_free_unit_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.product.sku} #{self.pk}"


class ActivationCode(models.Model):
    """Grants access to one order. Only a keyed digest of the code is kept."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="activation_codes"
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    legacy = models.BooleanField(
        _("legacy code"),
        default=False,
        help_text=_("Imported from the old system: weak, throttled harder."),
    )
    created_at = models.DateTimeField(_("issued"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("activation code")
        verbose_name_plural = _("activation codes")

    def __str__(self) -> str:
        return f"code #{self.pk} for order {self.order_id}"
