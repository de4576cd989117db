from decimal import Decimal
from typing import cast

from django import forms
from django.forms import BoundField
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from imon.core import models as m
from imon.core import periods
from imon.core.numbers import format_number

from . import logic
from .models import StatusUpdate
from .services import MEASURE_FIELDS, UPDATE_FIELDS

DATE_FORMATS = ["%d.%m.%Y", "%Y-%m-%d"]


def _choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    """A form field made from a model field with choices (a ChoiceField)."""
    return cast(forms.ChoiceField, form.fields[name])


class GermanNumberField(forms.Field):
    """A figure typed the German way (0,5; 1.234,50) in a text input: browsers' number inputs drop
    or misread the decimal comma. Read by `logic.parse_figure`, the rule of the spreadsheet import;
    shown the German way (money with two decimals)."""

    def __init__(self, *, whole=False, places=2, decimals=None, grouping=True, **kwargs):
        self.whole, self.places, self.decimals, self.grouping = whole, places, decimals, grouping
        mode = "numeric" if whole else "decimal"
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": mode, "autocomplete": "off"}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            return format_number(Decimal(value), self.decimals, self.grouping)
        return value  # as typed, when the form comes back with an error

    def to_python(self, value):
        try:
            return logic.parse_figure(value, whole=self.whole, places=self.places)
        except ValueError as error:
            raise forms.ValidationError(str(error), code="invalid") from None


class PeriodField(forms.Field):
    """A date as precise as the city knows it (2025, 2. Halbjahr 2024, 3. Quartal 2024, 03/2025,
    14.03.2025; "fortlaufend" where `open_allowed`), read by `periods.parse`; shown as written."""

    def __init__(self, *, open_allowed=False, **kwargs):
        self.open_allowed = open_allowed
        kwargs.setdefault("widget", forms.TextInput(attrs={"autocomplete": "off"}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return periods.format_period(value) if isinstance(value, periods.Period) else (value or "")

    def to_python(self, value):
        if value in (None, "") or (isinstance(value, str) and not value.strip()):
            return None
        try:
            return periods.parse(value, open_allowed=self.open_allowed)
        except periods.PeriodError as error:
            raise forms.ValidationError(str(error), code="invalid") from None


# The dates of a measure: form field -> (precision attribute, edge of the period it stores).
PERIOD_FIELDS = {"start_date": ("start_precision", "start"), "end_date": ("end_precision", "end")}


# The controlling figures and the progress: (whole number, decimals shown, thousands dots shown).
NUMBER_FIELDS = {
    "progress": (True, None, False),
    "participants": (True, None, True),
    "hours": (True, None, True),
    "staff": (False, None, False),
    "cost": (False, 2, True),
    "funding": (False, 2, True),
}


def limit_texts(form: forms.BaseForm) -> None:
    """Give the form's long text fields their limit (`logic.TEXT_LIMITS`), checked on the server
    with a message; the browser is not told (a maxlength attribute cuts pasted text silently)."""
    for name, limit in logic.TEXT_LIMITS.items():
        key = "next_steps_text" if name == "next_steps" else name
        if key in form.fields:
            form.fields[key].validators.append(TextLimit(limit))


class TextLimit:
    def __init__(self, limit: int):
        self.limit = limit

    def __call__(self, value):
        error = logic.too_long(value, self.limit)
        if error:
            raise forms.ValidationError(error, code="max_length")


class LockedForm(forms.ModelForm):
    """A form with the version it was loaded at and the moment it was loaded, for optimistic locking."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    seen_at = forms.DateTimeField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_texts(self)
        for name, (whole, decimals, grouping) in NUMBER_FIELDS.items():
            if name in self.fields:
                old = self.fields[name]
                self.fields[name] = GermanNumberField(
                    whole=whole,
                    decimals=decimals,
                    grouping=grouping,
                    label=old.label,
                    required=old.required,
                    help_text=old.help_text or (_("Whole number.") if whole else _("E.g. 0,5 or 1.234,50.")),
                )

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if (
            data.get("traffic_light") in ("yellow", "red")
            and not (data.get("traffic_light_reason") or "").strip()
        ):
            self.add_error("traffic_light_reason", _("A yellow or red traffic light needs a reason."))
        return data

    def values(self) -> dict:
        return {f: self.cleaned_data[f] for f in self._meta.fields or ()}


class MeasureForm(LockedForm):
    class Meta:
        model = m.Measure
        fields = MEASURE_FIELDS
        widgets = {
            **{
                f: forms.Textarea(attrs={"rows": 3})
                for f in (
                    "description",
                    "partners",
                    "traffic_light_reason",
                    "results",
                    "obstacles",
                    "effect",
                    "note",
                )
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _choice_field(self, "traffic_light").choices = [("", _("no traffic light"))] + list(
            m.Measure.TrafficLight.choices
        )
        for name, (precision, edge) in PERIOD_FIELDS.items():
            old = self.fields[name]
            self.fields[name] = PeriodField(
                open_allowed=edge == "end",
                label=old.label,
                required=False,
                help_text=_(
                    "As precise as known: 2025, 2. Halbjahr 2025, 3. Quartal 2025, 03/2025 or 31.03.2025."
                )
                + (" " + _("'fortlaufend' for an open end.") if edge == "end" else ""),
            )
            if not self.is_bound:
                stored = getattr(self.instance, name)
                self.initial[name] = periods.from_stored(stored, getattr(self.instance, precision), edge)

    def clean(self):
        data = super().clean()
        # The model keeps a period as its first or last day and its precision (`values`).
        self.periods = {name: data.get(name) for name in PERIOD_FIELDS}
        start, end = self.periods["start_date"], self.periods["end_date"]
        if start and end and start.first and end.last and end.last < start.first:
            self.add_error("end_date", _("The end must not lie before the start."))
        for name, (_precision, edge) in PERIOD_FIELDS.items():
            if name in data:
                data[name] = self.periods[name].stored(edge) if self.periods[name] else None
        return data

    def values(self) -> dict:
        values = super().values()
        for name, (precision, _edge) in PERIOD_FIELDS.items():
            period = self.periods[name]
            values[precision] = period.precision if period else m.DatePrecision.DAY
        return values


def shown_value(update: StatusUpdate, name: str) -> str:
    """A field of a status update as a person reads it: choice labels, German numbers (progress
    with "%"), next steps one per line as the form takes them; "–" when empty."""
    if name == "next_steps_text":
        return "\n".join(logic.next_step_line(s) for s in update.next_steps) or "–"
    value = getattr(update, name)
    if value is None or value == "":
        return "–"
    field = StatusUpdate._meta.get_field(name)
    if getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))  # type: ignore[union-attr]
    if name in NUMBER_FIELDS:
        text = format_number(Decimal(value), NUMBER_FIELDS[name][1], NUMBER_FIELDS[name][2])
        return f"{text} %" if name == "progress" else text
    return str(value)


class WithPrevious(BoundField):
    """A field of the status update form that also carries the value of the previous cycle: shown
    beside the field and read out with it (aria-describedby)."""

    @property
    def previous(self) -> str | None:
        return self.form.previous_values.get(self.name)  # type: ignore[attr-defined]

    @property
    def aria_describedby(self):
        ids = super().aria_describedby
        if ids is not None and self.previous is not None and self.auto_id:
            ids = f"{ids} {self.auto_id}_previous".strip()
        return ids


class StatusUpdateForm(LockedForm):
    """The owner's status update. With `previous` (the accepted status update of the same measure
    in the cycle before), every field shows what was reported then."""

    bound_field_class = WithPrevious
    next_steps_text = forms.CharField(
        label=_("Next steps"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "One step per line: text | due date | responsible. Date and responsible are optional; the date as precise as known (31.03.2025, 03/2025, 3. Quartal 2025, 2. Halbjahr 2025, 2025)."
        ),
    )

    class Meta:
        model = StatusUpdate
        fields = UPDATE_FIELDS
        widgets = {
            f: forms.Textarea(attrs={"rows": 3})
            for f in ("traffic_light_reason", "results", "obstacles", "effect")
        }

    def __init__(self, *args, previous: StatusUpdate | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.previous_cycle = previous.cycle if previous else None
        self.previous_values = (
            {name: shown_value(previous, name) for _legend, names in self.GROUPS for name in names}
            if previous
            else {}
        )
        if not self.is_bound:
            self.initial["next_steps_text"] = "\n".join(
                logic.next_step_line(s) for s in self.instance.next_steps
            )
        self.fields["progress"].help_text = _("0 to 100; empty: the default of the status counts.")
        self.fields["traffic_light_reason"].help_text = _("Required for yellow and red.")
        _choice_field(self, "traffic_light").choices = [("", _("no traffic light"))] + list(
            m.Measure.TrafficLight.choices
        )

    GROUPS = [
        (_("Status and traffic light"), ["status", "progress", "traffic_light", "traffic_light_reason"]),
        (_("Results and next steps"), ["results", "obstacles", "next_steps_text"]),
        (_("Controlling figures"), ["participants", "staff", "hours", "cost", "funding", "effect"]),
    ]

    def groups(self):
        """(legend, bound fields) for the form's fieldsets."""
        return [(legend, [self[name] for name in names]) for legend, names in self.GROUPS]

    def clean_next_steps_text(self):
        steps, errors = logic.parse_next_steps(self.cleaned_data["next_steps_text"])
        if errors:
            raise forms.ValidationError(errors)
        self.cleaned_steps = steps
        return self.cleaned_data["next_steps_text"]

    def values(self) -> dict:
        return {**super().values(), "next_steps": getattr(self, "cleaned_steps", [])}


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept")), ("return", _("Return to the owner"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when returning: what should the owner change?"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_texts(self)

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("decision") == "return" and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Say why the status update is returned: the comment is required."))
        return data


class CycleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300, help_text=_('E.g. "2. Umsetzungsbericht".'))
    reporting_date = forms.DateField(
        label=_("Reporting date"), input_formats=DATE_FORMATS, help_text=_("As TT.MM.JJJJ, e.g. 31.12.2026.")
    )
    deadline = forms.DateField(
        label=_("Deadline for status updates"),
        input_formats=DATE_FORMATS,
        help_text=_("As TT.MM.JJJJ, e.g. 31.12.2026."),
    )
    remind_days_before = forms.IntegerField(
        label=_("Reminders from … days before the deadline"),
        min_value=0,
        max_value=365,
        initial=7,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("Owners whose status update is not submitted get an e-mail from then on."),
    )
    remind_every_days = forms.IntegerField(
        label=_("Remind every … days"),
        min_value=1,
        max_value=365,
        initial=1,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("1: daily; 7: weekly."),
    )

    def clean_remind_days_before(self):  # empty: the default
        value = self.cleaned_data["remind_days_before"]
        return self.fields["remind_days_before"].initial if value is None else value

    def clean_remind_every_days(self):
        value = self.cleaned_data["remind_every_days"]
        return self.fields["remind_every_days"].initial if value is None else value

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        error = logic.deadline_error(deadline, timezone.localdate())
        if error:
            raise forms.ValidationError(error)
        return deadline


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet (XLSX)"), help_text=_("The file exported from this cycle, edited offline.")
    )


class DeadlineForm(forms.Form):
    deadline = forms.DateField(
        label=_("New deadline"),
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(format="%d.%m.%Y"),
        help_text=_(
            "As TT.MM.JJJJ, e.g. 31.12.2026. Owners are not e-mailed; reminders follow the new date."
        ),
    )

    remind_days_before = CycleForm.base_fields["remind_days_before"]
    remind_every_days = CycleForm.base_fields["remind_every_days"]

    clean_deadline = CycleForm.clean_deadline
    clean_remind_days_before = CycleForm.clean_remind_days_before
    clean_remind_every_days = CycleForm.clean_remind_every_days


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)


class MeasureChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.key} – {obj.title}"


class FieldChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} – {obj.title}"


class RolesForm(forms.Form):
    """The roles of one person; the role groups are named by the permission that defines them."""

    office = forms.BooleanField(
        label=_("Office administration"),
        required=False,
        help_text=_("Administers everything: people, reporting cycles, reviews of status updates."),
    )
    reviewer = forms.BooleanField(
        label=_("Reviewer"),
        required=False,
        help_text=_("Reads everything and approves reporting cycles."),
    )
    measures = MeasureChoice(
        label=_("Owner of the measures"),
        queryset=m.Measure.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Reports on these measures. A deputy is simply a second owner of the measure."),
    )
    fields_of_action = FieldChoice(
        label=_("Editor of the fields of action"),
        queryset=m.FieldOfAction.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Edits and reviews every measure of these fields of action."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        measures = cast(forms.ModelMultipleChoiceField, self.fields["measures"])
        measures.queryset = m.Measure.objects.filter(retired=None).order_by("key")
        fields = cast(forms.ModelMultipleChoiceField, self.fields["fields_of_action"])
        fields.queryset = m.FieldOfAction.objects.filter(retired=None).order_by(
            "concept__key", "order", "code"
        )


class UserChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        name = obj.get_full_name()
        return f"{name} ({obj.get_username()})" if name else obj.get_username()


class OwnersForm(forms.Form):
    owners = UserChoice(
        label=_("Owners"),
        queryset=m.Measure.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Everyone ticked reports on this measure; a second owner can act as deputy."),
    )

    def __init__(self, *args, **kwargs):
        from django.contrib.auth import get_user_model

        super().__init__(*args, **kwargs)
        owners = cast(forms.ModelMultipleChoiceField, self.fields["owners"])
        owners.queryset = get_user_model().objects.filter(is_active=True).order_by("username")
