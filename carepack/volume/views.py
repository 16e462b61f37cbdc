"""Volume registration pages: upload, batch progress, downloads.

Every view starts with ``require_order`` (a 404 unless this browser
activated the order) and finds the batch within that order only.
"""

import os
import tempfile
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from carepack.orders.models import Order
from carepack.portal.access import require_order
from carepack.volume import results, template
from carepack.volume.forms import UploadForm
from carepack.volume.models import UploadBatch
from carepack.volume.refusals import refusal_message
from carepack.volume.uploads import Accepted, accept_upload, issue_form_token

Status = UploadBatch.Status
FINISHED = (Status.DONE, Status.REFUSED, Status.FAILED)
RECENT_BATCHES = 10


def _batch(order: Order, batch_id: uuid.UUID) -> UploadBatch:
    return get_object_or_404(UploadBatch, order=order, public_id=batch_id)


@never_cache
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    order = require_order(request, public_id)
    form = UploadForm(request.POST or None, request.FILES or None, order=order)
    if request.method == "POST" and form.is_valid():
        accepted = accept_upload(
            order,
            form.cleaned_data["file"],
            reply_email=form.cleaned_data["reply_email"],
            channel="web",
            form_token=form.cleaned_data["token"],
        )
        if accepted.batch.order_id != order.pk:
            raise Http404
        if not accepted.created and _another_file(form.cleaned_data["file"], accepted):
            # The same form sent again with another file (Back, pick the
            # right file, send): one form is one batch, so say what happened.
            messages.warning(
                request,
                _(
                    "This form had already been sent with “%(name)s”, so the "
                    "file you just chose was not taken. To upload it, open the "
                    "volume registration page again."
                )
                % {"name": accepted.batch.original_name},
            )
        return redirect(
            "volume:batch", public_id=order.public_id, batch_id=accepted.batch.public_id
        )

    token = request.POST.get("token") if "token" not in form.errors else None
    context = {
        "order": order,
        "form": form,
        "token": token or issue_form_token(order),
        "reply_email": form["reply_email"].value() or order.email,
        "limits": _limits(),
        "batches": order.batches.all()[:RECENT_BATCHES],
        "skus": _skus(order),
    }
    return render(request, "volume/upload.html", context, status=_status(form))


def _another_file(upload: UploadedFile, accepted: Accepted) -> bool:
    """Whether a form sent again carried another file than its batch's (the
    stored name may be shortened, so compare sizes and name starts)."""
    name = os.path.basename(upload.name or "")
    batch = accepted.batch
    return upload.size != batch.size or name[:40] != batch.original_name[:40]


def _status(form: UploadForm) -> int:
    return 400 if form.is_bound and form.errors else 200


def _limits() -> dict[str, int]:
    return {
        "max_bytes": settings.CAREPACK_UPLOAD_MAX_BYTES,
        "max_rows": settings.CAREPACK_UPLOAD_MAX_ROWS,
    }


def _skus(order: Order) -> list[str]:
    return list(order.lines.values_list("product__sku", flat=True))


@never_cache
@require_GET
def batch(
    request: HttpRequest, public_id: uuid.UUID, batch_id: uuid.UUID
) -> HttpResponse:
    order = require_order(request, public_id)
    found = _batch(order, batch_id)
    context = {
        "order": order,
        "batch": found,
        "progress": _progress(found),
        "finished": found.status in FINISHED,
        "refusal": _refusal(found),
    }
    return render(request, "volume/batch.html", context)


def _refusal(found: UploadBatch) -> str:
    """Why the file was refused, in the language of this page (the stored
    message is in the order's language, for the e-mail)."""
    if found.status == Status.REFUSED and found.error_code:
        return refusal_message(found.error_code, found.error_params)
    return found.error_message


@never_cache
@require_GET
def progress(
    request: HttpRequest, public_id: uuid.UUID, batch_id: uuid.UUID
) -> JsonResponse:
    order = require_order(request, public_id)
    return JsonResponse(_progress(_batch(order, batch_id)))


def _progress(found: UploadBatch) -> dict[str, object]:
    finished = found.status in FINISHED
    if found.lines:
        percent = min(100, found.processed * 100 // found.lines)
    else:
        percent = 100 if finished else 0
    return {
        "status": found.status,
        "status_label": str(found.get_status_display()),
        "finished": finished,
        "percent": percent,
        "lines": found.lines,
        "processed": found.processed,
        "registered": found.registered,
        "already_registered": found.already_registered,
        "errors": found.errors,
        "skipped": found.skipped,
    }


@require_GET
def template_xlsx(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    order = require_order(request, public_id)
    # The instructions sheet speaks the order's language, as its e-mails do.
    with translation.override(order.language):
        content = template.template_xlsx(_skus(order))
    return _download(content, results.XLSX_TYPE, _("registration-template") + ".xlsx")


@require_GET
def template_txt(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    require_order(request, public_id)
    content = template.template_txt()
    return _download(content, "text/plain", _("registration-template") + ".txt")


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@never_cache
@require_GET
def error_file(
    request: HttpRequest, public_id: uuid.UUID, batch_id: uuid.UUID
) -> HttpResponseBase:
    order = require_order(request, public_id)
    found = _batch(order, batch_id)
    if found.status not in FINISHED:
        return _not_ready(request, order, found)
    if not found.error_file:
        raise Http404
    # Named as in the e-mail that attached it: in the order's language.
    with translation.override(order.language):
        filename = results.error_file_name(found)
    return FileResponse(
        default_storage.open(found.error_file, "rb"),
        as_attachment=True,
        filename=filename,
        content_type=results.error_file_type(found),
    )


def _not_ready(request: HttpRequest, order: Order, found: UploadBatch) -> HttpResponse:
    """A download asked for before the file is processed (a link kept from
    an earlier visit): say so, rather than "not found"."""
    context = {"order": order, "batch": found}
    return render(request, "volume/not_ready.html", context, status=409)


@never_cache
@require_GET
def report(
    request: HttpRequest, public_id: uuid.UUID, batch_id: uuid.UUID, kind: str
) -> HttpResponseBase:
    """The full report, as ``xlsx`` or ``csv`` (the URL says which)."""
    order = require_order(request, public_id)
    found = _batch(order, batch_id)
    if found.status not in FINISHED:
        return _not_ready(request, order, found)
    if found.status == Status.REFUSED:
        raise Http404  # a refused file has no lines to report
    handle, name = tempfile.mkstemp(suffix=f".{kind}")
    os.close(handle)
    path = Path(name)
    try:
        # In the order's language, like the error file and the e-mail: the
        # lines' messages were written in it.
        with translation.override(order.language):
            results.write_report(found, path, kind)
            filename = results.report_file_name(found, kind)
        # Unlinked at once: the open handle keeps the content readable
        # until the response is sent and closes it.
        stream = path.open("rb")
    finally:
        path.unlink()
    return FileResponse(
        stream,
        as_attachment=True,
        filename=filename,
        content_type=results.XLSX_TYPE if kind == "xlsx" else "text/csv",
    )
