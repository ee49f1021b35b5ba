"""What an approval does to the register, and the checks that guard it.

`effect_check()` runs at submission (bad input → InvalidInput, nothing saved) and again at
approval, where a failure means the register changed since the file was submitted (→ Conflict,
nothing changed). `effect_apply()` calls the registry's services inside the approval's
transaction, so the register and the file change together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from warga.core.errors import Conflict, InvalidInput
from warga.core.scoping import Actor, unscoped
from warga.regions.models import Region, RegionLevel
from warga.registry.models import (
    BloodType,
    Education,
    Family,
    LifeStatus,
    MaritalStatus,
    Relationship,
    Religion,
    Resident,
)

from .models import Application, Effect, Service


@dataclass
class Subjects:
    """The residents and family an application is about, loaded from the register."""

    applicant: Resident | None
    family: Family | None
    people: dict[str, Resident] = field(default_factory=dict)
    join_family: Family | None = None
    desa: Region | None = None


def _bad(message: str, code: str, field_name: str | None = None) -> InvalidInput:
    details = [{"field": field_name, "message": message}] if field_name else None
    return InvalidInput(message, code=code, details=details)


def _resident(nik: str, *, field_name: str, label: str) -> Resident:
    with unscoped("people named by NIK in an application: the whole register"):
        resident = Resident.objects.filter(nik=nik).select_related("family").first()
    if resident is None:
        raise _bad(
            _("%(who)s: this NIK is not in the register.") % {"who": label},
            "applications.nik_unknown",
            field_name,
        )
    if resident.life_status == LifeStatus.DEAD:
        raise _bad(
            _("%(who)s: the register records this person as deceased.") % {"who": label},
            "applications.person_dead",
            field_name,
        )
    if resident.life_status == LifeStatus.MOVED_OUT:
        raise _bad(
            _("%(who)s: the register records this person as moved out.") % {"who": label},
            "applications.person_moved_out",
            field_name,
        )
    return resident


def _in_family(resident: Resident, family: Family | None, *, label: str, field_name: str) -> None:
    if family is None or resident.family_id != family.pk:
        raise _bad(
            _("%(who)s is not a member of the applicant's family card (KK).") % {"who": label},
            "applications.not_in_family",
            field_name,
        )


def _desa(code: str | None) -> Region:
    region = Region.objects.filter(code=code or "", level=RegionLevel.DESA).first()
    if region is None:
        raise _bad(_("Choose a desa/kelurahan of this kabupaten."), "applications.desa_unknown", "desa")
    return region


CORRECT_CHOICES: dict[str, Any] = {
    "marital_status": MaritalStatus,
    "religion": Religion,
    "education": Education,
    "blood_type": BloodType,
}


def effect_check(service: Service, data: dict[str, Any], subjects: Subjects) -> Subjects:  # noqa: C901
    # One short branch per register effect, read side by side with `effect_apply`.
    """Check that the register allows the change; load the people it names into `subjects`."""
    effect = service.effect
    family = subjects.family
    applicant = subjects.applicant
    if effect == Effect.BIRTH:
        mother = _resident(data["mother_nik"], field_name="mother_nik", label=_("Mother"))
        _in_family(mother, family, label=_("The mother"), field_name="mother_nik")
        if mother.sex != "F":
            raise _bad(
                _("The NIK given for the mother belongs to a man."), "applications.mother_sex", "mother_nik"
            )
        subjects.people["mother"] = mother
        if data.get("father_nik"):
            father = _resident(data["father_nik"], field_name="father_nik", label=_("Father"))
            _in_family(father, family, label=_("The father"), field_name="father_nik")
            subjects.people["father"] = father
        birth = date.fromisoformat(data["birth_date"])
        for parent in subjects.people.values():
            if parent.birth_date >= birth:
                raise _bad(
                    _("The child cannot be born before a parent."), "applications.child_older", "birth_date"
                )
        assert family is not None
        duplicate = family.members.filter(
            full_name__iexact=data["child_name"].strip(), birth_date=birth, life_status=LifeStatus.ALIVE
        ).exists()
        if duplicate:
            raise Conflict(
                _("A child with this name and date of birth is already in the family card."),
                code="applications.child_already_added",
            )
    elif effect == Effect.DEATH:
        deceased = _resident(data["deceased_nik"], field_name="deceased_nik", label=_("The deceased"))
        if date.fromisoformat(data["died_on"]) < deceased.birth_date:
            raise _bad(
                _("The date of death is before the date of birth."),
                "applications.died_before_born",
                "died_on",
            )
        subjects.people["deceased"] = deceased
    elif effect == Effect.FAMILY_CREATE:
        assert applicant is not None
        if applicant.family_id:
            raise _bad(
                _("The applicant already has a family card; use the KK split service instead."),
                "applications.already_in_family",
            )
        subjects.desa = _desa(data.get("desa"))
    elif effect == Effect.FAMILY_ADD_MEMBER:
        member = _resident(data["member_nik"], field_name="member_nik", label=_("The new member"))
        if family is not None and member.family_id == family.pk:
            raise Conflict(
                _("This person is already in the family card."), code="applications.already_member"
            )
        subjects.people["member"] = member
    elif effect == Effect.FAMILY_REMOVE_MEMBER:
        member = _resident(data["member_nik"], field_name="member_nik", label=_("The member"))
        _in_family(member, family, label=_("The member"), field_name="member_nik")
        subjects.people["member"] = member
    elif effect == Effect.FAMILY_SPLIT:
        niks = list(data["member_niks"])
        if data["new_head_nik"] not in niks:
            raise _bad(
                _("The new head of family must be one of the members of the new KK."),
                "applications.head_not_member",
                "new_head_nik",
            )
        for i, nik in enumerate(niks):
            person = _resident(nik, field_name="member_niks", label=_("Member %(n)d") % {"n": i + 1})
            _in_family(person, family, label=_("Member %(n)d") % {"n": i + 1}, field_name="member_niks")
            subjects.people[nik] = person
    elif effect == Effect.RESIDENT_CORRECT:
        choices = CORRECT_CHOICES.get(data["field"])
        if choices is not None and data["new_value"] not in choices.values:
            raise _bad(
                _("Choose one of: %(values)s.") % {"values": ", ".join(v for v in choices.values if v)},
                "applications.value_invalid",
                "new_value",
            )
    elif effect == Effect.MOVE_OUT:
        for i, nik in enumerate(data["mover_niks"]):
            person = _resident(nik, field_name="mover_niks", label=_("Person %(n)d") % {"n": i + 1})
            _in_family(person, family, label=_("Person %(n)d") % {"n": i + 1}, field_name="mover_niks")
            subjects.people[nik] = person
    elif effect == Effect.MOVE_IN:
        subjects.desa = _desa(data.get("desa"))
        if data.get("join_kk"):
            with unscoped("a newcomer may join a family card anywhere in the register"):
                join = Family.objects.filter(kk_number=data["join_kk"], is_active=True).first()
            if join is None:
                raise _bad(
                    _("No active family card has this KK number."), "applications.kk_unknown", "join_kk"
                )
            if not data.get("relationship"):
                raise _bad(
                    _("Say how the newcomer is related to the head of that family."),
                    "applications.relationship_missing",
                    "relationship",
                )
            subjects.join_family = join
    return subjects


def snapshot(subjects: Subjects) -> dict[str, Any]:
    """Versions of what the application is about, to notice changes before approval."""
    return {
        "applicant_version": subjects.applicant.version if subjects.applicant else None,
        "family_version": subjects.family.version if subjects.family else None,
        "people": {key: p.version for key, p in subjects.people.items()},
    }


def _register_changed(message: str) -> Conflict:
    return Conflict(
        _(
            "The register changed since this application was submitted: %(problem)s Return the file to the kecamatan."
        )
        % {"problem": message},
        code="applications.register_changed",
    )


def effect_recheck(application: Application) -> Subjects:
    """Reload and re-check everything at approval time; Conflict if the register moved on."""
    service = application.service
    applicant = None
    if application.applicant_id:
        applicant = Resident.objects.select_for_update().get(pk=application.applicant_id)
        if applicant.life_status != LifeStatus.ALIVE:
            raise _register_changed(_("the applicant is no longer a living resident."))
    family = (
        Family.objects.select_for_update().get(pk=application.family_id) if application.family_id else None
    )
    if applicant is not None and family is not None and applicant.family_id != family.pk:
        raise _register_changed(_("the applicant is no longer in the family card."))
    snap = application.register_snapshot or {}
    if (
        service.effect == Effect.RESIDENT_CORRECT
        and applicant
        and snap.get("applicant_version") != applicant.version
    ):
        raise _register_changed(_("the applicant's data was changed by someone else."))
    if service.effect == Effect.FAMILY_UPDATE and family and snap.get("family_version") != family.version:
        raise _register_changed(_("the family card was changed by someone else."))
    try:
        return effect_check(service, application.data, Subjects(applicant=applicant, family=family))
    except InvalidInput as exc:
        raise _register_changed(str(exc.message)) from exc


def effect_apply(*, actor: Actor, application: Application, subjects: Subjects) -> dict[str, Any]:
    """Make the registry change through the registry's services. Returns ids for the record."""
    from warga.registry import services as registry

    data = application.data
    ref = application.tracking_code
    effect = application.service.effect
    reason = _("Application %(code)s (%(service)s)") % {"code": ref, "service": application.service.name}
    documents = [f"{ref}:{a.requirement}" for a in application.attachments.filter(replaced_at__isnull=True)]
    family = subjects.family
    people = subjects.people
    try:
        if effect == Effect.NONE:
            return {}
        if effect == Effect.BIRTH:
            assert family is not None
            child = registry.birth_register(
                actor=actor,
                family=family,
                full_name=data["child_name"].strip(),
                sex=data["child_sex"],
                birth_date=date.fromisoformat(data["birth_date"]),
                birth_place=data["birth_place"],
                mother=people.get("mother"),
                father=people.get("father"),
                reporter=application.applicant_name,
                documents=documents,
                event_ref=ref,
            )
            return {"resident_id": child.pk}
        if effect == Effect.DEATH:
            event = registry.death_register(
                actor=actor,
                resident=people["deceased"],
                died_on=date.fromisoformat(data["died_on"]),
                place=data["death_place"],
                reporter=application.applicant_name,
                documents=documents,
                event_ref=ref,
            )
            return {"resident_id": people["deceased"].pk, "event_id": event.pk}
        if effect == Effect.FAMILY_CREATE:
            assert subjects.applicant is not None and subjects.desa is not None
            new_family = registry.family_create(
                actor=actor,
                kk_number=None,
                desa=subjects.desa,
                rw=data.get("rw"),
                rt=data.get("rt"),
                address=data["address"],
            )
            registry.family_add_member(
                actor=actor,
                family=new_family,
                resident=subjects.applicant,
                relationship=Relationship.HEAD,
                reason=reason,
            )
            return {"family_id": new_family.pk}
        if effect == Effect.FAMILY_ADD_MEMBER:
            assert family is not None
            registry.family_add_member(
                actor=actor,
                family=family,
                resident=people["member"],
                relationship=data["relationship"],
                reason=reason,
            )
            return {"family_id": family.pk if family else None, "resident_id": people["member"].pk}
        if effect == Effect.FAMILY_REMOVE_MEMBER:
            assert family is not None
            registry.family_remove_member(
                actor=actor, family=family, resident=people["member"], reason=f"{reason}: {data['reason']}"
            )
            return {"family_id": family.pk if family else None, "resident_id": people["member"].pk}
        if effect == Effect.FAMILY_UPDATE:
            assert family is not None
            changes = {k: data.get(k) for k in ("address", "rw", "rt") if k in data}
            registry.family_update(
                actor=actor,
                family=family,
                changes=changes,
                reason=reason,
                expected_version=(application.register_snapshot or {}).get("family_version"),
            )
            return {"family_id": family.pk}
        if effect == Effect.FAMILY_SPLIT:
            assert family is not None
            members = [people[nik] for nik in data["member_niks"]]
            new_family = registry.family_split(
                actor=actor,
                family=family,
                members=members,
                new_head=people[data["new_head_nik"]],
                address=data.get("address") or None,
            )
            return {"family_id": new_family.pk}
        if effect == Effect.RESIDENT_CORRECT:
            assert subjects.applicant is not None
            registry.resident_correct(
                actor=actor,
                resident=subjects.applicant,
                changes={data["field"]: data["new_value"]},
                reason=reason,
                expected_version=(application.register_snapshot or {}).get("applicant_version"),
            )
            return {"resident_id": subjects.applicant.pk}
        if effect == Effect.MOVE_OUT:
            event = registry.move_out(
                actor=actor,
                residents=[people[nik] for nik in data["mover_niks"]],
                destination=data["destination"],
                moved_on=date.fromisoformat(data["moved_on"]),
                event_ref=ref,
            )
            return {"event_id": event.pk}
        if effect == Effect.MOVE_IN:
            assert subjects.desa is not None
            person = {
                "nik": application.applicant_nik,
                "full_name": data["full_name"],
                "sex": data["sex"],
                "birth_date": date.fromisoformat(data["birth_date"]),
                "birth_place": data["birth_place"],
            }
            person["relationship"] = (
                data.get("relationship") or Relationship.OTHER_RELATIVE
                if subjects.join_family is not None
                else Relationship.HEAD
            )
            residents = registry.move_in(
                actor=actor,
                data=[person],
                family=subjects.join_family,
                desa=subjects.desa,
                rw=data.get("rw"),
                rt=data.get("rt"),
                address=data["address"],
                moved_on=date.fromisoformat(data["moved_on"]),
                origin=data["origin"],
                event_ref=ref,
            )
            return {"resident_ids": [r.pk for r in residents]}
    except InvalidInput as exc:
        raise _register_changed(str(exc.message)) from exc
    raise ValueError(f"unknown effect {effect!r}")


def effect_describe(application: Application) -> str:
    """What approval will do, in words (shown in the sandbox instead of doing it)."""
    return str(Effect(application.service.effect).label)
