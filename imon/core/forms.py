from django import forms
from django.utils.translation import gettext_lazy as _

from .importers import FORMATS


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Statistics file"),
        help_text=_(
            "GENESIS flat file (CSV or ZIP), own CSV/XLSX template, Open SDG CSV, SDMX-CSV, or JSON as imon exports it."
        ),
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[("auto", _("detect automatically"))] + [(f, f) for f in FORMATS],
        initial="auto",
    )
    indicator = forms.CharField(
        label=_("Indicator key"),
        required=False,
        help_text=_("Only for Open SDG and SDMX files that do not name their indicator."),
    )
    replace = forms.BooleanField(label=_("Overwrite conflicting stored values"), required=False)
