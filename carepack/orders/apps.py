from django.apps import AppConfig


class Config(AppConfig):
    name = "carepack.orders"
    label = "orders"
    default_auto_field = "django.db.models.BigAutoField"
