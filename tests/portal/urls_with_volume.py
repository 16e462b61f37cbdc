"""A URL configuration where the volume pages exist (for the order page's
link to them)."""

from django.http import HttpResponse
from django.urls import include, path


def upload(request, public_id):
    return HttpResponse("volume upload")


volume_patterns = (
    [path("order/<uuid:public_id>/volume/", upload, name="upload")],
    "volume",
)

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include(volume_patterns)),
    path("", include("carepack.portal.urls")),
]
