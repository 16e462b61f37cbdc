from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from carepack.orders.models import Order
from carepack.volume.uploads import read_form_token


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Registration file"),
        help_text=_(
            "The template filled in, or any file saved by Excel or LibreOffice: "
            ".xlsx, .xls, .ods, .txt or .csv."
        ),
        error_messages={"required": _("Choose the file to upload.")},
    )
    reply_email = forms.EmailField(
        label=_("Send the result to"),
        max_length=254,
        help_text=_(
            "This address receives the result, and is the contact for the "
            "registered Care Packs."
        ),
        error_messages={"invalid": _("Enter a valid e-mail address.")},
    )
    token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, order: Order, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order = order
        self.fields["file"].widget.attrs["accept"] = (
            ".xlsx,.xls,.ods,.txt,.csv,.tsv,text/plain,text/csv"
        )
        self.fields["reply_email"].widget.attrs["autocomplete"] = "email"

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.CAREPACK_UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise ValidationError(
                _(
                    "The file is %(size)s; at most %(limit)s can be uploaded. "
                    "Split it into several files."
                ),
                code="too_large",
                params={
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(limit),
                },
            )
        if upload.size == 0:
            raise ValidationError(_("The file is empty."), code="empty")
        return upload

    def clean_reply_email(self) -> str:
        email: str = self.cleaned_data["reply_email"].strip()
        if not email.rsplit("@", 1)[0].isascii():
            # Django's mail framework cannot send to such an address.
            raise ValidationError(
                _("The part before @ must use only ASCII characters."),
                code="non_ascii",
            )
        return email

    def clean_token(self) -> str:
        nonce = read_form_token(self.order, self.cleaned_data["token"])
        if nonce is None:
            raise ValidationError(
                _("This form has expired. Reload the page and upload again."),
                code="bad_token",
            )
        return nonce
