"""Errors a customer may meet get a page in their language, never Django's
bare English ones."""

import pytest
from django.test import Client, RequestFactory
from django.test.utils import override_settings
from django.urls import reverse
from django.views import defaults


@pytest.mark.django_db
def test_it_explains_a_form_sent_without_its_csrf_token() -> None:
    client = Client(enforce_csrf_checks=True, headers={"accept-language": "fr"})

    response = client.post(reverse("portal:activate"), {"code": "ABCD"})

    page = response.content.decode()
    assert response.status_code == 403
    assert "Le formulaire a expiré" in page
    assert "CSRF" not in page


@pytest.mark.django_db
def test_the_server_error_page_is_translated(settings) -> None:
    from django.utils import translation

    request = RequestFactory().get("/")
    with translation.override("fr"):
        response = defaults.server_error(request)

    assert response.status_code == 500
    assert "Le service est occupé" in response.content.decode()


@pytest.mark.django_db
@override_settings(DATA_UPLOAD_MAX_NUMBER_FIELDS=5)
def test_a_request_too_large_gets_the_bad_request_page() -> None:
    response = Client().post(
        reverse("portal:activate"), {f"f{i}": "x" for i in range(10)}
    )

    assert response.status_code == 400
    assert "Request not understood" in response.content.decode()
