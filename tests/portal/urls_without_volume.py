"""A URL configuration without the volume pages."""

from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("carepack.portal.urls")),
]
