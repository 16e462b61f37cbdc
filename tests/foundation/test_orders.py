from pathlib import Path

import pytest

from carepack.audit.models import AuditEvent
from carepack.notifications.models import OutgoingEmail
from carepack.orders.imports import import_orders
from carepack.orders.models import CarePack, Order
from carepack.orders.services import OrderError, create_order


def order_args(**changes: object) -> dict[str, object]:
    args: dict[str, object] = {
        "partner_po": "PPO-1",
        "customer_po": "CPO-1",
        "email": "claire@example.com",
        "language": "fr",
        "lines": {"u4417pe": 3, "U6578E": 2},
        "actor": "test",
    }
    args.update(changes)
    return args


def test_it_creates_one_unit_per_quantity(catalog: None) -> None:
    issued = create_order(**order_args())

    units = CarePack.objects.filter(order=issued.order)
    assert units.count() == 5
    assert set(units.values_list("status", flat=True)) == {"unregistered"}
    assert units.filter(product__sku="U4417PE").count() == 3
    assert AuditEvent.objects.filter(
        action="order.created", order=issued.order
    ).exists()


def test_it_queues_the_registration_email(catalog: None) -> None:
    issued = create_order(**order_args())

    email = OutgoingEmail.objects.get(order=issued.order)
    assert email.kind == "activation"
    assert email.recipient == "claire@example.com"
    assert "PPO-1" in email.subject and "CPO-1" in email.subject
    assert email.payload and issued.code.encode() not in bytes(email.payload)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"email": "not-an-address"}, "is not a valid e-mail address"),
        ({"email": "müller@example.com"}, "must use only ASCII characters"),
        ({"lines": {"NOPE1": 1}}, "Unknown Care Pack SKU: NOPE1"),
        ({"lines": {"U4417PE": 0}}, "at least 1"),
        ({"lines": {}}, "at least one Care Pack line"),
        ({"language": "de"}, "Language must be en or fr"),
        ({"partner_po": "  "}, "Reseller PO must be 1 to 60"),
    ],
)
def test_it_refuses_bad_orders(catalog: None, changes: dict, message: str) -> None:
    with pytest.raises(OrderError, match=message):
        create_order(**order_args(**changes))

    assert Order.objects.count() == 0


def test_the_same_pos_make_one_order(catalog: None) -> None:
    create_order(**order_args())

    with pytest.raises(OrderError, match="already exists"):
        create_order(**order_args(email="other@example.com"))

    assert Order.objects.count() == 1


ORDERS_CSV = """partner_po,customer_po,email,language,sku,quantity
PPO-A,CPO-A,a@example.com,fr,U4417PE,2
PPO-A,CPO-A,a@example.com,fr,U6578E,1
PPO-B,CPO-B,b@example.com,en,U7882E,4
PPO-C,CPO-C,c@example.com,en,U7882E,many
PPO-D,CPO-D,d@example.com,en,NOSUCH,1
"""


def test_import_orders_creates_each_order_once(catalog: None, tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(ORDERS_CSV)

    first = import_orders(path, actor="test")
    second = import_orders(path, actor="test")

    assert sorted(i.order.partner_po for i in first.created) == ["PPO-A", "PPO-B"]
    assert Order.objects.get(partner_po="PPO-A").units.count() == 3
    assert first.errors == [
        "line 5: quantity must be a whole number from 1, not “many”",
        "line 6: Unknown Care Pack SKU: NOSUCH. Import the catalogue first.",
    ]
    assert second.created == [] and second.existing == 2
    assert Order.objects.count() == 2
