"""Officer forms of the register. Validation of meaning happens in the services; these parse input."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from warga.core.forms import ChoicesForm, StyledForm
from warga.regions.models import Region, RegionLevel

from .models import BloodType, Education, MaritalStatus, Relationship, Religion, Resident, Sex

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CHANNELS = [
    ("counter", _("At the counter")),
    ("field", _("In the field")),
    ("sms", _("By SMS")),
    ("web", _("Online")),
]


def _blank(choices: Any, label: Any = "—") -> list[tuple[str, Any]]:
    return [("", label), *choices]


def desa_choices(*, within: str | None = None) -> list[tuple[str, str]]:
    """Desa/kelurahan of the installation (or of an area), labelled with their kecamatan."""
    area = within or settings.WARGA_REGION_CODE
    desas = (
        Region.objects.filter(code__within=area, level=RegionLevel.DESA)
        .select_related("parent")
        .order_by("code")
    )
    return [(d.code, f"{d.parent.name if d.parent else ''} – {d.name}") for d in desas]


class DocumentsField(forms.CharField):
    """One supporting document per line (kind and number: "Surat keterangan lahir No. 12/2024")."""

    widget = forms.Textarea(attrs={"rows": 2})

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


def documents_field() -> DocumentsField:
    return DocumentsField(
        label=_("Supporting documents"), required=False, help_text=_("One per line, with its number.")
    )


class SearchForm(ChoicesForm):
    q = forms.CharField(label=_("Name, NIK or KK number"), required=False, max_length=120)
    desa = forms.ChoiceField(label=_("Desa/kelurahan"), required=False)
    birth_year = forms.IntegerField(label=_("Year of birth"), required=False, min_value=1880, max_value=2100)
    sex = forms.ChoiceField(label=_("Sex"), required=False, choices=_blank(Sex.choices, _("Any")))
    alive_only = forms.BooleanField(label=_("Living residents only"), required=False)
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, area_code: str | None = None, **kwargs: Any):
        self.area_code = area_code
        super().__init__(*args, **kwargs)

    def setup(self, **options: Any) -> None:
        self.fields["desa"].choices = _blank(desa_choices(within=self.area_code), _("All in my area"))  # type: ignore[attr-defined]


class CorrectionForm(StyledForm):
    """Every correctable field, prefilled; only those changed are sent to the service."""

    nik = forms.CharField(label=_("NIK"), max_length=16)
    full_name = forms.CharField(label=_("Full name"), max_length=120)
    birth_place = forms.CharField(label=_("Place of birth"), max_length=80, required=False)
    birth_date = forms.DateField(label=_("Date of birth"), widget=DATE)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    religion = forms.ChoiceField(label=_("Religion"), choices=_blank(Religion.choices), required=False)
    marital_status = forms.ChoiceField(label=_("Marital status"), choices=MaritalStatus.choices)
    occupation = forms.CharField(label=_("Occupation"), max_length=80, required=False)
    education = forms.ChoiceField(label=_("Education"), choices=_blank(Education.choices), required=False)
    blood_type = forms.ChoiceField(label=_("Blood type"), choices=BloodType.choices, required=False)
    father_name = forms.CharField(label=_("Father's name"), max_length=120, required=False)
    mother_name = forms.CharField(label=_("Mother's name"), max_length=120, required=False)
    rw = forms.IntegerField(label=_("RW"), required=False, min_value=1, max_value=999)
    rt = forms.IntegerField(label=_("RT"), required=False, min_value=1, max_value=999)
    address = forms.CharField(label=_("Address (dusun/street)"), max_length=200, required=False)
    reason = forms.CharField(
        label=_("Reason for the correction"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Which document shows the right data, e.g. the birth certificate number."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    FIELDS = (
        "nik", "full_name", "birth_place", "birth_date", "sex", "religion", "marital_status", "occupation",
        "education", "blood_type", "father_name", "mother_name", "rw", "rt", "address",
    )  # fmt: skip

    @classmethod
    def initial_for(cls, resident: Resident) -> dict[str, Any]:
        return {**{f: getattr(resident, f) for f in cls.FIELDS}, "version": resident.version}

    def changes(self, resident: Resident) -> dict[str, Any]:
        return {
            f: self.cleaned_data[f]
            for f in self.FIELDS
            if (self.cleaned_data[f] if self.cleaned_data[f] is not None else "")
            != (getattr(resident, f) if getattr(resident, f) is not None else "")
        }


class BirthForm(ChoicesForm):
    full_name = forms.CharField(label=_("Child's full name"), max_length=120)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    birth_date = forms.DateField(label=_("Date of birth"), widget=DATE)
    birth_place = forms.CharField(label=_("Place of birth"), max_length=80)
    mother = forms.ChoiceField(label=_("Mother"), required=False)
    father = forms.ChoiceField(label=_("Father"), required=False)
    reporter = forms.CharField(label=_("Reported by"), max_length=120)
    documents = documents_field()
    event_ref = forms.CharField(label=_("Reference number"), max_length=64, required=False)

    def __init__(self, *args: Any, members: list[Resident], **kwargs: Any):
        self.members = members
        super().__init__(*args, **kwargs)

    def setup(self, **options: Any) -> None:
        women = [(str(m.pk), m.full_name) for m in self.members if m.sex == Sex.FEMALE]
        men = [(str(m.pk), m.full_name) for m in self.members if m.sex == Sex.MALE]
        self.fields["mother"].choices = _blank(women, _("Not in this KK / unknown"))  # type: ignore[attr-defined]
        self.fields["father"].choices = _blank(men, _("Not in this KK / unknown"))  # type: ignore[attr-defined]


class DeathForm(StyledForm):
    died_on = forms.DateField(label=_("Date of death"), widget=DATE)
    place = forms.CharField(label=_("Place of death"), max_length=200, required=False)
    reporter = forms.CharField(label=_("Reported by"), max_length=120)
    documents = documents_field()
    event_ref = forms.CharField(label=_("Reference number"), max_length=64, required=False)


class MoveForm(ChoicesForm):
    KINDS = [("within", _("Within this kabupaten/kota")), ("out", _("Out of this kabupaten/kota"))]
    kind = forms.ChoiceField(label=_("Move"), choices=KINDS, widget=forms.RadioSelect, initial="within")
    members = forms.MultipleChoiceField(
        label=_("Who moves"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Members of the same KK who move too."),
    )
    moved_on = forms.DateField(label=_("Date of the move"), widget=DATE)
    to_desa = forms.ChoiceField(label=_("New desa/kelurahan"), required=False)
    rw = forms.IntegerField(label=_("RW"), required=False, min_value=1, max_value=999)
    rt = forms.IntegerField(label=_("RT"), required=False, min_value=1, max_value=999)
    address = forms.CharField(label=_("New address (dusun/street)"), max_length=200, required=False)
    destination = forms.CharField(
        label=_("Destination (outside the kabupaten/kota)"), max_length=200, required=False
    )
    event_ref = forms.CharField(label=_("Reference number (SKPWNI)"), max_length=64, required=False)

    def __init__(self, *args: Any, members: list[Resident], **kwargs: Any):
        self.people = members
        super().__init__(*args, **kwargs)

    def setup(self, **options: Any) -> None:
        self.fields["members"].choices = [(str(m.pk), m.full_name) for m in self.people]  # type: ignore[attr-defined]
        self.fields["to_desa"].choices = _blank(desa_choices())  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == "within" and not data.get("to_desa"):
            self.add_error("to_desa", _("Choose the new desa/kelurahan."))
        if data.get("kind") == "out" and not data.get("destination"):
            self.add_error("destination", _("Give the destination address."))
        return data


class SpouseEventForm(StyledForm):
    spouse_nik = forms.CharField(label=_("Spouse's NIK"), max_length=16, min_length=16)
    occurred_on = forms.DateField(label=_("Date"), widget=DATE)
    place = forms.CharField(label=_("Place (KUA, church, court…)"), max_length=200, required=False)
    reporter = forms.CharField(label=_("Reported by"), max_length=120)
    documents = documents_field()
    event_ref = forms.CharField(label=_("Certificate number"), max_length=64, required=False)


class MarriageForm(SpouseEventForm):
    dispensation_ref = forms.CharField(
        label=_("Court dispensation number"),
        max_length=64,
        required=False,
        help_text=_("Needed when a spouse is under 19."),
    )
    new_family = forms.BooleanField(label=_("The couple gets a new KK"), required=False)
    new_family_address = forms.CharField(label=_("Address of the new KK"), max_length=200, required=False)


class DivorceForm(SpouseEventForm):
    pass


class MoveInForm(ChoicesForm):
    kk_number = forms.CharField(
        label=_("Join an existing KK (KK number)"),
        max_length=16,
        required=False,
        help_text=_("Leave empty to issue a new KK with this person as head."),
    )
    desa = forms.ChoiceField(label=_("Desa/kelurahan"), required=False)
    rw = forms.IntegerField(label=_("RW"), required=False, min_value=1, max_value=999)
    rt = forms.IntegerField(label=_("RT"), required=False, min_value=1, max_value=999)
    address = forms.CharField(label=_("Address (dusun/street)"), max_length=200, required=False)
    origin = forms.CharField(label=_("Coming from (full address)"), max_length=200)
    moved_on = forms.DateField(label=_("Date of arrival"), widget=DATE)
    nik = forms.CharField(label=_("NIK"), max_length=16)
    full_name = forms.CharField(label=_("Full name"), max_length=120)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    birth_date = forms.DateField(label=_("Date of birth"), widget=DATE)
    birth_place = forms.CharField(label=_("Place of birth"), max_length=80, required=False)
    religion = forms.ChoiceField(label=_("Religion"), choices=_blank(Religion.choices), required=False)
    marital_status = forms.ChoiceField(label=_("Marital status"), choices=MaritalStatus.choices)
    relationship = forms.ChoiceField(label=_("Relationship to head"), choices=Relationship.choices)
    event_ref = forms.CharField(label=_("Reference number (SKPWNI)"), max_length=64, required=False)

    def __init__(self, *args: Any, area_code: str | None = None, **kwargs: Any):
        self.area_code = area_code
        super().__init__(*args, **kwargs)

    def setup(self, **options: Any) -> None:
        self.fields["desa"].choices = _blank(desa_choices(within=self.area_code))  # type: ignore[attr-defined]


class PhoneForm(StyledForm):
    number = forms.CharField(
        label=_("Mobile number"), max_length=32, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    consent_broadcast = forms.BooleanField(
        label=_("The resident agrees to receive information SMS from the government"), required=False
    )
    channel = forms.ChoiceField(label=_("Where the consent was given"), choices=CHANNELS)


class VerifyForm(StyledForm):
    code = forms.CharField(
        label=_("Code from the SMS"),
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class StatsForm(ChoicesForm):
    area = forms.ChoiceField(label=_("Area"), required=False)
    on = forms.DateField(label=_("On date"), required=False, widget=DATE)

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any):
        self.area_choices = choices
        super().__init__(*args, **kwargs)

    def setup(self, **options: Any) -> None:
        self.fields["area"].choices = self.area_choices  # type: ignore[attr-defined]

    def clean_on(self) -> Any:
        return self.cleaned_data.get("on") or timezone.localdate()
