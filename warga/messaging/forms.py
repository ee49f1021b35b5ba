from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from warga.core.forms import StyledForm, style_fields

from .models import InvitationScope

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
