from django import forms
from django.utils.translation import gettext_lazy as _

from carepack.orders.models import Order


class OrderCreateForm(forms.Form):
    """The vendor's order form in the back-office; ``create_order`` does the
    work, so the admin and the CLI apply the same rules."""

    partner_po = forms.CharField(label=_("Reseller PO"), max_length=60)
    customer_po = forms.CharField(label=_("Customer PO"), max_length=60)
    email = forms.EmailField(label=_("Recipient e-mail"))
    language = forms.ChoiceField(label=_("Language"), choices=Order.Language.choices)
    lines = forms.CharField(
        label=_("Care Packs"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One line per Care Pack: SKU=QUANTITY, for example U4417PE=20."),
    )

    def clean_lines(self) -> dict[str, int]:
        lines: dict[str, int] = {}
        for number, text in enumerate(self.cleaned_data["lines"].splitlines(), 1):
            if not text.strip():
                continue
            sku, sep, quantity = text.partition("=")
            if not sep or not sku.strip() or not quantity.strip().isdigit():
                raise forms.ValidationError(
                    _("Line %(number)s: write SKU=QUANTITY, for example U4417PE=20."),
                    code="bad_line",
                    params={"number": number},
                )
            key = sku.strip().upper()
            lines[key] = lines.get(key, 0) + int(quantity)
        return lines
