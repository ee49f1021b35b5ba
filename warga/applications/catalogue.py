"""The service catalogue: the shipped defaults and the small form language each service uses.

A service's `form_schema` is a list of field declarations, for example

    {"name": "child_name", "type": "name", "label": "Nama anak", "label_en": "Child's name"}
    {"name": "mother_nik", "type": "nik", "label": "NIK ibu", "required": true}
    {"name": "child_sex", "type": "choice", "choices_from": "sex"}

`service_form()` turns it into a Django form that both the pages and the API use, so the
same rules apply whichever channel the application comes through.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from warga.core.forms import StyledForm
from warga.regions.models import Region, RegionLevel
from warga.registry import rules
from warga.registry.forms import RuleField, name_field
from warga.registry.models import Relationship, Sex
from warga.registry.rules import RuleError

from .models import ApplicantRule, Channel, DocumentType, Effect, RequiredDocument, Service

FIELD_TYPES = ("text", "name", "textarea", "date", "choice", "nik", "nik_list", "kk", "int", "desa")

# Fields of a resident that a "data change" application may correct (the rest need a court or
# a civil-registry event of their own).
CORRECTABLE_FIELDS = {
    "occupation": gettext_lazy("Occupation"),
    "education": gettext_lazy("Education"),
    "marital_status": gettext_lazy("Marital status"),
    "religion": gettext_lazy("Religion"),
    "blood_type": gettext_lazy("Blood type"),
}

CHOICE_SOURCES: dict[str, Any] = {
    "sex": lambda: list(Sex.choices),
    "relationship": lambda: [c for c in Relationship.choices if c[0] != Relationship.HEAD],
    "correctable_field": lambda: [(k, str(v)) for k, v in CORRECTABLE_FIELDS.items()],
}


def _label(spec: dict[str, Any]) -> str:
    if spec.get("label_en") and (get_language() or "id").startswith("en"):
        return str(spec["label_en"])
    return str(spec.get("label") or spec["name"])


def _validate_nik(value: str) -> str:
    try:
        return rules.nik_shape(value)
    except RuleError as error:
        raise forms.ValidationError(error.message, code=error.code) from error


class NikListField(forms.CharField):
    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value)
        if isinstance(value, list):
            items = [str(v).strip() for v in value]
        else:
            items = [p for p in re.split(r"[\s,;]+", text or "") if p]
        for item in items:
            _validate_nik(item)
        if len(set(items)) != len(items):
            raise forms.ValidationError(_("The same NIK is listed twice."))
        return items

    def validate(self, value: Any) -> None:
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")


def _desa_choices() -> list[tuple[str, str]]:
    from warga.regions.selectors import installation_region

    region = installation_region()
    if region is None:
        return []
    qs = Region.objects.filter(code__within=region.code, level=RegionLevel.DESA).select_related("parent")
    return [
        (r.code, f"{r.name} — {r.parent.name if r.parent else ''}")
        for r in qs.order_by("parent__name", "name")
    ]


def form_field(spec: dict[str, Any]) -> forms.Field:
    kind = spec.get("type", "text")
    required = bool(spec.get("required", True))
    common: dict[str, Any] = {"label": _label(spec), "required": required}
    if spec.get("help"):
        common["help_text"] = spec["help"]
    if kind == "text":
        return forms.CharField(max_length=int(spec.get("max_length", 120)), **common)
    if kind == "name":
        return name_field(common.pop("label"), **common)
    if kind == "textarea":
        return forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 3}), **common)
    if kind == "date":
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if kind == "choice":
        source = spec.get("choices_from")
        choices = CHOICE_SOURCES[source]() if source else [tuple(c) for c in spec.get("choices", [])]
        return forms.ChoiceField(choices=[("", "—"), *choices], **common)
    if kind == "nik":
        return RuleField(
            rule=rules.nik_shape,
            max_length=16,
            min_length=16,
            widget=forms.TextInput(attrs={"inputmode": "numeric"}),
            **common,
        )
    if kind == "kk":
        return RuleField(
            rule=rules.kk_shape,
            widget=forms.TextInput(attrs={"inputmode": "numeric"}),
            **common,
        )
    if kind == "nik_list":
        common.setdefault("help_text", _("One or more NIKs separated by commas."))
        return NikListField(widget=forms.Textarea(attrs={"rows": 2}), **common)
    if kind == "int":
        return forms.IntegerField(min_value=spec.get("min", 0), max_value=spec.get("max", 999), **common)
    if kind == "desa":
        return forms.ChoiceField(choices=[("", "—"), *_desa_choices()], **common)
    raise ValueError(f"unknown field type {kind!r}")


def schema_errors(schema: Any) -> list[str]:
    """Problems with a schema an administrator typed, in words they can act on."""
    if not isinstance(schema, list):
        return [_("The form fields must be a list.")]
    problems = []
    names = set()
    for i, spec in enumerate(schema, start=1):
        if not isinstance(spec, dict) or not re.match(r"^[a-z][a-z0-9_]{0,39}$", str(spec.get("name", ""))):
            problems.append(_("Field %(n)d needs a name of lower-case letters, digits and _.") % {"n": i})
            continue
        if spec["name"] in names:
            problems.append(_("Field %(name)s is declared twice.") % {"name": spec["name"]})
        names.add(spec["name"])
        if spec.get("type", "text") not in FIELD_TYPES:
            problems.append(
                _("Field %(name)s has an unknown type; use one of: %(types)s.")
                % {"name": spec["name"], "types": ", ".join(FIELD_TYPES)}
            )
        if spec.get("type") == "choice" and not (
            spec.get("choices") or spec.get("choices_from") in CHOICE_SOURCES
        ):
            problems.append(_("Choice field %(name)s needs choices.") % {"name": spec["name"]})
    return problems


def service_form_class(service: Service) -> type[StyledForm]:
    fields: dict[str, forms.Field] = {}
    if service.applicant_rule == ApplicantRule.RESIDENT_WITH_FAMILY:
        fields["applicant_kk"] = form_field(
            {
                "name": "applicant_kk",
                "type": "kk",
                "label": "Nomor KK pemohon",
                "label_en": "Applicant's KK number",
            }
        )
    for spec in service.form_schema:
        fields[spec["name"]] = form_field(spec)
    return type(f"{service.code.title().replace('-', '')}Form", (StyledForm,), dict(fields))


def clean_service_data(service: Service, data: dict[str, Any]) -> dict[str, Any]:
    """Validate an application's data against its service; JSON-ready values or InvalidInput."""
    from warga.core.errors import InvalidInput

    if not isinstance(data, dict):
        raise InvalidInput(_("The application data must be an object."), code="applications.data_invalid")
    form = service_form_class(service)(data=data)
    if not form.is_valid():
        details = [{"field": f, "message": str(m)} for f, msgs in form.errors.items() for m in msgs]
        fields = ", ".join(
            sorted({str(form.fields[f].label) if f in form.fields else f for f in form.errors})
        )
        raise InvalidInput(
            _("Please correct these fields: %(fields)s.") % {"fields": fields},
            code="applications.data_invalid",
            details=details,
        )
    today = timezone.localdate()
    cleaned: dict[str, Any] = {}
    for name, value in form.cleaned_data.items():
        if isinstance(value, date):
            if value > today:
                raise InvalidInput(
                    _("%(field)s cannot be in the future.") % {"field": form.fields[name].label},
                    code="applications.date_in_future",
                    details=[{"field": name, "message": _("In the future.")}],
                )
            cleaned[name] = value.isoformat()
        elif value in (None, ""):
            continue
        else:
            cleaned[name] = value
    return cleaned


# --- Shipped defaults ------------------------------------------------------------------------

ALL_CHANNELS = [Channel.COUNTER.value, Channel.ONLINE.value, Channel.OUTREACH.value]
KK_DOC = ("kk", "Kartu Keluarga (scan asli)", "Family card (scan of the original)", True)
KTP_DOC = ("ktp", "KTP-el pemohon", "Applicant's KTP-el", True)
PENGANTAR = (
    "pengantar",
    "Surat pengantar RT/RW dan desa/kelurahan",
    "Cover letter from RT/RW and desa",
    False,
)

# `allow_several`: a person may have more than one open application of the service at a time
# (twins, two deaths in one family, several members joining or leaving one KK). Without it a
# second open application of the same service for the same NIK is refused (409).
DEFAULT_SERVICES: list[dict[str, Any]] = [
    {
        "code": "ktp-baru",
        "name": "KTP-el baru",
        "name_en": "New KTP-el",
        "category": "ktp",
        "applicant_rule": ApplicantRule.RESIDENT,
        "effect": Effect.NONE,
        "document_type": DocumentType.KTP_EL,
        "targets": (1, 3, 1, 5),
        "schema": [],
        "docs": [
            KK_DOC,
            ("akta", "Akta kelahiran atau ijazah", "Birth certificate or school diploma", False),
        ],
    },
    {
        "code": "ktp-hilang",
        "name": "KTP-el hilang",
        "name_en": "Lost KTP-el",
        "category": "ktp",
        "applicant_rule": ApplicantRule.RESIDENT,
        "effect": Effect.NONE,
        "document_type": DocumentType.KTP_EL,
        "targets": (1, 2, 1, 4),
        "schema": [],
        "docs": [
            ("polisi", "Surat keterangan kehilangan dari kepolisian", "Police report of the loss", True),
            KK_DOC,
        ],
    },
    {
        "code": "ktp-rusak",
        "name": "KTP-el rusak",
        "name_en": "Damaged KTP-el",
        "category": "ktp",
        "applicant_rule": ApplicantRule.RESIDENT,
        "effect": Effect.NONE,
        "document_type": DocumentType.KTP_EL,
        "targets": (1, 2, 1, 4),
        "schema": [],
        "docs": [("ktp_rusak", "KTP-el yang rusak", "The damaged KTP-el", True), KK_DOC],
    },
    {
        "code": "ktp-ubah",
        "name": "Perubahan data KTP-el",
        "name_en": "KTP-el data change",
        "category": "ktp",
        "applicant_rule": ApplicantRule.RESIDENT,
        "effect": Effect.RESIDENT_CORRECT,
        "document_type": DocumentType.KTP_EL,
        "targets": (1, 3, 1, 5),
        "schema": [
            {
                "name": "field",
                "type": "choice",
                "choices_from": "correctable_field",
                "label": "Data yang diubah",
                "label_en": "Data to change",
            },
            {"name": "new_value", "type": "text", "label": "Data baru", "label_en": "New value"},
        ],
        "docs": [("bukti", "Dokumen pendukung perubahan", "Document supporting the change", True), KK_DOC],
    },
    {
        "code": "kk-baru",
        "name": "KK baru",
        "name_en": "New KK",
        "category": "kk",
        "applicant_rule": ApplicantRule.RESIDENT,
        "effect": Effect.FAMILY_CREATE,
        "document_type": DocumentType.KK,
        "targets": (1, 2, 1, 4),
        "schema": [
            {"name": "desa", "type": "desa", "label": "Desa/kelurahan", "label_en": "Desa/kelurahan"},
            {"name": "rw", "type": "int", "label": "RW", "required": False, "max": 999},
            {"name": "rt", "type": "int", "label": "RT", "required": False, "max": 999},
            {"name": "address", "type": "text", "label": "Alamat", "label_en": "Address", "max_length": 200},
        ],
        "docs": [PENGANTAR, ("nikah", "Buku nikah/akta perkawinan", "Marriage book/certificate", False)],
    },
    {
        "code": "kk-tambah",
        "allow_several": True,
        "name": "KK: penambahan anggota",
        "name_en": "KK: add a member",
        "category": "kk",
        "applicant_rule": ApplicantRule.RESIDENT_WITH_FAMILY,
        "effect": Effect.FAMILY_ADD_MEMBER,
        "document_type": DocumentType.KK,
        "targets": (1, 2, 1, 4),
        "schema": [
            {
                "name": "member_nik",
                "type": "nik",
                "label": "NIK anggota yang ditambahkan",
                "label_en": "NIK of the new member",
            },
            {
                "name": "relationship",
                "type": "choice",
                "choices_from": "relationship",
                "label": "Hubungan keluarga",
                "label_en": "Relationship",
            },
        ],
        "docs": [
            KK_DOC,
            (
                "dasar",
                "Dokumen dasar (akta/buku nikah/surat pindah)",
                "Basis document (certificate/marriage book/moving letter)",
                True,
            ),
        ],
    },
    {
        "code": "kk-kurang",
        "allow_several": True,
        "name": "KK: pengurangan anggota",
        "name_en": "KK: remove a member",
        "category": "kk",
        "applicant_rule": ApplicantRule.RESIDENT_WITH_FAMILY,
        "effect": Effect.FAMILY_REMOVE_MEMBER,
        "document_type": DocumentType.KK,
        "targets": (1, 2, 1, 4),
        "schema": [
            {
                "name": "member_nik",
                "type": "nik",
                "label": "NIK anggota yang dikeluarkan",
                "label_en": "NIK of the member leaving",
            },
            {"name": "reason", "type": "text", "label": "Alasan", "label_en": "Reason"},
        ],
        "docs": [KK_DOC, ("dasar", "Dokumen dasar perubahan", "Basis document for the change", True)],
    },
    {
        "code": "kk-ubah",
        "name": "KK: perubahan alamat",
        "name_en": "KK: change of address",
        "category": "kk",
        "applicant_rule": ApplicantRule.RESIDENT_WITH_FAMILY,
        "effect": Effect.FAMILY_UPDATE,
        "document_type": DocumentType.KK,
        "targets": (1, 2, 1, 4),
        "schema": [
            {"name": "rw", "type": "int", "label": "RW", "required": False, "max": 999},
            {"name": "rt", "type": "int", "label": "RT", "required": False, "max": 999},
            {
                "name": "address",
                "type": "text",
                "label": "Alamat baru",
                "label_en": "New address",
                "max_length": 200,
            },
        ],
        "docs": [KK_DOC, PENGANTAR],
    },
    {
        "code": "kk-pisah",
        "name": "KK: pisah KK",
        "name_en": "KK: split",
        "category": "kk",
        "applicant_rule": ApplicantRule.RESIDENT_WITH_FAMILY,
        "effect": Effect.FAMILY_SPLIT,
        "document_type": DocumentType.KK,
        "targets": (1, 2, 1, 4),
        "schema": [
            {
                "name": "member_niks",
                "type": "nik_list",
                "label": "NIK anggota yang pindah ke KK baru",
                "label_en": "NIKs of the members of the new KK",
            },
            {
                "name": "new_head_nik",
                "type": "nik",
                "label": "NIK kepala keluarga baru",
                "label_en": "NIK of the new head of family",
            },
            {
                "name": "address",
                "type": "text",
                "label": "Alamat KK baru",
                "label_en": "Address of the new KK",
                "required": False,
                "max_length": 200,
            },
        ],
        "docs": [
            KK_DOC,
            ("nikah", "Buku nikah/akta perkawinan", "Marriage book/certificate", False),
            PENGANTAR,
        ],
    },
    {
        "code": "akta-lahir",
        "allow_several": True,
        "name": "Akta kelahiran",
        "name_en": "Birth certificate",
        "category": "akta",
        "applicant_rule": ApplicantRule.RESIDENT_WITH_FAMILY,
        "effect": Effect.BIRTH,
        "document_type": DocumentType.AKTA_KELAHIRAN,
        "targets": (1, 2, 1, 4),
        "schema": [
            {"name": "child_name", "type": "name", "label": "Nama anak", "label_en": "Child's name"},
            {
                "name": "child_sex",
                "type": "choice",
                "choices_from": "sex",
                "label": "Jenis kelamin anak",
                "label_en": "Child's sex",
            },
            {"name": "birth_date", "type": "date", "label": "Tanggal lahir", "label_en": "Date of birth"},
            {
                "name": "birth_place",
                "type": "text",
                "label": "Tempat lahir",
                "label_en": "Place of birth",
                "max_length": 80,
            },
            {"name": "mother_nik", "type": "nik", "label": "NIK ibu", "label_en": "Mother's NIK"},
            {
                "name": "father_nik",
                "type": "nik",
                "label": "NIK ayah",
                "label_en": "Father's NIK",
                "required": False,
            },
        ],
        "docs": [
            (
                "skl",
                "Surat keterangan lahir dari bidan/rumah sakit/desa",
                "Birth notice from the midwife, hospital or desa",
                True,
            ),
            KK_DOC,
            ("nikah", "Buku nikah/akta perkawinan orang tua", "Parents' marriage book/certificate", False),
            ("saksi", "KTP-el dua orang saksi", "KTP-el of two witnesses", False),
        ],
    },
    {
        "code": "akta-mati",
        "allow_several": True,
        "name": "Akta kematian",
        "name_en": "Death certificate",
        "category": "akta",
        "applicant_rule": ApplicantRule.RESIDENT,
        "effect": Effect.DEATH,
        "document_type": DocumentType.AKTA_KEMATIAN,
        "targets": (1, 2, 1, 4),
        "schema": [
            {
                "name": "deceased_nik",
                "type": "nik",
                "label": "NIK yang meninggal",
                "label_en": "NIK of the deceased",
            },
            {"name": "died_on", "type": "date", "label": "Tanggal meninggal", "label_en": "Date of death"},
            {
                "name": "death_place",
                "type": "text",
                "label": "Tempat meninggal",
                "label_en": "Place of death",
                "max_length": 80,
            },
        ],
        "docs": [
            (
                "skm",
                "Surat keterangan kematian dari desa/rumah sakit",
                "Death notice from the desa or hospital",
                True,
            ),
            KK_DOC,
        ],
    },
    {
        "code": "pindah",
        "name": "Surat pindah (SKPWNI)",
        "name_en": "Moving out (SKPWNI)",
        "category": "pindah",
        "applicant_rule": ApplicantRule.RESIDENT_WITH_FAMILY,
        "effect": Effect.MOVE_OUT,
        "document_type": DocumentType.SURAT_PINDAH,
        "targets": (1, 2, 1, 4),
        "schema": [
            {
                "name": "mover_niks",
                "type": "nik_list",
                "label": "NIK yang pindah",
                "label_en": "NIKs of those moving",
            },
            {
                "name": "destination",
                "type": "text",
                "label": "Alamat tujuan",
                "label_en": "Destination address",
                "max_length": 200,
            },
            {"name": "moved_on", "type": "date", "label": "Tanggal pindah", "label_en": "Moving date"},
        ],
        "docs": [KK_DOC, PENGANTAR],
    },
    {
        "code": "datang",
        "name": "Kedatangan (pindah datang)",
        "name_en": "Moving in",
        "category": "pindah",
        "applicant_rule": ApplicantRule.NEWCOMER,
        "effect": Effect.MOVE_IN,
        "document_type": DocumentType.KK,
        "targets": (1, 2, 1, 4),
        "schema": [
            {"name": "full_name", "type": "name", "label": "Nama lengkap", "label_en": "Full name"},
            {
                "name": "sex",
                "type": "choice",
                "choices_from": "sex",
                "label": "Jenis kelamin",
                "label_en": "Sex",
            },
            {"name": "birth_date", "type": "date", "label": "Tanggal lahir", "label_en": "Date of birth"},
            {
                "name": "birth_place",
                "type": "text",
                "label": "Tempat lahir",
                "label_en": "Place of birth",
                "max_length": 80,
            },
            {
                "name": "origin",
                "type": "text",
                "label": "Alamat asal",
                "label_en": "Origin address",
                "max_length": 200,
            },
            {
                "name": "desa",
                "type": "desa",
                "label": "Desa/kelurahan tujuan",
                "label_en": "Destination desa/kelurahan",
            },
            {"name": "rw", "type": "int", "label": "RW", "required": False, "max": 999},
            {"name": "rt", "type": "int", "label": "RT", "required": False, "max": 999},
            {
                "name": "address",
                "type": "text",
                "label": "Alamat tujuan",
                "label_en": "Destination address",
                "max_length": 200,
            },
            {
                "name": "join_kk",
                "type": "kk",
                "label": "Nomor KK yang dituju (jika menumpang)",
                "label_en": "KK number to join (if any)",
                "required": False,
            },
            {
                "name": "relationship",
                "type": "choice",
                "choices_from": "relationship",
                "label": "Hubungan dalam KK yang dituju",
                "label_en": "Relationship in that KK",
                "required": False,
            },
            {"name": "moved_on", "type": "date", "label": "Tanggal datang", "label_en": "Arrival date"},
        ],
        "docs": [
            (
                "skpwni",
                "Surat keterangan pindah (SKPWNI) dari daerah asal",
                "Moving certificate (SKPWNI) from the origin",
                True,
            ),
            KTP_DOC,
        ],
    },
]


@transaction.atomic
def ensure_default_services() -> int:
    """Create the shipped services that are missing. Idempotent: never overwrites edits."""
    created = 0
    for order, spec in enumerate(DEFAULT_SERVICES, start=1):
        kec, dis, ret, total = spec["targets"]
        service, was_created = Service.objects.get_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "name_en": spec["name_en"],
                "category": spec["category"],
                "form_schema": spec["schema"],
                "channels": list(ALL_CHANNELS),
                "applicant_rule": spec["applicant_rule"],
                "effect": spec["effect"],
                "document_type": spec["document_type"],
                "target_days_kecamatan": kec,
                "target_days_disdukcapil": dis,
                "target_days_return": ret,
                "target_days_total": total,
                "order": order * 10,
                "allow_several": spec.get("allow_several", False),
            },
        )
        if not was_created:
            continue
        created += 1
        for doc_order, (code, label, label_en, mandatory) in enumerate(spec["docs"], start=1):
            RequiredDocument.objects.create(
                service=service,
                code=code,
                label=label,
                label_en=label_en,
                mandatory=mandatory,
                order=doc_order * 10,
            )
    return created
