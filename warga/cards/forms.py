from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from warga.core.forms import ChoicesForm, StyledForm

from .models import ItemResult, KtpStatus, ProofKind, RuleKind


def _set_queryset(form: forms.Form, name: str, queryset: Any) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class NikForm(StyledForm):
    nik = forms.RegexField(
        label=_("NIK"),
        regex=r"^\d{16}$",
        max_length=16,
        error_messages={"invalid": _("The NIK must be 16 digits.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class RecordingForm(ChoicesForm):
    recorded_at = forms.DateTimeField(
        label=_("Recorded at"), widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M"]
    )
    place_unit: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Office"),
        queryset=None,
        required=False,
        help_text=_("Leave empty for a recording in the field."),
    )
    outreach_event_id = forms.IntegerField(label=_("Outreach event number"), required=False, min_value=1)
    device_set = forms.CharField(label=_("Device set"), max_length=40)

    option_names = ("offices",)

    def setup(self, **options: Any) -> None:
        offices = options.get("offices")
        _set_queryset(self, "place_unit", offices)
        self.fields["recorded_at"].initial = timezone.localtime().strftime("%Y-%m-%dT%H:%M")


class StatusForm(StyledForm):
    status = forms.ChoiceField(
        label=_("Centre's outcome"),
        choices=[
            (s, KtpStatus(s).label) for s in (KtpStatus.PRR, KtpStatus.DUPLICATE, KtpStatus.ENROLMENT_FAILED)
        ],
    )
    occurred_at = forms.DateTimeField(label=_("Date"), widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M"])
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class ImportForm(StyledForm):
    file = forms.FileField(
        label=_("Export file (CSV or XLSX)"),
        help_text=_("Columns: NIK, status, date. The whole file is applied or nothing."),
    )


class TargetForm(ChoicesForm):
    area = forms.ChoiceField(label=_("Area"), required=False)
    on = forms.DateField(
        label=_("At date"),
        required=False,
        widget=DATE,
        help_text=_("For example election day: who will be 17 by then."),
    )

    option_names = ("areas",)

    def setup(self, **options: Any) -> None:
        areas = options.get("areas")
        field = self.fields["area"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = areas or []

    def clean_on(self) -> date | None:
        on = self.cleaned_data.get("on")
        if on is not None and not date(1990, 1, 1) <= on <= date(2200, 12, 31):
            raise forms.ValidationError(_("Choose a date between 1990 and 2200."))
        return on


class ExportForm(StyledForm):
    area = forms.CharField(widget=forms.HiddenInput)
    on = forms.DateField(widget=forms.HiddenInput, required=False)
    format = forms.ChoiceField(label=_("Format"), choices=[("csv", "CSV"), ("xlsx", "XLSX")])


class RequestForm(ChoicesForm):
    office: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("Office"), queryset=None)
    reference = forms.CharField(label=_("Letter number"), max_length=80)
    quantity_asked = forms.IntegerField(label=_("Quantity asked"), min_value=1)
    asked_on = forms.DateField(label=_("Asked on"), widget=DATE)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    option_names = ("offices",)

    def setup(self, **options: Any) -> None:
        offices = options.get("offices")
        _set_queryset(self, "office", offices)
        self.fields["asked_on"].initial = timezone.localdate()


class AllocationForm(ChoicesForm):
    office: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("Office"), queryset=None)
    request: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("For request"), queryset=None, required=False
    )
    quantity = forms.IntegerField(label=_("Quantity received"), min_value=1)
    received_on = forms.DateField(label=_("Received on"), widget=DATE)
    serial_from = forms.CharField(label=_("First serial"), max_length=32)
    serial_to = forms.CharField(label=_("Last serial"), max_length=32)

    option_names = ("offices", "requests")

    def setup(self, **options: Any) -> None:
        offices = options.get("offices")
        requests = options.get("requests")
        _set_queryset(self, "office", offices)
        _set_queryset(self, "request", requests)
        self.fields["received_on"].initial = timezone.localdate()


class TransferForm(ChoicesForm):
    from_office: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("From office"), queryset=None)
    to_office: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("To office"), queryset=None)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1)
    transferred_on = forms.DateField(label=_("Date"), widget=DATE)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    option_names = ("offices",)

    def setup(self, **options: Any) -> None:
        offices = options.get("offices")
        _set_queryset(self, "from_office", offices)
        _set_queryset(self, "to_office", offices)
        self.fields["transferred_on"].initial = timezone.localdate()


class CountForm(ChoicesForm):
    office: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("Office"), queryset=None)
    counted = forms.IntegerField(label=_("Blanks counted"))
    counted_on = forms.DateField(label=_("Date"), widget=DATE)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    option_names = ("offices",)

    def setup(self, **options: Any) -> None:
        offices = options.get("offices")
        _set_queryset(self, "office", offices)
        self.fields["counted_on"].initial = timezone.localdate()


class QueueForm(ChoicesForm):
    office: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("Printing office"), queryset=None)
    rule_set: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("Priority rules"), queryset=None)
    size = forms.IntegerField(
        label=_("Places in the batch"),
        min_value=1,
        max_value=50_000,
        help_text=_("Defaults to the blanks the office holds."),
        required=False,
    )

    option_names = ("offices", "rule_sets")

    def setup(self, **options: Any) -> None:
        offices = options.get("offices")
        rule_sets = options.get("rule_sets")
        _set_queryset(self, "office", offices)
        _set_queryset(self, "rule_set", rule_sets)


class RuleSetForm(ChoicesForm):
    name = forms.CharField(label=_("Name"), max_length=80)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    make_default = forms.BooleanField(label=_("Use as default"), required=False)

    def setup(self, **options: Any) -> None:
        for kind in RuleKind:
            self.fields[f"{kind.value}_on"] = forms.BooleanField(label=kind.label, required=False)
            self.fields[f"{kind.value}_position"] = forms.IntegerField(
                label=_("Order"), min_value=1, max_value=9, required=False
            )
            if kind != RuleKind.FAIR_SHARE:
                self.fields[f"{kind.value}_weight"] = forms.IntegerField(
                    label=_("Weight"), min_value=0, max_value=1000, required=False, initial=10
                )
        self.fields[f"{RuleKind.VOTER.value}_date"] = forms.DateField(
            label=_("Election date"), required=False, widget=DATE
        )

    def rule_rows(self) -> list[dict[str, Any]]:
        rows = []
        for kind in RuleKind:
            rows.append(
                {
                    "kind": kind,
                    "on": self[f"{kind.value}_on"],
                    "position": self[f"{kind.value}_position"],
                    "weight": self[f"{kind.value}_weight"] if kind != RuleKind.FAIR_SHARE else None,
                    "date": self[f"{kind.value}_date"] if kind == RuleKind.VOTER else None,
                }
            )
        return rows

    def rules(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        chosen = []
        for i, kind in enumerate(RuleKind):
            if not data.get(f"{kind.value}_on"):
                continue
            chosen.append(
                {
                    "kind": kind.value,
                    "position": data.get(f"{kind.value}_position") or i + 1,
                    "weight": data.get(f"{kind.value}_weight") if kind != RuleKind.FAIR_SHARE else 0,
                    "on_date": data.get(f"{kind.value}_date"),
                }
            )
        for r in chosen:
            if r["weight"] is None:
                r["weight"] = 10
        return sorted(chosen, key=lambda r: r["position"])


class ItemResultForm(StyledForm):
    result = forms.ChoiceField(
        label=_("Result"),
        choices=[(ItemResult.PRINTED, ItemResult.PRINTED.label), (ItemResult.SPOILED, _("Spoiled"))],
    )
    card_serial = forms.CharField(label=_("Card serial"), max_length=32, required=False)
    reason = forms.CharField(label=_("Reason (spoiled)"), max_length=200, required=False)


class SendForm(ChoicesForm):
    to_office: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Kecamatan office"), queryset=None
    )

    option_names = ("offices",)

    def setup(self, **options: Any) -> None:
        offices = options.get("offices")
        _set_queryset(self, "to_office", offices)


class HandoverForm(StyledForm):
    recipient_name = forms.CharField(label=_("Received by (name)"), max_length=120)
    recipient_is_resident = forms.BooleanField(
        label=_("The card holder in person"), required=False, initial=True
    )
    proof_kind = forms.ChoiceField(label=_("Proof"), choices=ProofKind.choices)
    proof_note = forms.CharField(
        label=_("Proof note"),
        max_length=200,
        help_text=_("E.g. KK number checked, photo file name, receipt book page."),
    )


class SuketForm(ChoicesForm):
    office: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("Issuing office"), queryset=None)
    valid_days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=366, initial=180)

    option_names = ("offices",)

    def setup(self, **options: Any) -> None:
        offices = options.get("offices")
        _set_queryset(self, "office", offices)


class SuketRevokeForm(StyledForm):
    # The service checks the length and answers with its own message.
    reason = forms.CharField(label=_("Reason for revoking"), max_length=200, required=False)


BULK_TEXT_MAX = 1_000_000  # 15,000 scanned serials with line breaks fit easily


class BatchResultsForm(StyledForm):
    """A batch's results in one step; which fields count depends on `mode`."""

    mode = forms.ChoiceField(
        choices=[("run", "run"), ("scan", "scan"), ("log", "log")], widget=forms.HiddenInput
    )
    first_serial = forms.CharField(label=_("Serial of the first blank used"), max_length=32, required=False)
    count = forms.IntegerField(
        label=_("Blanks used (empty: one for every waiting place)"),
        min_value=1,
        max_value=50_000,
        required=False,
    )
    scanned = forms.CharField(
        label=_("Scanned serials (one per line, in the printer's order)"),
        max_length=BULK_TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "autocomplete": "off", "spellcheck": "false"}),
    )
    spoiled = forms.CharField(
        label=_("Serials of the spoiled blanks (one per line)"),
        max_length=BULK_TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off", "spellcheck": "false"}),
    )
    log = forms.FileField(
        label=_("The printer's log (CSV or XLSX: serial, NIK or card id, status)"), required=False
    )
    log_rows = forms.CharField(max_length=BULK_TEXT_MAX * 4, required=False, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason for the spoiled prints"), max_length=200, required=False)
