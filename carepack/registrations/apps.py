from django.apps import AppConfig


class Config(AppConfig):
    name = "carepack.registrations"
    label = "registrations"
    default_auto_field = "django.db.models.BigAutoField"
