"""Taking in an upload: store the file, create the batch, queue its task.

The batch and its task are created in one transaction (django-tasks-db
keeps the queue in the same database), so a batch never exists without a
task to process it, nor a task without its batch.
"""

import logging
import os
import uuid
from dataclasses import dataclass

from django.core import signing
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from carepack.audit.services import record
from carepack.orders.models import Order
from carepack.volume.models import UploadBatch

logger = logging.getLogger(__name__)

_SIGNING_SALT = "carepack.volume.upload"
_NAME_BYTES = 100


def issue_form_token(order: Order) -> str:
    """A one-time token for one upload form of this order."""
    return signing.Signer(salt=_SIGNING_SALT).sign(
        f"{order.public_id}:{uuid.uuid4().hex}"
    )


def read_form_token(order: Order, token: str) -> str | None:
    """The token's nonce, if we issued the token for this order."""
    try:
        value = signing.Signer(salt=_SIGNING_SALT).unsign(token)
    except signing.BadSignature:
        return None
    order_id, _, nonce = value.partition(":")
    if order_id != str(order.public_id) or not nonce:
        return None
    return nonce


@dataclass
class Accepted:
    batch: UploadBatch
    # False when the form had already been submitted: the batch is the one
    # the first submission made.
    created: bool


def accept_upload(
    order: Order,
    upload: File,  # type: ignore[type-arg]
    *,
    reply_email: str,
    channel: str,
    form_token: str | None = None,
    enqueue: bool = True,
) -> Accepted:
    """Store the file and create its batch (queued unless ``enqueue`` is
    False, for the CLI that processes it at once)."""
    if form_token:
        earlier = UploadBatch.objects.filter(form_token=form_token).first()
        if earlier is not None:
            return Accepted(earlier, created=False)

    name = _shortened(os.path.basename(upload.name or "upload"))
    stored = default_storage.save(_storage_name(name), upload)
    try:
        with transaction.atomic():
            batch = UploadBatch.objects.create(
                order=order,
                form_token=form_token or None,
                reply_email=reply_email,
                file=stored,
                original_name=name,
                size=upload.size or 0,
                channel=channel,
                heartbeat_at=timezone.now(),
            )
            if enqueue:
                _enqueue(batch)
            record(
                channel,
                "volume.batch_uploaded",
                order=order,
                batch=str(batch.public_id),
                file=name,
                size=batch.size,
            )
    except IntegrityError:
        default_storage.delete(stored)
        if not form_token:
            raise
        # The same form submitted twice at once: the other request won.
        return Accepted(UploadBatch.objects.get(form_token=form_token), created=False)
    logger.info(
        "batch created batch=%s order=%s size=%s", batch.pk, order.pk, batch.size
    )
    return Accepted(batch, created=True)


def _shortened(name: str, limit: int = 200) -> str:
    """The file name within ``limit`` characters, its extension kept."""
    if len(name) <= limit:
        return name
    stem, extension = os.path.splitext(name)
    extension = extension[:10]
    return stem[: limit - len(extension)] + extension


def _storage_name(name: str) -> str:
    """A folder of its own, and the customer's file name cut to 100 bytes:
    file systems refuse names past 255 bytes, which 200 accented letters
    already pass."""
    stem, extension = os.path.splitext(name)
    extension = extension if len(extension.encode()) <= 10 else ""
    room = _NAME_BYTES - len(extension.encode())
    stem = stem.encode()[:room].decode(errors="ignore") or "upload"
    return f"uploads/{timezone.now():%Y/%m}/{uuid.uuid4().hex}/{stem}{extension}"


def _enqueue(batch: UploadBatch) -> None:
    from carepack.volume.tasks import process_upload

    result = process_upload.enqueue(batch.pk)
    batch.task_id = str(result.id)
    batch.save(update_fields=["task_id"])
