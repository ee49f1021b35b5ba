"""Officer forms of the register. They parse input and apply the field rules of `rules.py` (the
services apply them again, with the checks that need the database)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from warga.core.forms import ChoicesForm, StyledForm
from warga.regions.models import RegionLevel
from warga.regions.selectors import area_regions

from . import rules
from .models import (
    BloodType,
    Citizenship,
    Education,
    Family,
    MaritalStatus,
    Relationship,
    Religion,
    Resident,
    Sex,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CHANNELS = [
    ("counter", _("At the counter")),
    ("field", _("In the field")),
    ("sms", _("By SMS")),
    ("web", _("Online")),
]


class RuleField(forms.CharField):
    """A text field checked and normalised by one rule of `rules.py`; the rule's message is shown."""

    def __init__(
        self, *, rule: Callable[..., Any], rule_options: dict[str, Any] | None = None, **kwargs: Any
    ):
        self.rule = rule
        self.rule_options = rule_options or {}
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        if value in self.empty_values:
            return value
        try:
            return self.rule(value, **self.rule_options)
        except rules.RuleError as error:
            raise forms.ValidationError([p.message for p in error.problems], code=error.code) from error


def name_field(label: Any, *, required: bool = True, **kwargs: Any) -> RuleField:
    """A person's name, as the register takes it (see `rules.person_name`)."""
    return RuleField(
        rule=rules.person_name,
        rule_options={"label": label, "required": False},
        label=label,
        required=required,
        max_length=rules.NAME_MAX_LENGTH,
        **kwargs,
    )


def rt_rw_field(label: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, required=False, min_value=rules.RT_RW_MIN, max_value=rules.RT_RW_MAX
    )


def _blank(choices: Any, label: Any = "—") -> list[tuple[str, Any]]:
    return [("", label), *choices]


def desa_choices(*, within: str | None = None) -> list[tuple[str, str]]:
    """Desa/kelurahan of the installation (or of an area), labelled with their kecamatan."""
    area = within or settings.WARGA_REGION_CODE
    desas = area_regions(area, [RegionLevel.DESA]).select_related("parent")
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
    birth_date = forms.DateField(label=_("Date of birth"), required=False, widget=DATE)
    parent_name = forms.CharField(label=_("Father's or mother's name"), required=False, max_length=120)
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, area_code: str | None = None, **kwargs: Any):
        self.area_code = area_code
        super().__init__(*args, **kwargs)

    def setup(self, **options: Any) -> None:
        self.fields["desa"].choices = _blank(desa_choices(within=self.area_code), _("All in my area"))  # type: ignore[attr-defined]


class CorrectionForm(StyledForm):
    """Every correctable field, prefilled; only those changed are sent to the service."""

    nik = forms.CharField(label=_("NIK"), max_length=16)
    full_name = name_field(_("Full name"))
    birth_place = forms.CharField(
        label=_("Place of birth"), max_length=rules.BIRTH_PLACE_MAX_LENGTH, required=False
    )
    birth_date = forms.DateField(label=_("Date of birth"), widget=DATE)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    religion = forms.ChoiceField(label=_("Religion"), choices=_blank(Religion.choices), required=False)
    marital_status = forms.ChoiceField(label=_("Marital status"), choices=MaritalStatus.choices)
    occupation = forms.CharField(
        label=_("Occupation"), max_length=rules.OCCUPATION_MAX_LENGTH, required=False
    )
    education = forms.ChoiceField(label=_("Education"), choices=_blank(Education.choices), required=False)
    blood_type = forms.ChoiceField(label=_("Blood type"), choices=BloodType.choices, required=False)
    father_name = name_field(_("Father's name"), required=False)
    mother_name = name_field(_("Mother's name"), required=False)
    rw = rt_rw_field(_("RW"))
    rt = rt_rw_field(_("RT"))
    address = forms.CharField(
        label=_("Address (dusun/street)"), max_length=rules.ADDRESS_MAX_LENGTH, required=False
    )
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
    full_name = name_field(_("Child's full name"))
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    birth_date = forms.DateField(label=_("Date of birth"), widget=DATE)
    birth_place = forms.CharField(label=_("Place of birth"), max_length=rules.BIRTH_PLACE_MAX_LENGTH)
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
    rw = rt_rw_field(_("RW"))
    rt = rt_rw_field(_("RT"))
    address = forms.CharField(
        label=_("New address (dusun/street)"), max_length=rules.ADDRESS_MAX_LENGTH, required=False
    )
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
    rw = rt_rw_field(_("RW"))
    rt = rt_rw_field(_("RT"))
    address = forms.CharField(
        label=_("Address (dusun/street)"), max_length=rules.ADDRESS_MAX_LENGTH, required=False
    )
    origin = forms.CharField(label=_("Coming from (full address)"), max_length=200)
    moved_on = forms.DateField(label=_("Date of arrival"), widget=DATE)
    nik = forms.CharField(label=_("NIK"), max_length=16)
    full_name = name_field(_("Full name"))
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    birth_date = forms.DateField(label=_("Date of birth"), widget=DATE)
    birth_place = forms.CharField(
        label=_("Place of birth"), max_length=rules.BIRTH_PLACE_MAX_LENGTH, required=False
    )
    religion = forms.ChoiceField(label=_("Religion"), choices=_blank(Religion.choices), required=False)
    marital_status = forms.ChoiceField(label=_("Marital status"), choices=MaritalStatus.choices)
    relationship = forms.ChoiceField(label=_("Relationship to head"), choices=Relationship.choices)
    event_ref = forms.CharField(label=_("Reference number (SKPWNI)"), max_length=64, required=False)

    def __init__(self, *args: Any, area_code: str | None = None, **kwargs: Any):
        self.area_code = area_code
        super().__init__(*args, **kwargs)

    def setup(self, **options: Any) -> None:
        self.fields["desa"].choices = _blank(desa_choices(within=self.area_code))  # type: ignore[attr-defined]


def reason_field(label: Any, help_text: Any) -> forms.CharField:
    return forms.CharField(
        label=label, max_length=300, widget=forms.Textarea(attrs={"rows": 2}), help_text=help_text
    )


class ResidentEntryForm(ChoicesForm):
    """Biodata entry of someone who holds a NIK but is missing from the register.

    From the search page: into an existing KK by its number, or a new KK in a desa of the
    officer's area. From a family page (`family`): into that KK, whose address is the default.
    """

    kk_number = forms.CharField(
        label=_("Join an existing KK (KK number)"),
        max_length=16,
        required=False,
        help_text=_("Leave empty to issue a new KK with this person as head."),
    )
    relationship = forms.ChoiceField(label=_("Relationship to head"), required=False)
    nik = forms.CharField(label=_("NIK"), max_length=16)
    full_name = name_field(_("Full name"))
    birth_place = forms.CharField(
        label=_("Place of birth"), max_length=rules.BIRTH_PLACE_MAX_LENGTH, required=False
    )
    birth_date = forms.DateField(label=_("Date of birth"), widget=DATE)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    religion = forms.ChoiceField(label=_("Religion"), choices=_blank(Religion.choices), required=False)
    marital_status = forms.ChoiceField(
        label=_("Marital status"), choices=MaritalStatus.choices, initial=MaritalStatus.SINGLE
    )
    occupation = forms.CharField(
        label=_("Occupation"), max_length=rules.OCCUPATION_MAX_LENGTH, required=False
    )
    education = forms.ChoiceField(label=_("Education"), choices=_blank(Education.choices), required=False)
    blood_type = forms.ChoiceField(label=_("Blood type"), choices=BloodType.choices, required=False)
    citizenship = forms.ChoiceField(
        label=_("Citizenship"), choices=Citizenship.choices, initial=Citizenship.WNI
    )
    father_name = name_field(_("Father's name"), required=False)
    mother_name = name_field(_("Mother's name"), required=False)
    desa = forms.ChoiceField(
        label=_("Desa/kelurahan"), required=False, help_text=_("Where the new KK is issued.")
    )
    rw = rt_rw_field(_("RW"))
    rt = rt_rw_field(_("RT"))
    address = forms.CharField(
        label=_("Address (dusun/street)"), max_length=rules.ADDRESS_MAX_LENGTH, required=False
    )
    reason = reason_field(
        _("Why this person is entered now"),
        _(
            "Why they were missing from the register and which document was shown (KTP-el, KK, birth certificate)."
        ),
    )

    PERSON = (
        "nik", "full_name", "birth_place", "birth_date", "sex", "religion", "marital_status", "occupation",
        "education", "blood_type", "citizenship", "father_name", "mother_name", "desa", "rw", "rt", "address",
    )  # fmt: skip
    SECTIONS = (
        (_("Family (KK)"), ("kk_number", "relationship")),
        (_("Identity"), PERSON[:13]),
        (_("Address"), ("desa", "rw", "rt", "address")),
        (_("Reason"), ("reason",)),
    )

    def __init__(self, *args: Any, area_code: str | None = None, family: Family | None = None, **kwargs: Any):
        self.area_code = area_code
        self.family = family
        super().__init__(*args, **kwargs)

    def setup(self, **options: Any) -> None:
        relationship = self.fields["relationship"]
        if self.family is not None:
            del self.fields["kk_number"], self.fields["desa"]
            relationship.required = True
            relationship.choices = _blank(Relationship.choices)  # type: ignore[attr-defined]
            for name in ("rw", "rt", "address"):
                self.fields[name].help_text = _("Leave empty to use the address of the KK.")
        else:
            relationship.choices = _blank(Relationship.choices)  # type: ignore[attr-defined]
            relationship.help_text = _(
                "Needed when joining an existing KK; in a new KK this person is the head."
            )
            self.fields["desa"].choices = _blank(desa_choices(within=self.area_code))  # type: ignore[attr-defined]

    def sections(self) -> list[tuple[Any, list[forms.BoundField]]]:
        return [
            (title, [self[name] for name in names if name in self.fields]) for title, names in self.SECTIONS
        ]

    def person(self) -> dict[str, Any]:
        """The resident's data as the service takes it."""
        return {name: self.cleaned_data[name] for name in self.PERSON if name in self.fields}


class FamilyAddressForm(ChoicesForm):
    """A KK's address, prefilled; only what changed goes to the service, with the version read."""

    desa = forms.ChoiceField(label=_("Desa/kelurahan"))
    rw = rt_rw_field(_("RW"))
    rt = rt_rw_field(_("RT"))
    address = forms.CharField(
        label=_("Address (dusun/street)"), max_length=rules.ADDRESS_MAX_LENGTH, required=False
    )
    reason = reason_field(
        _("Reason for the change"),
        _("E.g. the address was entered wrongly, or the street was renamed; with the document shown."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    FIELDS = ("desa", "rw", "rt", "address")

    def __init__(self, *args: Any, area_code: str | None = None, **kwargs: Any):
        self.area_code = area_code
        super().__init__(*args, **kwargs)

    def setup(self, **options: Any) -> None:
        self.fields["desa"].choices = desa_choices(within=self.area_code)  # type: ignore[attr-defined]

    @classmethod
    def initial_for(cls, family: Family) -> dict[str, Any]:
        return {
            "desa": family.desa_id,
            "rw": family.rw,
            "rt": family.rt,
            "address": family.address,
            "version": family.version,
        }

    def changes(self, family: Family) -> dict[str, Any]:
        current = self.initial_for(family)
        return {
            f: self.cleaned_data[f]
            for f in self.FIELDS
            if (self.cleaned_data[f] if self.cleaned_data[f] is not None else "")
            != (current[f] if current[f] is not None else "")
        }


class FamilyMemberAddForm(StyledForm):
    """A resident already in the register but in no KK joins this one (found by NIK, sent by POST)."""

    nik = forms.CharField(
        label=_("NIK of the resident"),
        max_length=16,
        min_length=16,
        help_text=_(
            "The resident must be in the register and in no KK (remove them from their old KK first)."
        ),
    )
    relationship = forms.ChoiceField(label=_("Relationship to head"), choices=_blank(Relationship.choices))
    reason = reason_field(_("Reason"), _("E.g. the application number or the document shown."))


def _member_choices(members: list[Resident]) -> list[tuple[str, str]]:
    return [(str(m.pk), f"{m.full_name} ({m.get_relationship_display()})") for m in members]


class FamilyMemberRemoveForm(ChoicesForm):
    resident = forms.ChoiceField(
        label=_("Member who leaves the KK"),
        help_text=_("If the head of family leaves, the spouse or the eldest adult becomes head."),
    )
    reason = reason_field(_("Reason"), _("E.g. entered in this KK by mistake; the document shown."))

    def __init__(self, *args: Any, members: list[Resident], **kwargs: Any):
        self.people = members
        super().__init__(*args, **kwargs)

    def setup(self, **options: Any) -> None:
        self.fields["resident"].choices = _blank(_member_choices(self.people))  # type: ignore[attr-defined]


class FamilySplitForm(ChoicesForm):
    members = forms.MultipleChoiceField(
        label=_("Members who leave for the new KK"), widget=forms.CheckboxSelectMultiple
    )
    new_head = forms.ChoiceField(label=_("Head of the new KK"), help_text=_("One of the members who leave."))
    address = forms.CharField(
        label=_("Address of the new KK (dusun/street)"),
        max_length=200,
        required=False,
        help_text=_("Leave empty to keep the address of this KK (same desa, RT and RW)."),
    )
    reason = reason_field(_("Reason"), _("E.g. a married child setting up their own household."))

    def __init__(self, *args: Any, members: list[Resident], **kwargs: Any):
        self.people = members
        super().__init__(*args, **kwargs)

    def setup(self, **options: Any) -> None:
        choices = _member_choices(self.people)
        self.fields["members"].choices = choices  # type: ignore[attr-defined]
        self.fields["new_head"].choices = _blank(choices)  # type: ignore[attr-defined]


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
