from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from warga.core.errors import InvalidInput
from warga.core.forms import StyledForm, style_fields

from .models import InvitationScope
from .phones import normalize_msisdn

KTP_CHOICES = [
    ("not_recorded", _("KTP-el not recorded")),
    ("recorded", _("recorded, not printed")),
    ("prr", _("print-ready record (PRR)")),
    ("printed", _("printed")),
    ("sent_to_kecamatan", _("at the kecamatan office")),
    ("handed_over", _("handed over")),
    ("enrolment_failed", _("recording failed")),
    ("duplicate", _("duplicate recording")),
    ("not_required", _("not required yet")),
]


class BroadcastForm(StyledForm):
    name = forms.CharField(label=_("Name (for officers)"), max_length=120)
    text = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Variables: {nama}, {desa}, {kecamatan}, {rw}, {rt}, {tanggal}."),
    )
    area = forms.ChoiceField(label=_("Area"))
    rw = forms.IntegerField(label=_("RW"), required=False, min_value=1, max_value=999)
    rt = forms.IntegerField(label=_("RT"), required=False, min_value=1, max_value=999)
    min_age = forms.IntegerField(label=_("From age"), required=False, min_value=0, max_value=150)
    max_age = forms.IntegerField(label=_("To age"), required=False, min_value=0, max_value=150)
    sex = forms.ChoiceField(
        label=_("Sex"), required=False, choices=[("", _("everyone")), ("M", _("Male")), ("F", _("Female"))]
    )
    ktp_statuses = forms.MultipleChoiceField(
        label=_("KTP-el status"), required=False, choices=KTP_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    scheduled_for = forms.DateTimeField(
        label=_("Send at (empty: as soon as approved)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def __init__(self, *args: Any, areas: list[tuple[str, str]], **kwargs: Any):
        # Choices first, then styling: styling reads the bound form's errors (it validates).
        forms.Form.__init__(self, *args, **kwargs)
        self.fields["area"].choices = areas  # type: ignore[attr-defined]
        style_fields(self)

    def segment(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            k: data.get(k)
            for k in ("rw", "rt", "min_age", "max_age", "sex", "ktp_statuses")
            if data.get(k) not in (None, "", [])
        }


class ReasonForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class InvitationForm(StyledForm):
    nik = forms.CharField(label=_("NIK of the resident"), min_length=16, max_length=16)
    scope = forms.ChoiceField(label=_("Send to"), choices=InvitationScope.choices)
    text = forms.CharField(label=_("Invitation"), max_length=400, widget=forms.Textarea(attrs={"rows": 3}))


# What a resident can send, with an example each (the simulator and the public pages show them).
KEYWORD_EXAMPLES = [
    ("INFO", _("the list of keywords")),
    ("CEK 3214010101900001", _("is this NIK registered? (structure and register)")),
    ("KTP", _("the KTP-el status of the residents this number is verified for")),
    ("LAPOR jalan rusak di depan balai desa", _("a report to the office in charge")),
    ("UNDANG RT Pengajian Jumat malam di rumah Pak RT", _("a neighbourhood invitation, after approval")),
    ("DAFTAR", _("receive government broadcasts again")),
    ("BERHENTI", _("no more broadcasts to this number")),
]


class SimulatorSendForm(StyledForm):
    """An SMS typed by an administrator as if a resident's phone had sent it."""

    phone = forms.CharField(label=_("From phone number"), max_length=20)
    text = forms.CharField(label=_("Text"), max_length=480, widget=forms.Textarea(attrs={"rows": 2}))
    ref = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["ref"] = uuid.uuid4()  # a resend of the same form is stored once

    def clean_phone(self) -> str:
        try:
            return normalize_msisdn(self.cleaned_data["phone"])
        except InvalidInput as exc:
            raise forms.ValidationError(str(exc.message)) from exc

    def clean_ref(self) -> str:
        return str(self.cleaned_data["ref"])
