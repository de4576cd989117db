from django import forms
from django.utils.translation import gettext_lazy as _


class SnapshotForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=300,
        initial="Umsetzungsbericht",
        help_text=_('E.g. "1. Umsetzungsbericht".'),
    )
    reporting_date = forms.DateField(
        label=_("Reporting date"),
        help_text=_("Observations up to this date are included, e.g. 16.09.2019."),
        input_formats=["%d.%m.%Y", "%Y-%m-%d"],
    )
