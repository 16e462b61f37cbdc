from typing import Any

from carepack.audit.models import AuditEvent


def record(actor: str, action: str, *, order: Any = None, **details: Any) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor[:200], action=action, order=order, details=details
    )
