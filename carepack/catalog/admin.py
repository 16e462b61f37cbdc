from django.contrib import admin

from carepack.catalog.models import CarePackProduct, HardwareProduct


@admin.register(CarePackProduct)
class CarePackProductAdmin(admin.ModelAdmin):
    list_display = (
        "sku",
        "description",
        "coverage_months",
        "post_warranty",
        "categories",
    )
    list_filter = ("post_warranty",)
    search_fields = ("sku", "description")


@admin.register(HardwareProduct)
class HardwareProductAdmin(admin.ModelAdmin):
    list_display = ("product_number", "description", "category", "base_warranty_months")
    list_filter = ("category",)
    search_fields = ("product_number", "description")
