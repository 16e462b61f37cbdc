"""The portal's forms. They parse what was typed; the registration rules
themselves live in ``carepack.registrations.rules`` and their errors are
attached to the fields here."""

import datetime
import secrets
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from carepack.orders.models import CarePack, OrderLine
from carepack.registrations.rules import Field, Line, LineError

if TYPE_CHECKING:
    # django-stubs' helper package is a development dependency only.
    from django_stubs_ext import StrOrPromise

# Online registration is for a handful of packs; more go by volume file.
MAX_PACKS = 50
ONE_TIME_KEY_SHAPE = r"^[A-Za-z0-9_-]{32,64}$"

# The field a rule's error is shown beside when it is not the rule's own
# field: a pack that does not fit the product is fixed by the product
# number (or by choosing another pack).
FIELD_FOR_CODE = {"category_mismatch": Field.PRODUCT}


class ActivationForm(forms.Form):
    code = forms.CharField(
        label=_("Activation code"),
        max_length=100,
        help_text=_(
            "Copy it from the e-mail you received. Capitals, spaces and dashes "
            "do not matter."
        ),
        error_messages={
            "required": _("Enter the activation code from the e-mail."),
            "max_length": _(
                "This is longer than any activation code: copy only the code."
            ),
        },
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "class": "input-code",
            }
        ),
    )


class ChooseForm(forms.Form):
    """How many packs of each SKU to register now."""

    def __init__(self, lines: Sequence[OrderLine], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = [line for line in lines if _left(line) > 0]
        for index, line in enumerate(self.lines):
            self.fields[f"count_{index}"] = forms.IntegerField(
                label=_("Number of %(sku)s Care Packs to register")
                % {"sku": line.product.sku},
                min_value=0,
                max_value=min(_left(line), MAX_PACKS),
                required=False,
                initial=0,
                widget=forms.NumberInput(attrs={"class": "input-count"}),
            )

    def rows(self) -> list[tuple[OrderLine, forms.BoundField]]:
        return [(line, self[f"count_{i}"]) for i, line in enumerate(self.lines)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        total = sum(value or 0 for value in cleaned.values())
        if total == 0 and not self.errors:
            raise ValidationError(
                _("Choose at least one Care Pack to register."), code="nothing"
            )
        if total > MAX_PACKS:
            raise ValidationError(
                ngettext(
                    "Register at most %(max)s Care Pack at a time online; use "
                    "volume registration for more.",
                    "Register at most %(max)s Care Packs at a time online; use "
                    "volume registration for more.",
                    MAX_PACKS,
                )
                % {"max": MAX_PACKS},
                code="too_many",
            )
        return cleaned

    def chosen_skus(self) -> list[str]:
        """One SKU per pack to fill in, in the order of the lines."""
        chosen: list[str] = []
        for index, line in enumerate(self.lines):
            count = self.cleaned_data.get(f"count_{index}") or 0
            chosen.extend([line.product.sku] * count)
        return chosen


def _left(line: OrderLine) -> int:
    return int(getattr(line, "left", 0))


def _text(
    label: "StrOrPromise", *, required: bool = True, maxlength: int = 100, **attrs: str
) -> forms.CharField:
    """A text field whose rules are checked by the registration rules, not
    here: the form only marks it as required in the page."""
    widget_attrs = {"maxlength": str(maxlength), **attrs}
    if required:
        widget_attrs["required"] = "required"
    return forms.CharField(
        label=label, required=False, widget=forms.TextInput(attrs=widget_attrs)
    )


def _code(label: "StrOrPromise") -> forms.CharField:
    """An identifier as printed on a label: typed in capitals, neither
    completed nor spell-checked by the browser."""
    return _text(
        label,
        maxlength=40,
        autocomplete="off",
        autocapitalize="characters",
        spellcheck="false",
    )


class PackForm(forms.Form):
    """The unit and owner of one Care Pack."""

    sku = forms.CharField(required=False, widget=forms.HiddenInput)
    serial_number = _code(_("Unit serial number"))
    product_number = _code(_("Product number"))
    first_name = _text(_("Title/first name"), autocomplete="given-name")
    surname = _text(_("Surname"), autocomplete="family-name")
    company = _text(
        _("Company (optional)"),
        required=False,
        maxlength=200,
        autocomplete="organization",
    )
    contact_email = forms.CharField(
        label=_("Contact e-mail"),
        required=False,
        widget=forms.EmailInput(
            attrs={"maxlength": "254", "autocomplete": "email", "required": "required"}
        ),
    )
    purchase_date = forms.DateField(
        label=_("Hardware purchase date"),
        required=False,
        # The date input sends ISO dates; typed by hand, 01/02/2026 means a
        # different day in English and in French, so only ISO is taken.
        input_formats=["%Y-%m-%d"],
        error_messages={
            "invalid": _("Enter the date as year-month-day, for example 2026-03-15.")
        },
        widget=forms.DateInput(
            attrs={"type": "date", "required": "required"}, format="%Y-%m-%d"
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["serial_number"].help_text = _(
            "As printed on the unit's label, for example 5CD3301K11."
        )
        self.fields["product_number"].help_text = _(
            "The machine's product number, for example 2Y2D5EA or 2Y2D5EA#ABF."
        )
        today = datetime.date.today().isoformat()
        self.fields["purchase_date"].widget.attrs["max"] = today

    def sku_value(self) -> str:
        value = self["sku"].value()
        return str(value or "")

    def visible(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name != "sku"]

    def to_line(self) -> Line:
        """The typed values; a field that did not parse counts as empty."""
        data = getattr(self, "cleaned_data", {})
        return Line(
            serial_number=data.get("serial_number") or "",
            product_number=data.get("product_number") or "",
            carepack_sku=data.get("sku") or "",
            first_name=data.get("first_name") or "",
            surname=data.get("surname") or "",
            company=data.get("company") or "",
            contact_email=data.get("contact_email") or "",
            purchase_date=data.get("purchase_date"),
        )

    def add_line_errors(self, errors: Iterable[LineError]) -> None:
        """Show each rule's error beside its field, once per field."""
        for error in errors:
            name: str | None = FIELD_FOR_CODE.get(error.code, error.field)
            if name not in self.fields or name == "sku":
                name = None
            if name is not None and self.has_error(name):
                continue
            self.add_error(name, ValidationError(error.message, code=error.code))


PackFormSet = forms.formset_factory(
    PackForm,
    extra=0,
    max_num=MAX_PACKS,
    absolute_max=MAX_PACKS,
    validate_max=True,
)


class TokenForm(forms.Form):
    """The one-time token that makes a double click register once."""

    token = forms.CharField(
        widget=forms.HiddenInput,
        validators=[
            RegexValidator(
                ONE_TIME_KEY_SHAPE,
                message=_("This form has expired: check the details and submit again."),
            )
        ],
        error_messages={
            "required": _("This form has expired: check the details and submit again.")
        },
    )

    @staticmethod
    def fresh() -> "TokenForm":
        return TokenForm(initial={"token": secrets.token_urlsafe(32)})

    def renewed(self) -> "TokenForm":
        """A new token that still shows why the old one was refused."""
        renewed = TokenForm({"token": secrets.token_urlsafe(32)})
        renewed.is_valid()
        for error in self.errors.get("token", []):
            renewed.add_error(None, error)
        return renewed


class UnitSearchForm(forms.Form):
    """Filters of the order page's list of units."""

    serial = forms.CharField(
        label=_("Serial number"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"type": "search", "spellcheck": "false"}),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("all"))],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        status = self.fields["status"]
        assert isinstance(status, forms.ChoiceField)
        status.choices = [("", _("all")), *CarePack.Status.choices]
