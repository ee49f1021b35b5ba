"""Register API: residents, families, life events, phones, and the public NIK check.

Mounted at the API root (PREFIX ""), so paths are /api/v1/nik/check, /api/v1/residents/…,
/api/v1/families/… and /api/v1/events/…. A NIK never appears in the path of an authenticated
operation: lookups by NIK or KK number are POSTs.
"""

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import Throttled
from ninja.pagination import paginate
from pydantic import ValidationInfo, field_validator

from warga.accounts.auth import actor_of
from warga.core.api_schema import errors
from warga.core.pagination import PageNumberPagination
from warga.core.permissions import public, requires
from warga.regions.models import Region

from . import rules, selectors, services
from .models import Family, LifeEvent, Phone, Resident
from .ratelimit import nik_check_limited

PREFIX = ""
router = Router(tags=["registry"])


# --------------------------------------------------------------------------- schemas


class RegionRef(Schema):
    code: str
    name: str


class NikError(Schema):
    code: str
    message: str


class NikCheckOut(Schema):
    nik: str
    valid: bool
    errors: list[NikError]
    kecamatan_code: str | None
    region_name: str | None = Field(None, description="Kecamatan and kabupaten/kota the NIK was issued in")
    birth_date: date | None
    sex: str | None = Field(None, description="M or F, as coded in the NIK")


class ResidentOut(Schema):
    id: int
    nik: str
    full_name: str
    birth_place: str
    birth_date: date
    sex: str
    religion: str
    marital_status: str
    occupation: str
    education: str
    blood_type: str
    citizenship: str
    father_name: str
    mother_name: str
    desa: RegionRef
    rw: int | None
    rt: int | None
    address: str
    family_id: int | None
    kk_number: str | None
    relationship: str
    life_status: str
    died_on: date | None
    age: int
    ktp_required: bool
    version: int


class ResidentHit(Schema):
    id: int
    nik: str
    full_name: str
    birth_date: date
    sex: str
    desa: RegionRef
    kk_number: str | None
    relationship: str
    life_status: str
    score: float | None


class MemberOut(Schema):
    id: int
    nik: str
    full_name: str
    sex: str
    birth_place: str
    birth_date: date
    relationship: str
    marital_status: str


class FamilyOut(Schema):
    id: int
    kk_number: str
    desa: RegionRef
    rw: int | None
    rt: int | None
    address: str
    issued_on: date | None
    is_active: bool
    version: int
    members: list[MemberOut]


class EventOut(Schema):
    id: int
    type: str
    occurred_on: date
    place: str
    reporter: str
    documents: list[str]
    event_ref: str
    desa: RegionRef
    family_id: int | None
    resident_ids: list[int]


class ChangeOut(Schema):
    at: Any
    actor: str | None
    action: str
    reason: str
    changes: dict[str, Any]
    event_id: int | None


class PhoneOut(Schema):
    id: int
    number: str
    verified: bool
    consent_broadcast: bool
    consent_channel: str
    opted_out: bool
    can_receive_broadcasts: bool


def _full_name(value: str) -> str:
    return rules.pydantic_check(rules.person_name, value)


def _parent_name(value: str, info: ValidationInfo) -> str:
    field = info.field_name or "father_name"
    label = _("Father's name") if field == "father_name" else _("Mother's name")
    return rules.pydantic_check(rules.person_name, value, field=field, label=label, required=False)


def _rt_rw(value: int | None, info: ValidationInfo) -> int | None:
    field = info.field_name or "rt"
    return rules.pydantic_check(rules.rt_rw, value, field=field, label=field.upper())


class NikIn(Schema):
    nik: str = Field(..., max_length=32)


class KkIn(Schema):
    kk_number: str = Field(..., max_length=32)


class SearchIn(Schema):
    q: str = Field("", max_length=120, description="A name, a NIK or a KK number")
    desa: str = Field(
        "", max_length=24, description="Narrows the results; with `kecamatan` too, ranks a name's results"
    )
    kecamatan: str = Field("", max_length=24)
    birth_year: int | None = Field(None, ge=1880, le=2100, description="Narrows the results and ranks them")
    sex: str = Field("", max_length=1)
    family_id: int | None = None
    alive_only: bool = False
    birth_date: date | None = Field(None, description="Ranks the results; narrows them to that year ±1")
    parent_name: str = Field("", max_length=120, description="A parent's name as told; ranks the results")


class PersonIn(Schema):
    nik: str = Field("", max_length=32)
    full_name: str = Field(..., max_length=200)
    sex: str = Field(..., max_length=1)
    birth_date: date
    birth_place: str = ""
    religion: str = ""
    marital_status: str = ""
    occupation: str = ""
    education: str = ""
    blood_type: str = ""
    citizenship: str = ""
    father_name: str = ""
    mother_name: str = ""
    rw: int | None = None
    rt: int | None = None
    address: str = ""

    _check_full_name = field_validator("full_name")(_full_name)
    _check_parent_names = field_validator("father_name", "mother_name")(_parent_name)
    _check_rt_rw = field_validator("rw", "rt")(_rt_rw)


class ResidentCreateIn(PersonIn):
    desa: str = Field("", max_length=24, description="Desa code, when not joining a family")
    family_id: int | None = None
    relationship: str = ""
    reason: str = ""


class ResidentEntryIn(PersonIn):
    desa: str = Field("", max_length=24, description="Desa code of the new KK, when not joining a family")
    family_id: int | None = Field(None, description="The KK to join; leave empty to issue a new KK")
    relationship: str = Field("", description="Relationship to the head; a new KK's first member is the head")
    reason: str = Field(..., max_length=300, description="Why the resident was missing (kept in history)")


class MoveInPerson(PersonIn):
    relationship: str


class CorrectIn(Schema):
    changes: dict[str, Any]
    reason: str
    expected_version: int | None = None


class FamilyCreateIn(Schema):
    kk_number: str | None = Field(None, description="Leave empty to issue a new KK number")
    desa: str
    rw: int | None = None
    rt: int | None = None
    address: str = ""

    _check_rt_rw = field_validator("rw", "rt")(_rt_rw)


class FamilyMemberIn(Schema):
    resident_id: int
    relationship: str = ""
    reason: str


class SplitIn(Schema):
    member_ids: list[int]
    new_head_id: int
    address: str | None = None
    reason: str | None = Field(
        None, max_length=300, description="Kept in the history (at least 5 characters)"
    )


class BirthIn(Schema):
    family_id: int
    full_name: str
    sex: str
    birth_date: date
    birth_place: str
    mother_id: int | None = None
    father_id: int | None = None
    reporter: str
    documents: list[str] = []
    event_ref: str = ""

    _check_full_name = field_validator("full_name")(_full_name)


class DeathIn(Schema):
    resident_id: int
    died_on: date
    place: str = ""
    reporter: str
    documents: list[str] = []
    event_ref: str = ""


class MoveWithinIn(Schema):
    resident_ids: list[int]
    to_desa: str
    rw: int | None = None
    rt: int | None = None
    address: str = ""
    moved_on: date
    event_ref: str = ""

    _check_rt_rw = field_validator("rw", "rt")(_rt_rw)


class MoveOutIn(Schema):
    resident_ids: list[int]
    destination: str
    moved_on: date
    event_ref: str = ""


class MoveInIn(Schema):
    people: list[MoveInPerson]
    family_id: int | None = None
    desa: str = ""
    rw: int | None = None
    rt: int | None = None
    address: str = ""
    moved_on: date
    origin: str
    event_ref: str = ""

    _check_rt_rw = field_validator("rw", "rt")(_rt_rw)


class MarriageIn(Schema):
    husband_id: int
    wife_id: int
    married_on: date
    place: str = ""
    reporter: str
    documents: list[str] = []
    event_ref: str = ""
    dispensation_ref: str = ""
    new_family_address: str | None = None


class DivorceIn(Schema):
    husband_id: int
    wife_id: int
    divorced_on: date
    place: str = ""
    reporter: str
    documents: list[str] = []
    event_ref: str = ""
    leaving_id: int | None = None
    new_family_address: str | None = None


class PhoneIn(Schema):
    number: str = Field(..., max_length=32)
    consent_broadcast: bool = False
    channel: str = "counter"


class CodeIn(Schema):
    code: str = Field(..., max_length=12)


class ConsentIn(Schema):
    consent_broadcast: bool
    channel: str


# --------------------------------------------------------------------------- converters


def _region(region: Region) -> RegionRef:
    return RegionRef(code=region.code, name=region.name)


def _resident(r: Resident) -> ResidentOut:
    return ResidentOut(
        id=r.pk,
        nik=r.nik,
        full_name=r.full_name,
        birth_place=r.birth_place,
        birth_date=r.birth_date,
        sex=r.sex,
        religion=r.religion,
        marital_status=r.marital_status,
        occupation=r.occupation,
        education=r.education,
        blood_type=r.blood_type,
        citizenship=r.citizenship,
        father_name=r.father_name,
        mother_name=r.mother_name,
        desa=_region(r.desa),
        rw=r.rw,
        rt=r.rt,
        address=r.address,
        family_id=r.family_id,
        kk_number=r.family.kk_number if r.family else None,
        relationship=r.relationship,
        life_status=r.life_status,
        died_on=r.died_on,
        age=r.age,
        ktp_required=r.ktp_required,
        version=r.version,
    )


def _hit(r: Resident) -> ResidentHit:
    return ResidentHit(
        id=r.pk,
        nik=r.nik,
        full_name=r.full_name,
        birth_date=r.birth_date,
        sex=r.sex,
        desa=_region(r.desa),
        kk_number=r.family.kk_number if r.family else None,
        relationship=r.relationship,
        life_status=r.life_status,
        score=getattr(r, "score", None),
    )


def _family(request: HttpRequest, family: Family) -> FamilyOut:
    members = selectors.family_members(actor=actor_of(request), family=family)
    return FamilyOut(
        id=family.pk,
        kk_number=family.kk_number,
        desa=_region(family.desa),
        rw=family.rw,
        rt=family.rt,
        address=family.address,
        issued_on=family.issued_on,
        is_active=family.is_active,
        version=family.version,
        members=[
            MemberOut(
                id=m.pk,
                nik=m.nik,
                full_name=m.full_name,
                sex=m.sex,
                birth_place=m.birth_place,
                birth_date=m.birth_date,
                relationship=m.relationship,
                marital_status=m.marital_status,
            )
            for m in members
        ],
    )


def _event(event: LifeEvent) -> EventOut:
    return EventOut(
        id=event.pk,
        type=event.type,
        occurred_on=event.occurred_on,
        place=event.place,
        reporter=event.reporter,
        documents=list(event.documents),
        event_ref=event.event_ref,
        desa=_region(event.desa),
        family_id=event.family_id,
        resident_ids=sorted(event.residents.values_list("pk", flat=True)),
    )


def _phone(phone: Phone) -> PhoneOut:
    return PhoneOut(
        id=phone.pk,
        number=phone.number,
        verified=phone.verified_at is not None,
        consent_broadcast=phone.consent_broadcast,
        consent_channel=phone.consent_channel,
        opted_out=phone.opted_out_at is not None,
        can_receive_broadcasts=phone.can_receive_broadcasts,
    )


class _Hits:
    """Search results for the paginator: a list or a queryset, turned into hits one page at a time."""

    def __init__(self, found: Sequence[Resident] | QuerySet[Resident]):
        self.found = found

    def __len__(self) -> int:
        return self.found.count() if isinstance(self.found, QuerySet) else len(self.found)

    def __getitem__(self, page: slice) -> list[ResidentHit]:
        return [_hit(r) for r in self.found[page]]


def _resident_ref(pk: int | None) -> Resident | None:
    return Resident(pk=pk) if pk else None


def _opened(request: HttpRequest, pk: int) -> Resident:
    return selectors.resident_open(actor=actor_of(request), pk=pk)


# --------------------------------------------------------------------------- public NIK check


@router.post(
    "/nik/check",
    auth=None,
    response={200: NikCheckOut, **errors(409, 429)},
    summary="Check the structure of a NIK (public)",
)
@public
def nik_check(request: HttpRequest, payload: NikIn) -> NikCheckOut:
    """Checks the 16 digits, the kecamatan code, the coded birth date and the serial.

    Says nothing about whether anyone holds this NIK: the register is not consulted. The NIK
    goes in the body, so it stays out of URLs and access logs.
    """
    if nik_check_limited(request):  # one budget with the /cek-nik/ page
        raise Throttled(wait=60)
    checked = selectors.nik_check_public(payload.nik)
    result, region_name = checked.check, checked.region_name
    return NikCheckOut(
        nik=result.nik,
        valid=result.valid,
        errors=[NikError(code=e.code, message=e.message) for e in result.errors],
        kecamatan_code=result.kecamatan_code,
        region_name=region_name,
        birth_date=result.birth_date,
        sex=result.sex,
    )


# --------------------------------------------------------------------------- residents


@router.get(
    "/residents/{int:resident_id}", response={200: ResidentOut, **errors(401, 403, 404)}, summary="A resident"
)
@requires("registry.view")
def resident_detail(request: HttpRequest, resident_id: int) -> ResidentOut:
    """Reading a record is audit-logged."""
    return _resident(_opened(request, resident_id))


@router.post(
    "/residents/lookup",
    response={200: ResidentOut, **errors(401, 403, 404, 409)},
    summary="A resident by NIK",
)
@requires("registry.view")
def resident_lookup(request: HttpRequest, payload: NikIn) -> ResidentOut:
    """The NIK goes in the body so it does not end up in access logs."""
    return _resident(selectors.resident_open(actor=actor_of(request), nik=payload.nik))


@router.post(
    "/residents/search",
    response={200: list[ResidentHit], **errors(401, 403, 409)},
    summary="Search residents",
)
@paginate(PageNumberPagination)
@requires("registry.view")
def resident_search(request: HttpRequest, payload: SearchIn) -> list[ResidentHit]:
    """By name (spelling variants included, best match first), NIK or KK number, with filters."""
    found = selectors.resident_search(
        actor=actor_of(request),
        query=payload.q,
        filters=selectors.SearchFilters(
            desa=payload.desa,
            kecamatan=payload.kecamatan,
            birth_year=payload.birth_year,
            sex=payload.sex,
            family_id=payload.family_id,
            alive_only=payload.alive_only,
            birth_date=payload.birth_date,
            parent_name=payload.parent_name,
        ),
    )
    return _Hits(found)  # type: ignore[return-value]


@router.post(
    "/residents", response={201: ResidentOut, **errors(401, 403, 404, 409)}, summary="Add a resident"
)
@requires("registry.edit")
def resident_create(request: HttpRequest, payload: ResidentCreateIn) -> Status[ResidentOut]:
    data = payload.model_dump(exclude={"family_id", "relationship", "reason"})
    family = Family(pk=payload.family_id) if payload.family_id else None
    resident = services.resident_create(
        actor=actor_of(request),
        data=data,
        family=family,
        relationship=payload.relationship,
        reason=payload.reason,
    )
    return Status(201, _resident(Resident.objects.select_related("desa", "family").get(pk=resident.pk)))


@router.post(
    "/residents/entry",
    response={201: ResidentOut, **errors(401, 403, 404, 409)},
    summary="Enter a resident missing from the register",
)
@requires("registry.edit")
def resident_entry(request: HttpRequest, payload: ResidentEntryIn) -> Status[ResidentOut]:
    """Biodata entry outside a life event: into the KK `family_id` with a relationship, or as head
    of a new KK whose number is issued now. The reason is required and kept in the history."""
    data = payload.model_dump(exclude={"family_id", "relationship", "reason"})
    resident = services.resident_enter(
        actor=actor_of(request),
        data=data,
        family=Family(pk=payload.family_id) if payload.family_id else None,
        relationship=payload.relationship,
        reason=payload.reason,
    )
    return Status(201, _resident(Resident.objects.select_related("desa", "family").get(pk=resident.pk)))


@router.post(
    "/residents/{int:resident_id}/correct",
    response={200: ResidentOut, **errors(401, 403, 404, 409)},
    summary="Correct a resident's data",
)
@requires("registry.correct")
def resident_correct(request: HttpRequest, resident_id: int, payload: CorrectIn) -> ResidentOut:
    """Send `expected_version` from the record you read: 409 if someone changed it since."""
    resident = services.resident_correct(
        actor=actor_of(request),
        resident=Resident(pk=resident_id),
        changes=payload.changes,
        reason=payload.reason,
        expected_version=payload.expected_version,
    )
    return _resident(Resident.objects.select_related("desa", "family").get(pk=resident.pk))


@router.get(
    "/residents/{int:resident_id}/history",
    response={200: list[ChangeOut], **errors(401, 403, 404)},
    summary="A resident's change history",
)
@paginate(PageNumberPagination)
@requires("registry.view")
def resident_history(request: HttpRequest, resident_id: int) -> list[ChangeOut]:
    resident = _opened(request, resident_id)
    return [
        ChangeOut(
            at=c.at,
            actor=c.actor.username if c.actor else None,
            action=c.action,
            reason=c.reason,
            changes=c.changes,
            event_id=c.event_id,
        )
        for c in selectors.resident_history(actor=actor_of(request), resident=resident)
    ]


@router.get(
    "/residents/{int:resident_id}/events",
    response={200: list[EventOut], **errors(401, 403, 404)},
    summary="A resident's life events",
)
@paginate(PageNumberPagination)
@requires("registry.view")
def resident_events(request: HttpRequest, resident_id: int) -> list[EventOut]:
    resident = _opened(request, resident_id)
    return [_event(e) for e in selectors.resident_events(actor=actor_of(request), resident=resident)]


@router.get(
    "/residents/{int:resident_id}/phones",
    response={200: list[PhoneOut], **errors(401, 403, 404)},
    summary="A resident's phone numbers",
)
@paginate(PageNumberPagination)
@requires("registry.view")
def resident_phones(request: HttpRequest, resident_id: int) -> list[PhoneOut]:
    resident = _opened(request, resident_id)
    return [_phone(p) for p in selectors.resident_phones(actor=actor_of(request), resident=resident)]


@router.post(
    "/residents/{int:resident_id}/phones",
    response={201: PhoneOut, **errors(401, 403, 404, 409)},
    summary="Add a phone number (sends a code by SMS)",
)
@requires("registry.phones")
def phone_add(request: HttpRequest, resident_id: int, payload: PhoneIn) -> Status[PhoneOut]:
    phone = services.phone_add(
        actor=actor_of(request),
        resident=Resident(pk=resident_id),
        number=payload.number,
        consent_broadcast=payload.consent_broadcast,
        channel=payload.channel,
    )
    return Status(201, _phone(phone))


@router.post(
    "/phones/{int:phone_id}/verify",
    response={200: PhoneOut, **errors(401, 403, 404, 409)},
    summary="Verify a phone",
)
@requires("registry.phones")
def phone_verify(request: HttpRequest, phone_id: int, payload: CodeIn) -> PhoneOut:
    return _phone(services.phone_verify(actor=actor_of(request), phone=Phone(pk=phone_id), code=payload.code))


@router.post(
    "/phones/{int:phone_id}/resend",
    response={200: PhoneOut, **errors(401, 403, 404, 409)},
    summary="Send a new code",
)
@requires("registry.phones")
def phone_resend(request: HttpRequest, phone_id: int) -> PhoneOut:
    return _phone(services.phone_resend_code(actor=actor_of(request), phone=Phone(pk=phone_id)))


@router.post(
    "/phones/{int:phone_id}/consent",
    response={200: PhoneOut, **errors(401, 403, 404, 409)},
    summary="Record broadcast consent",
)
@requires("registry.phones")
def phone_consent(request: HttpRequest, phone_id: int, payload: ConsentIn) -> PhoneOut:
    return _phone(
        services.phone_consent_set(
            actor=actor_of(request),
            phone=Phone(pk=phone_id),
            consent_broadcast=payload.consent_broadcast,
            channel=payload.channel,
        )
    )


# --------------------------------------------------------------------------- families


@router.get(
    "/families/{int:family_id}", response={200: FamilyOut, **errors(401, 403, 404)}, summary="A family (KK)"
)
@requires("registry.view")
def family_detail(request: HttpRequest, family_id: int) -> FamilyOut:
    return _family(request, selectors.family_open(actor=actor_of(request), pk=family_id))


@router.post(
    "/families/lookup",
    response={200: FamilyOut, **errors(401, 403, 404, 409)},
    summary="A family by KK number",
)
@requires("registry.view")
def family_lookup(request: HttpRequest, payload: KkIn) -> FamilyOut:
    return _family(request, selectors.family_open(actor=actor_of(request), kk_number=payload.kk_number))


@router.post(
    "/families", response={201: FamilyOut, **errors(401, 403, 404, 409)}, summary="Create a family (KK)"
)
@requires("registry.edit")
def family_create(request: HttpRequest, payload: FamilyCreateIn) -> Status[FamilyOut]:
    actor = actor_of(request)
    family = services.family_create(
        actor=actor,
        kk_number=payload.kk_number or None,
        desa=payload.desa,  # type: ignore[arg-type]  # the service resolves codes too
        rw=payload.rw,
        rt=payload.rt,
        address=payload.address,
    )
    return Status(201, _family(request, family))


@router.post(
    "/families/{int:family_id}/update",
    response={200: FamilyOut, **errors(401, 403, 404, 409)},
    summary="Correct a family's data",
)
@requires("registry.edit")
def family_update(request: HttpRequest, family_id: int, payload: CorrectIn) -> FamilyOut:
    family = services.family_update(
        actor=actor_of(request),
        family=Family(pk=family_id),
        changes=payload.changes,
        reason=payload.reason,
        expected_version=payload.expected_version,
    )
    return _family(request, Family.objects.select_related("desa").get(pk=family.pk))


@router.post(
    "/families/{int:family_id}/members",
    response={200: FamilyOut, **errors(401, 403, 404, 409)},
    summary="Add a member to a family",
)
@requires("registry.edit")
def family_add_member(request: HttpRequest, family_id: int, payload: FamilyMemberIn) -> FamilyOut:
    actor = actor_of(request)
    services.family_add_member(
        actor=actor,
        family=Family(pk=family_id),
        resident=Resident(pk=payload.resident_id),
        relationship=payload.relationship,
        reason=payload.reason,
    )
    return _family(request, selectors.family_get(actor=actor, pk=family_id))


@router.post(
    "/families/{int:family_id}/members/remove",
    response={200: FamilyOut, **errors(401, 403, 404, 409)},
    summary="Remove a member from a family",
)
@requires("registry.edit")
def family_remove_member(request: HttpRequest, family_id: int, payload: FamilyMemberIn) -> FamilyOut:
    actor = actor_of(request)
    services.family_remove_member(
        actor=actor,
        family=Family(pk=family_id),
        resident=Resident(pk=payload.resident_id),
        reason=payload.reason,
    )
    return _family(request, selectors.family_get(actor=actor, pk=family_id))


@router.post(
    "/families/{int:family_id}/split",
    response={201: FamilyOut, **errors(401, 403, 404, 409)},
    summary="Split members off into a new family",
)
@requires("registry.edit")
def family_split(request: HttpRequest, family_id: int, payload: SplitIn) -> Status[FamilyOut]:
    """The new KK's number is issued now (409 when no serial is left for today)."""
    new = services.family_split(
        actor=actor_of(request),
        family=Family(pk=family_id),
        members=[Resident(pk=pk) for pk in payload.member_ids],
        new_head=Resident(pk=payload.new_head_id),
        address=payload.address,
        reason=payload.reason,
    )
    return Status(201, _family(request, Family.objects.select_related("desa").get(pk=new.pk)))


# --------------------------------------------------------------------------- life events


@router.post(
    "/events/birth", response={201: ResidentOut, **errors(401, 403, 404, 409)}, summary="Register a birth"
)
@requires("registry.events")
def event_birth(request: HttpRequest, payload: BirthIn) -> Status[ResidentOut]:
    """Issues the child's NIK and adds the child to the family."""
    child = services.birth_register(
        actor=actor_of(request),
        family=Family(pk=payload.family_id),
        full_name=payload.full_name,
        sex=payload.sex,
        birth_date=payload.birth_date,
        birth_place=payload.birth_place,
        mother=_resident_ref(payload.mother_id),
        father=_resident_ref(payload.father_id),
        reporter=payload.reporter,
        documents=payload.documents,
        event_ref=payload.event_ref,
    )
    return Status(201, _resident(Resident.objects.select_related("desa", "family").get(pk=child.pk)))


@router.post(
    "/events/death", response={201: EventOut, **errors(401, 403, 404, 409)}, summary="Register a death"
)
@requires("registry.events")
def event_death(request: HttpRequest, payload: DeathIn) -> Status[EventOut]:
    event = services.death_register(
        actor=actor_of(request),
        resident=Resident(pk=payload.resident_id),
        died_on=payload.died_on,
        place=payload.place,
        reporter=payload.reporter,
        documents=payload.documents,
        event_ref=payload.event_ref,
    )
    return Status(201, _event(event))


@router.post(
    "/events/move-within",
    response={201: EventOut, **errors(401, 403, 404, 409)},
    summary="Register a move within the region",
)
@requires("registry.events")
def event_move_within(request: HttpRequest, payload: MoveWithinIn) -> Status[EventOut]:
    event = services.move_within(
        actor=actor_of(request),
        residents=[Resident(pk=pk) for pk in payload.resident_ids],
        to_desa=Region(code=payload.to_desa),
        rw=payload.rw,
        rt=payload.rt,
        address=payload.address,
        moved_on=payload.moved_on,
        event_ref=payload.event_ref,
    )
    return Status(201, _event(event))


@router.post(
    "/events/move-out", response={201: EventOut, **errors(401, 403, 404, 409)}, summary="Register a move out"
)
@requires("registry.events")
def event_move_out(request: HttpRequest, payload: MoveOutIn) -> Status[EventOut]:
    event = services.move_out(
        actor=actor_of(request),
        residents=[Resident(pk=pk) for pk in payload.resident_ids],
        destination=payload.destination,
        moved_on=payload.moved_on,
        event_ref=payload.event_ref,
    )
    return Status(201, _event(event))


@router.post(
    "/events/move-in",
    response={201: list[ResidentOut], **errors(401, 403, 404, 409)},
    summary="Register a move in",
)
@requires("registry.events")
def event_move_in(request: HttpRequest, payload: MoveInIn) -> Status[list[ResidentOut]]:
    people = services.move_in(
        actor=actor_of(request),
        data=[p.model_dump() for p in payload.people],
        family=Family(pk=payload.family_id) if payload.family_id else None,
        desa=payload.desa,  # type: ignore[arg-type]  # the service resolves codes too
        rw=payload.rw,
        rt=payload.rt,
        address=payload.address,
        moved_on=payload.moved_on,
        origin=payload.origin,
        event_ref=payload.event_ref,
    )
    pks = [p.pk for p in people]
    loaded = {r.pk: r for r in Resident.objects.select_related("desa", "family").filter(pk__in=pks)}
    return Status(201, [_resident(loaded[pk]) for pk in pks])


@router.post(
    "/events/marriage", response={201: EventOut, **errors(401, 403, 404, 409)}, summary="Register a marriage"
)
@requires("registry.events")
def event_marriage(request: HttpRequest, payload: MarriageIn) -> Status[EventOut]:
    event = services.marriage_register(
        actor=actor_of(request),
        husband=Resident(pk=payload.husband_id),
        wife=Resident(pk=payload.wife_id),
        married_on=payload.married_on,
        place=payload.place,
        reporter=payload.reporter,
        documents=payload.documents,
        event_ref=payload.event_ref,
        dispensation_ref=payload.dispensation_ref,
        new_family_address=payload.new_family_address,
    )
    return Status(201, _event(event))


@router.post(
    "/events/divorce", response={201: EventOut, **errors(401, 403, 404, 409)}, summary="Register a divorce"
)
@requires("registry.events")
def event_divorce(request: HttpRequest, payload: DivorceIn) -> Status[EventOut]:
    event = services.divorce_register(
        actor=actor_of(request),
        husband=Resident(pk=payload.husband_id),
        wife=Resident(pk=payload.wife_id),
        divorced_on=payload.divorced_on,
        place=payload.place,
        reporter=payload.reporter,
        documents=payload.documents,
        event_ref=payload.event_ref,
        leaving=_resident_ref(payload.leaving_id),
        new_family_address=payload.new_family_address,
    )
    return Status(201, _event(event))
