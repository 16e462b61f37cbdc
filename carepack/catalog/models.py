from django.db import models
from django.utils.translation import gettext_lazy as _


class CarePackProduct(models.Model):
    """A kind of service contract the vendor sells, identified by its SKU."""

    sku = models.CharField(_("SKU"), max_length=40, unique=True)
    description = models.CharField(_("description"), max_length=200)
    service_level = models.CharField(_("service level"), max_length=200, blank=True)
    coverage_months = models.PositiveIntegerField(_("coverage months"))
    post_warranty = models.BooleanField(
        _("post-warranty"),
        default=False,
        help_text=_("Coverage starts when the hardware's base warranty ends."),
    )
    categories = models.JSONField(
        _("hardware categories"),
        default=list,
        help_text=_("The hardware categories this pack may be registered on."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sku"]
        verbose_name = _("Care Pack product")
        verbose_name_plural = _("Care Pack products")

    def __str__(self) -> str:
        return f"{self.sku} {self.description}"

    def fits(self, category: str) -> bool:
        return category in self.categories


class HardwareProduct(models.Model):
    """A machine model; ``product_number`` is stored without ``#`` option."""

    product_number = models.CharField(_("product number"), max_length=40, unique=True)
    description = models.CharField(_("description"), max_length=200)
    category = models.CharField(_("category"), max_length=40)
    base_warranty_months = models.PositiveIntegerField(_("base warranty months"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["product_number"]
        verbose_name = _("hardware product")
        verbose_name_plural = _("hardware products")

    def __str__(self) -> str:
        return f"{self.product_number} {self.description}"
