import datetime
import re

from carepack.notifications.models import OutgoingEmail
from carepack.orders.models import CarePack
from carepack.portal.models import OnlineSubmission
from carepack.registrations.models import Registration
from tests.portal.conftest import DESKTOP, order_url, pack_data, token_of

NOTEBOOK_PACK = {"sku": "U4417PE"}
DESKTOP_PACK = {"sku": "U6578E", **DESKTOP}


def confirmation_emails() -> int:
    return OutgoingEmail.objects.filter(kind="confirmation").count()


def test_the_choice_lists_each_sku_with_packs_left(customer, issued) -> None:
    html = customer.get(order_url(issued, "register/")).content.decode()

    assert "Number of U4417PE Care Packs to register" in html
    assert 'name="count_0"' in html and 'max="5"' in html
    assert 'name="count_1"' in html and 'max="2"' in html


def test_choosing_nothing_says_so(customer, issued) -> None:
    response = customer.get(order_url(issued, "register/packs/"), {"count_0": "0"})

    assert "Choose at least one Care Pack to register." in response.content.decode()


def test_choosing_more_than_left_is_refused(customer, issued) -> None:
    response = customer.get(order_url(issued, "register/packs/"), {"count_1": "3"})

    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert "less than or equal to 2" in html


def test_the_form_has_one_labelled_fieldset_per_pack(customer, issued) -> None:
    response = customer.get(
        order_url(issued, "register/packs/"), {"count_0": "2", "count_1": "1"}
    )

    html = response.content.decode()
    assert html.count("<fieldset") == 3
    assert "Care Pack 3 of 3: U6578E" in html
    for name in ("serial_number", "product_number", "surname", "purchase_date"):
        assert f'<label for="id_pack-0-{name}">' in html
    assert 'type="date" name="pack-0-purchase_date"' in html
    required = re.search(r'<input[^>]+name="pack-0-surname"[^>]*>', html).group(0)
    optional = re.search(r'<input[^>]+name="pack-0-company"[^>]*>', html).group(0)
    assert "required" in required and "required" not in optional


def test_it_registers_two_packs_and_shows_the_coverage(register, issued) -> None:
    response = register([NOTEBOOK_PACK, DESKTOP_PACK])

    assert response.status_code == 302
    page = response.client.get(response["Location"]).content.decode()
    assert "2 Care Packs are registered" in page
    # U4417PE is post-warranty: it starts when the 12-month warranty ends.
    assert "March 15, 2027 to March 14, 2028" in page
    # U6578E is a standard 36-month pack from the purchase date.
    assert "March 15, 2026 to March 14, 2029" in page
    assert Registration.objects.filter(order=issued.order).count() == 2
    assert confirmation_emails() == 1


def test_the_order_page_then_counts_what_is_left(register, customer, issued) -> None:
    register([NOTEBOOK_PACK])

    html = customer.get(order_url(issued)).content.decode()

    row = re.search(r"U4417PE</th>(.*?)</tr>", html, re.S).group(1)
    assert re.findall(r'class="num">(\d+)<', row) == ["5", "1", "4"]
    assert "5CD3301K11" in html


def test_each_error_is_shown_beside_its_field(register) -> None:
    response = register(
        [
            {**NOTEBOOK_PACK, "serial_number": "AB-1", "contact_email": "nope"},
            {**DESKTOP_PACK, "product_number": "6F8K2EA"},
        ]
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in html
    assert 'href="#id_pack-0-serial_number"' in html
    assert 'href="#id_pack-1-product_number"' in html
    assert '<ul class="field-errors" id="id_pack-0-serial_number_error">' in html
    assert '<ul class="field-errors" id="id_pack-0-contact_email_error">' in html
    serial = re.search(r'<input[^>]+name="pack-0-serial_number"[^>]*>', html)[0]
    assert 'aria-invalid="true"' in serial
    assert "id_pack-0-serial_number_error" in serial
    assert "Care Pack U6578E is for desktop; product 6F8K2EA is a notebook" in html
    assert Registration.objects.count() == 0
    assert CarePack.objects.filter(status="registered").count() == 0


def test_a_corrected_form_registers(register, customer, issued) -> None:
    refused = register([NOTEBOOK_PACK, {**DESKTOP_PACK, "product_number": "6F8K2EA"}])
    token = token_of(refused.content.decode())

    fixed = customer.post(
        order_url(issued, "register/packs/"),
        pack_data(token, [NOTEBOOK_PACK, DESKTOP_PACK]),
    )

    assert fixed.status_code == 302
    assert Registration.objects.count() == 2


def test_errors_are_in_french_for_a_french_browser(register) -> None:
    response = register(
        [{**NOTEBOOK_PACK, "surname": "", "serial_number": "AB-1"}],
        HTTP_ACCEPT_LANGUAGE="fr",
    )

    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert "Ce champ est obligatoire." in html
    assert "n’est pas un numéro de série valable" in html
    assert "Le formulaire comporte 2 problèmes :" in html
    assert "Nom : Ce champ est obligatoire." in html
    assert "Numéro de série de l’unité" in html


def test_a_bad_date_and_the_other_errors_show_at_once(register) -> None:
    response = register(
        [{**NOTEBOOK_PACK, "purchase_date": "15/13/2026", "product_number": "ZZ9"}]
    )

    html = response.content.decode()
    assert "Enter the date as year-month-day" in html
    assert "Product number “ZZ9” is not in the catalogue" in html
    assert "This field is required" not in html


def test_a_double_click_registers_once(customer, issued) -> None:
    form = customer.get(order_url(issued, "register/packs/"), {"count_0": "1"})
    data = pack_data(token_of(form.content.decode()), [NOTEBOOK_PACK])

    first = customer.post(order_url(issued, "register/packs/"), data)
    second = customer.post(order_url(issued, "register/packs/"), data)

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Registration.objects.count() == 1
    assert OnlineSubmission.objects.count() == 1
    assert confirmation_emails() == 1


def test_an_exact_repeat_is_already_registered(register, customer, issued) -> None:
    register([NOTEBOOK_PACK])

    again = register([{**NOTEBOOK_PACK, "serial_number": " 5CD3301K11 "}])

    page = customer.get(again["Location"]).content.decode()
    assert "already registered" in page
    assert "confirmation e-mail" not in page
    assert Registration.objects.count() == 1
    assert CarePack.objects.filter(status="registered").count() == 1
    assert confirmation_emails() == 1


def test_the_same_pack_twice_in_one_form_counts_once(
    register, customer, issued
) -> None:
    response = register([NOTEBOOK_PACK, NOTEBOOK_PACK])

    page = customer.get(response["Location"]).content.decode()
    assert "1 Care Pack is registered" in page
    assert "registered now" in page and "already registered" in page
    assert CarePack.objects.filter(status="registered").count() == 1


def test_other_details_on_a_registered_serial_are_refused(register) -> None:
    register([NOTEBOOK_PACK])

    response = register([{**NOTEBOOK_PACK, "surname": "Martin"}])

    assert "already registered on serial number 5CD3301K11" in (
        response.content.decode()
    )


def test_a_standard_pack_is_not_registered_twice_on_a_unit(
    client, make_order, register
) -> None:
    from tests.portal.conftest import activate

    earlier = make_order()
    activate(client, earlier.code)
    form = client.get(order_url(earlier, "register/packs/"), {"count_1": "1"})
    client.post(
        order_url(earlier, "register/packs/"),
        pack_data(token_of(form.content.decode()), [DESKTOP_PACK]),
    )

    response = register([DESKTOP_PACK])

    assert "already covered by Care Pack U6578E from another order" in (
        response.content.decode()
    )


def test_a_post_warranty_pack_renews_after_the_earlier_one(
    client, make_order, register
) -> None:
    from tests.portal.conftest import activate

    earlier = make_order()
    activate(client, earlier.code)
    form = client.get(order_url(earlier, "register/packs/"), {"count_0": "1"})
    client.post(
        order_url(earlier, "register/packs/"),
        pack_data(token_of(form.content.decode()), [NOTEBOOK_PACK]),
    )

    response = register([NOTEBOOK_PACK])

    renewal = Registration.objects.latest("id")
    assert response.status_code == 302
    assert renewal.coverage_start == datetime.date(2028, 3, 15)
    assert renewal.coverage_end == datetime.date(2029, 3, 14)


def test_no_unit_left_is_said_clearly(register, issued) -> None:
    CarePack.objects.filter(product__sku="U6578E").update(status="cancelled")

    response = register([NOTEBOOK_PACK, DESKTOP_PACK])

    html = response.content.decode()
    assert "No unregistered U6578E Care Pack is left on this order." in html
    assert Registration.objects.count() == 0


def test_a_tampered_sku_is_refused(customer, issued) -> None:
    form = customer.get(order_url(issued, "register/packs/"), {"count_0": "1"})
    data = pack_data(token_of(form.content.decode()), [{"sku": "U7897E"}])

    response = customer.post(order_url(issued, "register/packs/"), data)

    assert "Care Pack “U7897E” is not part of this order." in (
        response.content.decode()
    )
    assert Registration.objects.count() == 0


def test_a_form_without_token_is_not_registered(customer, issued) -> None:
    data = pack_data("", [NOTEBOOK_PACK])

    response = customer.post(order_url(issued, "register/packs/"), data)

    html = response.content.decode()
    assert "This form has expired" in html
    assert token_of(html)
    assert Registration.objects.count() == 0


def test_too_many_forms_are_refused(customer, issued) -> None:
    data = pack_data("x" * 43, [NOTEBOOK_PACK] * 51)

    response = customer.post(order_url(issued, "register/packs/"), data)

    assert response.status_code == 200
    assert Registration.objects.count() == 0


def test_the_registration_is_audited(register) -> None:
    from carepack.audit.models import AuditEvent

    register([NOTEBOOK_PACK])

    event = AuditEvent.objects.get(action="registration.created")
    assert event.actor.startswith("portal ")
    assert event.details["serial"] == "5CD3301K11"


def test_a_day_month_date_is_refused_as_ambiguous(register) -> None:
    response = register([{**NOTEBOOK_PACK, "purchase_date": "01/02/2026"}])

    assert response.status_code == 200
    assert "Enter the date as year-month-day" in response.content.decode()
    assert Registration.objects.count() == 0
