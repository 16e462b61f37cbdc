"""What the database itself refuses, whatever the Python code does."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from carepack.catalog.models import HardwareProduct
from carepack.orders.models import CarePack
from carepack.registrations.models import Registration


def registration(unit: CarePack, serial: str, **changes: object) -> Registration:
    fields: dict[str, object] = {
        "carepack": unit,
        "order": unit.order,
        "product": unit.product,
        "hardware": HardwareProduct.objects.get(product_number="6F8K2EA"),
        "serial_number": serial,
        "product_number": "6F8K2EA",
        "first_name": "Claire",
        "surname": "Dubois",
        "contact_email": "c@example.com",
        "purchase_date": datetime.date(2026, 1, 5),
        "channel": "online",
    }
    fields.update(changes)
    return Registration.objects.create(**fields)


def test_a_unit_cannot_be_registered_twice(make_order) -> None:
    unit = CarePack.objects.filter(order=make_order().order).first()
    registration(unit, "SERIAL0001")

    with pytest.raises(IntegrityError), transaction.atomic():
        registration(unit, "SERIAL0002")


def test_a_sku_cannot_go_twice_on_one_serial_in_one_order(make_order) -> None:
    units = CarePack.objects.filter(order=make_order().order, product__sku="U4417PE")
    registration(units[0], "SERIAL0001")

    with pytest.raises(IntegrityError), transaction.atomic():
        registration(units[1], "SERIAL0001")


def test_a_cancelled_registration_frees_the_unit_and_serial(make_order) -> None:
    units = CarePack.objects.filter(order=make_order().order, product__sku="U4417PE")
    first = registration(units[0], "SERIAL0001")
    first.status = Registration.Status.CANCELLED
    first.save()

    registration(units[0], "SERIAL0001")

    assert Registration.objects.filter(carepack=units[0]).count() == 2


def test_the_same_sku_and_serial_may_appear_in_another_order(make_order) -> None:
    first = CarePack.objects.filter(order=make_order().order, product__sku="U4417PE")[0]
    second = CarePack.objects.filter(order=make_order().order, product__sku="U4417PE")[
        0
    ]
    registration(first, "SERIAL0001")

    registration(second, "SERIAL0001")

    assert Registration.objects.filter(serial_number="SERIAL0001").count() == 2
