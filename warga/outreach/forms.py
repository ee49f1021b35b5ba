from __future__ import annotations

from datetime import timedelta
from typing import Any, TypeVar

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from warga.accounts.models import User
from warga.core.forms import StyledForm
from warga.core.scoping import Actor
from warga.regions.models import Region

from .models import Service, Team, VehicleKind
from .selectors import desa_choices, field_officers, kecamatan_choices, teams_visible

DATE = forms.DateInput(attrs={"type": "date"})


def _area_choices(actor: Actor) -> list[tuple[str, str]]:
    choices = []
    if actor.area_code:
        own = Region.objects.filter(code=actor.area_code).first()
        if own is not None:
            choices.append((own.code, own.display_name))
    choices += [(r.code, r.display_name) for r in kecamatan_choices(actor=actor) if r.code != actor.area_code]
    return choices


F = TypeVar("F", bound=forms.Field)


def _field(form: forms.Form, name: str, kind: type[F]) -> F:
    field = form.fields[name]
    assert isinstance(field, kind)
    return field


class ActorForm(StyledForm):
    """A form whose choice lists depend on the acting officer."""

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.setup(actor)

    def setup(self, actor: Actor) -> None:
        """Fill in the officer's choice lists."""


class TeamForm(ActorForm):
    name = forms.CharField(label=_("Team name"), max_length=80)
    area = forms.ChoiceField(label=_("Area served"))
    members = forms.ModelMultipleChoiceField(
        label=_("Members"), queryset=User.objects.none(), widget=forms.SelectMultiple(attrs={"size": 6})
    )
    capacity_per_day = forms.IntegerField(
        label=_("People served per day"), min_value=1, max_value=500, initial=60
    )
    vehicles = forms.CharField(
        label=_("Vehicles"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_('One per line: "motorbike" or "car", then the plate, e.g. "motorbike Z 1234 AB".'),
    )
    equipment = forms.CharField(
        label=_("Equipment sets"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            'One per line: the code, then a description, e.g. "KIT-01 camera, scanners, signature pad".'
        ),
    )

    def setup(self, actor: Actor) -> None:
        _field(self, "area", forms.ChoiceField).choices = _area_choices(actor)
        _field(self, "members", forms.ModelMultipleChoiceField).queryset = field_officers(actor=actor)

    def clean_vehicles(self) -> list[tuple[str, str]]:
        kinds = {str(label).lower(): code for code, label in VehicleKind.choices} | {
            c: c for c in VehicleKind.values
        }
        result = []
        for line in self.cleaned_data["vehicles"].splitlines():
            if not line.strip():
                continue
            kind, _sep, plate = line.strip().partition(" ")
            if kind.lower() not in kinds or not plate.strip():
                raise forms.ValidationError(
                    _("Write each vehicle as its kind and plate: %(line)s") % {"line": line}
                )
            result.append((kinds[kind.lower()], plate.strip()))
        return result

    def clean_equipment(self) -> list[tuple[str, str]]:
        result = []
        for line in self.cleaned_data["equipment"].splitlines():
            if line.strip():
                code, _sep, desc = line.strip().partition(" ")
                result.append((code[:40], desc[:120]))
        return result


class EventForm(ActorForm):
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none())
    date = forms.DateField(label=_("Date"), widget=DATE)
    desa = forms.ChoiceField(label=_("Desa/kelurahan"))
    dusun = forms.CharField(label=_("Dusun (optional)"), max_length=80, required=False)
    meeting_point = forms.CharField(
        label=_("Meeting point"), max_length=160, help_text=_("Where residents come, e.g. the balai desa.")
    )
    services = forms.MultipleChoiceField(
        label=_("Services offered"), choices=Service.choices, widget=forms.CheckboxSelectMultiple
    )

    def setup(self, actor: Actor) -> None:
        _field(self, "team", forms.ModelChoiceField).queryset = teams_visible(actor=actor).filter(
            is_active=True
        )
        _field(self, "desa", forms.ChoiceField).choices = [
            (r.code, f"{r.display_name} ({r.code})") for r in desa_choices(actor=actor)
        ]
        self.fields["date"].initial = timezone.localdate() + timedelta(days=1)


class AnnounceForm(StyledForm):
    text = forms.CharField(
        label=_("Announcement (SMS and village board)"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


STATUS_CHOICES = [
    ("not_recorded", _("KTP-el not yet recorded")),
    ("printed", _("Printed cards to hand over")),
]


class PlannerForm(ActorForm):
    area = forms.ChoiceField(label=_("Area"))
    statuses = forms.MultipleChoiceField(
        label=_("Who to reach"),
        choices=STATUS_CHOICES,
        initial=["not_recorded"],
        widget=forms.CheckboxSelectMultiple,
    )
    teams = forms.IntegerField(label=_("Number of teams"), min_value=1, max_value=50, initial=2)
    capacity = forms.IntegerField(
        label=_("People served per team per day"), min_value=1, max_value=500, initial=60
    )
    start = forms.DateField(label=_("First day"), widget=DATE)
    deadline = forms.DateField(label=_("Deadline (e.g. election day)"), widget=DATE)
    lead_days = forms.IntegerField(
        label=_("Working days needed after recording"),
        min_value=0,
        max_value=60,
        initial=5,
        help_text=_("Time to print and hand over cards before the deadline."),
    )
    min_visit = forms.IntegerField(
        label=_("Minimum people per trip"),
        min_value=0,
        max_value=500,
        initial=15,
        help_text=_("A trip for fewer people is not planned; they are served at the office."),
    )

    def setup(self, actor: Actor) -> None:
        _field(self, "area", forms.ChoiceField).choices = _area_choices(actor)
        today = timezone.localdate()
        self.fields["start"].initial = today + timedelta(days=1)
        self.fields["deadline"].initial = today + timedelta(days=60)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, deadline = data.get("start"), data.get("deadline")
        if start and deadline:
            if start < timezone.localdate():
                self.add_error("start", _("The first day cannot be in the past."))
            if deadline <= start:
                self.add_error("deadline", _("The deadline must come after the first day."))
            elif (deadline - start).days > 366:
                self.add_error("deadline", _("Plan at most one year ahead."))
        return data


class ExtendForm(StyledForm):
    days = forms.IntegerField(label=_("Extend by (days)"), min_value=1, max_value=14, initial=3)
