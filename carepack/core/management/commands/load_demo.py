from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from carepack.catalog.services import import_catalog
from carepack.orders.models import Order
from carepack.orders.services import create_order, issue_code

DEMO = Path(__file__).resolve().parents[2] / "demo"


class Command(BaseCommand):
    help = "Load the demo catalogue and a demo order; print a fresh demo code."

    def handle(self, *args: Any, **options: Any) -> None:
        import_catalog(DEMO / "care-packs.csv", DEMO / "hardware.csv")
        order = Order.objects.filter(
            partner_po="DEMO-PPO-1", customer_po="DEMO-CPO-1"
        ).first()
        if order is None:
            issued = create_order(
                partner_po="DEMO-PPO-1",
                customer_po="DEMO-CPO-1",
                email="demo.customer@example.com",
                language="en",
                lines={"U4417PE": 5, "U6578E": 3, "U7882E": 10},
                actor="demo",
            )
        else:
            # Codes are stored as digests only: a fresh one is the only way
            # to show a working code again.
            issued = issue_code(order, actor="demo")
        self.stdout.write(
            f"demo order {issued.order.pk}: activation code {issued.code}"
        )
