import datetime

import pytest

from carepack.audit.models import AuditEvent
from carepack.orders.models import CarePack
from carepack.registrations.models import Registration
from carepack.registrations.rules import Line, Verdict
from carepack.registrations.services import RegistrationFailed, register_online

BOUGHT = datetime.date(2026, 3, 15)


def line(**changes: object) -> Line:
    values: dict[str, object] = {
        "serial_number": " 5cd3301k11 ",
        "product_number": "6f8k2ea#abf",
        "carepack_sku": "u4417pe",
        "first_name": "Claire",
        "surname": "Dubois",
        "company": "",
        "contact_email": "claire@example.com",
        "purchase_date": BOUGHT,
    }
    values.update(changes)
    return Line(**values)  # type: ignore[arg-type]


def errors_of(exc: pytest.ExceptionInfo[RegistrationFailed]) -> list[list[str]]:
    return [[e.code for e in o.errors] for o in exc.value.outcomes]


def test_it_registers_a_post_warranty_pack_after_the_base_warranty(make_order) -> None:
    order = make_order().order

    [outcome] = register_online(order, [line()], actor="test")

    reg = outcome.registration
    assert outcome.verdict == Verdict.REGISTER
    assert (reg.serial_number, reg.product_number) == ("5CD3301K11", "6F8K2EA")
    # 6F8K2EA has 12 months of base warranty; U4417PE covers 12 months.
    assert reg.coverage_start == datetime.date(2027, 3, 15)
    assert reg.coverage_end == datetime.date(2028, 3, 14)
    assert reg.carepack.status == CarePack.Status.REGISTERED


def test_a_standard_pack_covers_from_the_purchase_date(make_order) -> None:
    order = make_order().order

    [outcome] = register_online(
        order,
        [line(product_number="9TY71EA", carepack_sku="U6578E")],
        actor="test",
    )

    assert outcome.registration.coverage_start == BOUGHT
    assert outcome.registration.coverage_end == datetime.date(2029, 3, 14)


def test_an_exact_repeat_consumes_nothing(make_order) -> None:
    order = make_order().order
    register_online(order, [line()], actor="test")

    [again] = register_online(
        order, [line(serial_number="5CD3301K11", first_name=" claire ")], actor="test"
    )

    assert again.verdict == Verdict.ALREADY_REGISTERED
    assert Registration.objects.count() == 1


def test_a_repeat_that_brings_the_purchase_date_records_it(make_order) -> None:
    order = make_order().order
    register_online(order, [line()], actor="test")
    # As a volume file without the optional date registers it.
    Registration.objects.update(
        purchase_date=None, coverage_start=None, coverage_end=None
    )

    [again] = register_online(order, [line()], actor="test")

    assert again.verdict == Verdict.ALREADY_REGISTERED
    reg = Registration.objects.get()
    assert reg.purchase_date == BOUGHT
    assert reg.coverage_start == datetime.date(2027, 3, 15)
    assert AuditEvent.objects.filter(
        action="registration.purchase_date_recorded", order=order
    ).exists()
    # A registration that has its date keeps it: a line with another date
    # changes nothing.
    with pytest.raises(RegistrationFailed):
        register_online(order, [line(purchase_date=BOUGHT.replace(day=1))], actor="t")
    assert Registration.objects.get().purchase_date == BOUGHT


def test_other_details_on_the_same_sku_and_serial_are_an_error(make_order) -> None:
    order = make_order().order
    register_online(order, [line()], actor="test")

    with pytest.raises(RegistrationFailed) as exc:
        register_online(order, [line(surname="Martin")], actor="test")

    assert errors_of(exc) == [["registered_with_other_details"]]


def test_a_desktop_pack_on_a_notebook_is_refused(make_order) -> None:
    order = make_order().order

    with pytest.raises(RegistrationFailed) as exc:
        register_online(order, [line(carepack_sku="U6578E")], actor="test")

    assert errors_of(exc) == [["category_mismatch"]]
    assert Registration.objects.count() == 0


def test_a_post_warranty_pack_renews_after_the_previous_coverage(make_order) -> None:
    first = make_order().order
    second = make_order().order
    register_online(first, [line()], actor="test")

    [renewal] = register_online(second, [line()], actor="test")

    assert renewal.registration.coverage_start == datetime.date(2028, 3, 15)
    assert renewal.registration.coverage_end == datetime.date(2029, 3, 14)


def test_a_standard_pack_from_an_earlier_order_is_already_covered(make_order) -> None:
    first = make_order().order
    second = make_order().order
    desktop = line(product_number="9TY71EA", carepack_sku="U6578E")
    register_online(first, [desktop], actor="test")

    with pytest.raises(RegistrationFailed) as exc:
        register_online(second, [desktop], actor="test")

    assert errors_of(exc) == [["already_covered"]]


def test_no_unit_left_rolls_back_the_whole_form(make_order) -> None:
    order = make_order(lines={"U6578E": 1}).order
    desktop = {"product_number": "9TY71EA", "carepack_sku": "U6578E"}

    with pytest.raises(RegistrationFailed) as exc:
        register_online(
            order,
            [
                line(serial_number="MXL0000001", **desktop),
                line(serial_number="MXL0000002", **desktop),
            ],
            actor="test",
        )

    assert errors_of(exc) == [[], ["no_unit_left"]]
    assert Registration.objects.count() == 0


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"serial_number": ""}, "serial_number", "required"),
        ({"serial_number": "AB-12"}, "serial_number", "serial_invalid"),
        ({"serial_number": "1.23457E+11"}, "serial_number", "serial_became_number"),
        ({"product_number": "ZZZ999"}, "product_number", "unknown_product"),
        ({"carepack_sku": "U7897E"}, "carepack_sku", "not_on_order"),
        ({"surname": ""}, "surname", "required"),
        ({"first_name": "Claire\nDubois"}, "first_name", "control_characters"),
        ({"company": "x" * 201}, "company", "too_long"),
        ({"contact_email": "nope"}, "contact_email", "invalid_email"),
        ({"purchase_date": None}, "purchase_date", "required"),
    ],
)
def test_each_field_rule(make_order, changes, field, code) -> None:
    order = make_order().order

    with pytest.raises(RegistrationFailed) as exc:
        register_online(order, [line(**changes)], actor="test")

    [outcome] = exc.value.outcomes
    assert [(e.field, e.code) for e in outcome.errors] == [(field, code)]


def test_a_serial_registered_on_another_product_is_refused(make_order) -> None:
    first = make_order().order
    register_online(first, [line()], actor="test")

    with pytest.raises(RegistrationFailed) as exc:
        register_online(
            first,
            [line(product_number="5Z1C2EA", carepack_sku="U4417PE", surname="X")],
            actor="test",
        )

    assert errors_of(exc) == [["registered_with_other_details"]]
    second = make_order().order
    with pytest.raises(RegistrationFailed) as exc:
        register_online(second, [line(product_number="5Z1C2EA")], actor="test")
    assert errors_of(exc) == [["serial_on_other_product"]]


def test_a_pack_whose_coverage_is_over_is_refused(make_order) -> None:
    order = make_order().order

    with pytest.raises(RegistrationFailed) as exc:
        register_online(
            order,
            [
                line(
                    product_number="9TY71EA",
                    carepack_sku="U6578E",
                    purchase_date=datetime.date(2020, 1, 15),
                )
            ],
            actor="test",
        )

    [outcome] = exc.value.outcomes
    assert [(e.field, e.code) for e in outcome.errors] == [
        ("purchase_date", "coverage_ended")
    ]
    assert "2023-01-14" in outcome.errors[0].message


def test_a_purchase_date_before_1990_is_refused(make_order) -> None:
    order = make_order().order

    with pytest.raises(RegistrationFailed) as exc:
        register_online(
            order, [line(purchase_date=datetime.date(1900, 1, 1))], actor="test"
        )

    assert errors_of(exc) == [["too_old"]]
