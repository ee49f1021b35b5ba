"""Forms of the stakeholder pages: they parse, the services decide."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from warga.core.forms import ChoicesForm, StyledForm
from warga.core.scoping import Actor

from . import selectors
from .models import ConsentChannel, StakeholderKind, Topic
from .services import StakeholderInput

ANY: list[tuple[str, Any]] = [("", _("all"))]


def _regions(actor: Actor) -> list[tuple[str, str]]:
    return [(r.code, f"{r.get_level_display()} {r.name}") for r in selectors.region_choices(actor)]


def _units(actor: Actor) -> list[tuple[str, str]]:
    return [(str(u.pk), u.name) for u in selectors.unit_choices(actor)]


class FilterForm(ChoicesForm):
    option_names = ("actor",)
    q = forms.CharField(label=_("Search (name, organisation, position)"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    topic = forms.ChoiceField(label=_("Topic"), required=False)
    region = forms.ChoiceField(label=_("Area"), required=False)
    unit = forms.ChoiceField(label=_("Unit"), required=False)
    consent = forms.ChoiceField(
        label=_("SMS consent"), required=False, choices=[*ANY, ("yes", _("given")), ("no", _("not given"))]
    )
    active = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("yes", _("active")), ("no", _("archived")), ("all", _("all"))],
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=100_000, widget=forms.HiddenInput)

    def setup(self, **options: Any) -> None:
        actor: Actor = options["actor"]
        cast(forms.ChoiceField, self.fields["kind"]).choices = ANY + list(StakeholderKind.choices)
        cast(forms.ChoiceField, self.fields["topic"]).choices = ANY + list(Topic.choices)
        cast(forms.ChoiceField, self.fields["region"]).choices = ANY + _regions(actor)
        cast(forms.ChoiceField, self.fields["unit"]).choices = ANY + _units(actor)
        if selectors.unit_bound(actor):
            del self.fields["unit"]

    def filters(self) -> selectors.StakeholderFilters:
        data = self.cleaned_data if self.is_valid() else {"active": "yes"}
        unit = data.get("unit")
        return selectors.StakeholderFilters(
            kind=data.get("kind", ""),
            topic=data.get("topic", ""),
            region=data.get("region", ""),
            unit_id=int(unit) if unit else None,
            consent=data.get("consent", ""),
            active=data.get("active") or "yes",
            query=data.get("q", ""),
        )


class StakeholderForm(ChoicesForm):
    option_names = ("actor",)
    kind = forms.ChoiceField(label=_("Kind"), choices=StakeholderKind.choices)
    name = forms.CharField(label=_("Name of the person or organisation"), max_length=160)
    organisation = forms.CharField(label=_("Organisation"), max_length=160, required=False)
    position = forms.CharField(label=_("Position or role"), max_length=120, required=False)
    topics = forms.MultipleChoiceField(
        label=_("Topics"), choices=Topic.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    region = forms.ChoiceField(label=_("Area"))
    unit = forms.ChoiceField(label=_("Unit (whose register)"))
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    sms_consent = forms.BooleanField(label=_("Agrees to receive SMS from the government"), required=False)
    consent_on = forms.DateField(
        label=_("Consent given on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    consent_channel = forms.ChoiceField(
        label=_("Consent given by"), choices=[("", "—"), *ConsentChannel.choices], required=False
    )
    consent_evidence = forms.CharField(label=_("Evidence of consent"), max_length=300, required=False)
    resident_id = forms.IntegerField(
        label=_("Resident in the register (id, optional)"),
        required=False,
        min_value=1,
        max_value=2_147_483_647,
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def setup(self, **options: Any) -> None:
        actor: Actor = options["actor"]
        cast(forms.ChoiceField, self.fields["region"]).choices = _regions(actor)
        units = _units(actor)
        cast(forms.ChoiceField, self.fields["unit"]).choices = units
        if len(units) == 1:
            self.fields["unit"].initial = units[0][0]

    def to_input(self) -> StakeholderInput:
        d = self.cleaned_data
        return StakeholderInput(
            kind=d["kind"],
            name=d["name"],
            region=d["region"],
            organisation=d["organisation"],
            position=d["position"],
            topics=list(d["topics"]),
            unit_id=int(d["unit"]) if d.get("unit") else None,
            phone=d["phone"],
            email=d["email"],
            address=d["address"],
            sms_consent=d["sms_consent"],
            consent_on=d["consent_on"],
            consent_channel=d["consent_channel"],
            consent_evidence=d["consent_evidence"],
            notes=d["notes"],
            resident_id=d.get("resident_id"),
        )


class ArchiveForm(StyledForm):
    reason = forms.CharField(label=_("Reason for archiving"), max_length=300)


class ImportForm(ChoicesForm):
    option_names = ("actor",)
    file = forms.FileField(label=_("Workbook (XLSX)"))
    unit = forms.ChoiceField(label=_("Unit (whose register)"))

    def setup(self, **options: Any) -> None:
        actor: Actor = options["actor"]
        cast(forms.ChoiceField, self.fields["unit"]).choices = _units(actor)


class BroadcastForm(ChoicesForm):
    option_names = ("actor",)
    name = forms.CharField(label=_("Name of the broadcast"), max_length=120)
    text = forms.CharField(label=_("Text"), max_length=800, widget=forms.Textarea(attrs={"rows": 4}))
    area = forms.ChoiceField(label=_("Area"))
    kinds = forms.MultipleChoiceField(
        label=_("Kinds"), choices=StakeholderKind.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    topic = forms.ChoiceField(label=_("Topic"), required=False)
    unit = forms.ChoiceField(label=_("Unit"), required=False)
    stakeholder = forms.IntegerField(
        required=False, min_value=1, max_value=2_147_483_647, widget=forms.HiddenInput
    )

    def setup(self, **options: Any) -> None:
        actor: Actor = options["actor"]
        cast(forms.ChoiceField, self.fields["area"]).choices = _regions(actor)
        cast(forms.ChoiceField, self.fields["topic"]).choices = ANY + list(Topic.choices)
        cast(forms.ChoiceField, self.fields["unit"]).choices = ANY + _units(actor)
        if selectors.unit_bound(actor):
            del self.fields["unit"]

    def segment(self) -> dict[str, Any]:
        d = self.cleaned_data
        segment: dict[str, Any] = {"list": "stakeholders", "kinds": list(d.get("kinds") or [])}
        segment["topic"] = d.get("topic") or ""
        segment["unit"] = d.get("unit") or ""
        if d.get("stakeholder"):
            segment["ids"] = [d["stakeholder"]]
        return segment
