"""Life events that change a person's status: birth, death, marriage and divorce."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from warga.core.scoping import Actor, get_scoped

from ..capabilities import REGISTRY_EVENTS
from ..models import (
    Family,
    LifeEvent,
    LifeEventType,
    LifeStatus,
    MaritalStatus,
    Relationship,
    Resident,
    Sex,
)
from ..names import name_key
from ._common import (
    SPOUSES,
    _check_duplicates,
    _check_past_date,
    _clean_resident,
    _err,
    _event_date,
    _fail,
    _lock_family,
    _lock_resident,
    _membership_start,
    _require_alive,
    _text,
)
from .families import _family_create, _join_family, _leave_family, _split
from .history import _apply, _diff, _family_history, _new_event, _plain, _resident_history
from .numbers import _create_with_number, nik_issue

MIN_MARRIAGE_AGE = 19  # UU 16/2019; younger needs a court dispensation


@transaction.atomic
def birth_register(
    *,
    actor: Actor,
    family: Family,
    full_name: str,
    sex: str,
    birth_date: date,
    birth_place: str,
    mother: Resident | None,
    father: Resident | None,
    reporter: str,
    documents: Sequence[str] = (),
    event_ref: str = "",
) -> Resident:
    """A child born into a family: a new NIK is issued and the child joins the KK as a child."""
    actor.require(REGISTRY_EVENTS)
    family = _lock_family(actor, family)
    errors: list[dict[str, str]] = []
    if not family.is_active:
        errors.append(_err("family", _("This KK is no longer active."), "family_inactive"))
    cleaned = _clean_resident(
        {"full_name": full_name, "sex": sex, "birth_date": birth_date, "birth_place": birth_place}, errors
    )
    child_born = cleaned["birth_date"]
    parents: dict[str, Resident] = {}
    for role, parent, want_sex in (("mother", mother, Sex.FEMALE), ("father", father, Sex.MALE)):
        if parent is None:
            continue
        parent = get_scoped(Resident.objects.all(), actor, pk=parent.pk)
        label = _("The mother") if role == "mother" else _("The father")
        if parent.sex != want_sex:
            errors.append(
                _err(role, _("%(label)s is recorded with the other sex.") % {"label": label}, "parent_sex")
            )
        if role == "mother" and parent.family_id != family.pk:
            errors.append(_err(role, _("The mother is not a member of this KK."), "mother_not_in_family"))
        if child_born and parent.birth_date >= child_born:
            errors.append(
                _err(role, _("A child cannot be older than their parent."), "child_older_than_parent")
            )
        elif child_born and parent.died_on and role == "mother" and parent.died_on < child_born:
            errors.append(
                _err(role, _("The mother's recorded date of death is before the birth."), "parent_dead")
            )
        parents[role] = parent
    if not reporter.strip():
        errors.append(_err("reporter", _("Name who reported the event."), "required"))
    _fail(errors)
    relationship = Relationship.CHILD
    head = Resident.objects.filter(family=family, relationship=Relationship.HEAD).first()
    if head is not None and parents and head.pk not in {p.pk for p in parents.values()}:
        relationship = (
            Relationship.GRANDCHILD if _is_child_of_head(parents, head) else Relationship.OTHER_RELATIVE
        )
    values = {
        **cleaned,
        "desa": family.desa,
        "rw": family.rw,
        "rt": family.rt,
        "address": family.address,
        "family": family,
        "relationship": relationship,
        "mother": parents.get("mother"),
        "father": parents.get("father"),
        "mother_name": parents["mother"].full_name if "mother" in parents else "",
        "father_name": parents["father"].full_name if "father" in parents else "",
        "name_key": name_key(cleaned["full_name"]),
    }
    child = _create_with_number(
        lambda nik: Resident.objects.create(nik=nik, **values),
        lambda: nik_issue(desa=family.desa, birth_date=child_born, sex=cleaned["sex"]),
    )
    _membership_start(child, family, relationship, child_born)
    event = _new_event(
        actor=actor,
        type=LifeEventType.BIRTH,
        occurred_on=child_born,
        desa=family.desa,
        residents=[child, *parents.values()],
        family=family,
        place=birth_place,
        reporter=reporter,
        documents=documents,
        event_ref=event_ref,
    )
    _resident_history(
        child,
        actor=actor,
        action="birth",
        changes={
            k: [None, _plain(v)]
            for k, v in [("nik", child.nik), *values.items()]
            if v not in ("", None) and k != "name_key"
        },
        event=event,
    )
    _family_history(
        family, actor=actor, action="member_born", changes={"member": [None, child.pk]}, event=event
    )
    _check_duplicates([child])
    return child


def _is_child_of_head(parents: dict[str, Resident], head: Resident) -> bool:
    return any(p.relationship in (Relationship.CHILD, Relationship.CHILD_IN_LAW) for p in parents.values())


@transaction.atomic
def death_register(
    *,
    actor: Actor,
    resident: Resident,
    died_on: date,
    place: str,
    reporter: str,
    documents: Sequence[str] = (),
    event_ref: str = "",
) -> LifeEvent:
    """Mark a resident dead, take them off their KK, name a new head, widow the spouse."""
    actor.require(REGISTRY_EVENTS)
    resident = _lock_resident(actor, resident)
    _require_alive(resident)
    errors: list[dict[str, str]] = []
    _check_past_date(died_on, "died_on", errors, _("Date of death"))
    if died_on < resident.birth_date:
        errors.append(
            _err("died_on", _("The date of death is before the date of birth."), "death_before_birth")
        )
    if not reporter.strip():
        errors.append(_err("reporter", _("Name who reported the event."), "required"))
    _fail(errors)
    family = resident.family
    spouses = []
    if family is not None and resident.relationship in (Relationship.HEAD, *SPOUSES):
        partner_roles = {
            Relationship.HEAD: SPOUSES,
            Relationship.HUSBAND: (Relationship.HEAD,),
            Relationship.WIFE: (Relationship.HEAD,),
        }[Relationship(resident.relationship)]
        spouses = list(
            Resident.objects.select_for_update()
            .filter(
                family=family,
                relationship__in=partner_roles,
                life_status=LifeStatus.ALIVE,
                marital_status=MaritalStatus.MARRIED,
            )
            .exclude(sex=resident.sex)
        )
    event = _new_event(
        actor=actor,
        type=LifeEventType.DEATH,
        occurred_on=died_on,
        desa=resident.desa,
        residents=[resident],
        family=family,
        place=place,
        reporter=reporter,
        documents=documents,
        event_ref=event_ref,
    )
    _leave_family(
        resident,
        actor=actor,
        on=died_on,
        end_reason="death",
        event=event,
        extra={"life_status": LifeStatus.DEAD, "died_on": died_on},
    )
    for spouse in spouses:
        diff = _diff(spouse, {"marital_status": MaritalStatus.WIDOWED})
        _apply(spouse, {"marital_status": MaritalStatus.WIDOWED})
        _resident_history(spouse, actor=actor, action="widowed", changes=diff, event=event)
    return event


def _check_spouses(husband: Resident, wife: Resident, errors: list[dict[str, str]]) -> None:
    if husband.sex != Sex.MALE:
        errors.append(_err("husband", _("The husband is recorded as female."), "wrong_sex"))
    if wife.sex != Sex.FEMALE:
        errors.append(_err("wife", _("The wife is recorded as male."), "wrong_sex"))
    if husband.pk == wife.pk:
        errors.append(_err("wife", _("Choose two different people."), "same_person"))


@transaction.atomic
def marriage_register(
    *,
    actor: Actor,
    husband: Resident,
    wife: Resident,
    married_on: date,
    place: str,
    reporter: str,
    documents: Sequence[str] = (),
    event_ref: str = "",
    dispensation_ref: str = "",
    new_family_address: str | None = None,
) -> LifeEvent:
    """Both become married. With `new_family_address` they leave their KKs for a new one
    with the husband as head; otherwise the KKs are left as they are (the couple can be
    put together later with family_add_member or family_split)."""
    actor.require(REGISTRY_EVENTS)
    husband = _lock_resident(actor, husband)
    wife = _lock_resident(actor, wife)
    _require_alive(husband)
    _require_alive(wife)
    errors: list[dict[str, str]] = []
    _check_spouses(husband, wife, errors)
    _event_date(married_on, errors)
    for role, person in (("husband", husband), ("wife", wife)):
        if person.marital_status == MaritalStatus.MARRIED and role == "wife":
            errors.append(
                _err(
                    role,
                    _("%(name)s is already recorded as married.") % {"name": person.full_name},
                    "already_married",
                )
            )
        if married_on and person.age_on(married_on) < MIN_MARRIAGE_AGE and not dispensation_ref.strip():
            errors.append(
                _err(
                    role,
                    _("%(name)s was under %(age)d on the wedding day; give the court dispensation reference.")
                    % {"name": person.full_name, "age": MIN_MARRIAGE_AGE},
                    "under_age",
                )
            )
    if not reporter.strip():
        errors.append(_err("reporter", _("Name who reported the event."), "required"))
    _fail(errors)
    event = _new_event(
        actor=actor,
        type=LifeEventType.MARRIAGE,
        occurred_on=married_on,
        desa=husband.desa,
        residents=[husband, wife],
        place=place,
        reporter=reporter,
        documents=documents,
        event_ref=event_ref,
        details={"dispensation_ref": _text(dispensation_ref, 64)} if dispensation_ref else {},
    )
    reason = _("Marriage")
    for person in (husband, wife):
        values = {"marital_status": MaritalStatus.MARRIED, "ever_married": True}
        diff = _diff(person, values)
        _apply(person, values)
        _resident_history(person, actor=actor, action="marriage", changes=diff, reason=reason, event=event)
    if new_family_address is not None:
        new_family = _family_create(
            actor=actor,
            kk_number=None,
            desa=husband.desa,
            rw=husband.rw,
            rt=husband.rt,
            address=new_family_address or husband.address,
            reason=reason,
        )
        for person, relationship in ((husband, Relationship.HEAD), (wife, Relationship.WIFE)):
            person.refresh_from_db()
            _leave_family(
                person, actor=actor, on=married_on, end_reason="marriage", reason=reason, event=event
            )
            person.refresh_from_db()
            _join_family(
                person, new_family, relationship, actor=actor, on=married_on, reason=reason, event=event
            )
        event.family = new_family
        event.save(update_fields=["family"])
    return event


@transaction.atomic
def divorce_register(
    *,
    actor: Actor,
    husband: Resident,
    wife: Resident,
    divorced_on: date,
    place: str,
    reporter: str,
    documents: Sequence[str] = (),
    event_ref: str = "",
    leaving: Resident | None = None,
    new_family_address: str | None = None,
) -> LifeEvent:
    """Both become divorced. If they share a KK, `leaving` (default: the wife) gets her own KK,
    with whichever members are chosen later; the other keeps the KK."""
    actor.require(REGISTRY_EVENTS)
    husband = _lock_resident(actor, husband)
    wife = _lock_resident(actor, wife)
    _require_alive(husband)
    _require_alive(wife)
    errors: list[dict[str, str]] = []
    _check_spouses(husband, wife, errors)
    _event_date(divorced_on, errors)
    for role, person in (("husband", husband), ("wife", wife)):
        if person.marital_status != MaritalStatus.MARRIED:
            errors.append(
                _err(
                    role,
                    _("%(name)s is not recorded as married.") % {"name": person.full_name},
                    "not_married",
                )
            )
    if leaving is not None and leaving.pk not in (husband.pk, wife.pk):
        errors.append(
            _err("leaving", _("The one who leaves the KK must be the husband or the wife."), "invalid")
        )
    if not reporter.strip():
        errors.append(_err("reporter", _("Name who reported the event."), "required"))
    _fail(errors)
    event = _new_event(
        actor=actor,
        type=LifeEventType.DIVORCE,
        occurred_on=divorced_on,
        desa=husband.desa,
        residents=[husband, wife],
        family=husband.family,
        place=place,
        reporter=reporter,
        documents=documents,
        event_ref=event_ref,
    )
    reason = _("Divorce")
    for person in (husband, wife):
        diff = _diff(person, {"marital_status": MaritalStatus.DIVORCED})
        _apply(person, {"marital_status": MaritalStatus.DIVORCED})
        _resident_history(person, actor=actor, action="divorce", changes=diff, reason=reason, event=event)
    if husband.family_id is not None and husband.family_id == wife.family_id:
        leaver = wife if leaving is None or leaving.pk == wife.pk else husband
        leaver.refresh_from_db()
        family = Family.objects.select_for_update().get(pk=husband.family_id)
        _split(
            actor=actor,
            family=family,
            members=[leaver],
            new_head=leaver,
            address=new_family_address,
            reason=reason,
            event=event,
        )
    return event
