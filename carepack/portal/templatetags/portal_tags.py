"""Template helpers for the portal's pages."""

from dataclasses import dataclass
from typing import Any

from django import forms, template
from django.forms.formsets import BaseFormSet
from django.utils.translation import gettext as _

from carepack.portal import access

register = template.Library()


@register.simple_tag(takes_context=True)
def granted_orders_count(context: template.Context) -> int:
    """How many orders this browser may open (for the header)."""
    request = context.get("request")
    return access.granted_count(request) if request is not None else 0


@dataclass(frozen=True)
class SummaryEntry:
    anchor: str
    label: str
    message: str


@register.inclusion_tag("portal/includes/error_summary.html")
def error_summary(*items: forms.BaseForm | BaseFormSet | None) -> dict[str, Any]:
    """One list of every error on the page, each linked to its field, for
    an error summary at the top of the form."""
    entries: list[SummaryEntry] = []
    for item in items:
        if isinstance(item, BaseFormSet):
            entries += _formset_entries(item)
        elif isinstance(item, forms.BaseForm):
            entries += _form_entries(item, "")
    return {"entries": entries}


def _formset_entries(formset: BaseFormSet) -> list[SummaryEntry]:
    entries = [SummaryEntry("", "", str(e)) for e in formset.non_form_errors()]
    for number, form in enumerate(formset.forms, start=1):
        prefix = _("Care Pack %(number)s") % {"number": number}
        entries += _form_entries(form, prefix)
    return entries


def _form_entries(form: forms.BaseForm, prefix: str) -> list[SummaryEntry]:
    if not form.is_bound:
        return []
    visible = form.visible_fields()
    first = visible[0].id_for_label if visible else ""
    entries = [
        SummaryEntry(first, prefix, str(error)) for error in form.non_field_errors()
    ]
    for field in form:
        if field.is_hidden and field.errors:
            entries += [SummaryEntry(first, prefix, str(e)) for e in field.errors]
            continue
        label = f"{prefix}, {field.label}" if prefix else str(field.label)
        entries += [
            SummaryEntry(field.id_for_label, label, str(e)) for e in field.errors
        ]
    return entries
