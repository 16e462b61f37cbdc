from django.apps import AppConfig


class Config(AppConfig):
    name = "carepack.notifications"
    label = "notifications"
    default_auto_field = "django.db.models.BigAutoField"
