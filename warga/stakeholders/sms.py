"""The stakeholder register as an SMS recipient list (`messaging.audience.register_recipient_list`):
a broadcast whose segment is `{"list": "stakeholders", kinds, topic, region, unit, ids}` goes to
the active stakeholders of the selection who agreed to receive SMS. Those without consent are left
out and counted in the preview; naming one of them as a recipient is refused before anything is
stored."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import CharField, F, Max, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from warga.core.errors import InvalidInput, NotFound
from warga.core.scoping import Actor, code_within

from . import capabilities as caps
from .models import Stakeholder, StakeholderKind, Topic
from .selectors import stakeholders_visible, unit_bound

KEYS = {"kinds", "topic", "region", "unit", "ids"}
MAX_IDS = 500


def _bad(message: str) -> InvalidInput:
    return InvalidInput(message, code="stakeholders.selection")


def _ints(value: Any) -> list[int]:
    values = value if isinstance(value, list | tuple) else [value]
    try:
        out = sorted({int(v) for v in values})
    except (TypeError, ValueError):
        raise _bad(_("Stakeholders are chosen by their number.")) from None
    if len(out) > MAX_IDS or any(not 1 <= v <= 2_147_483_647 for v in out):
        raise _bad(_("Stakeholders are chosen by their number."))
    return out


class StakeholderList:
    def clean(self, *, actor: Actor, area_code: str, selection: Mapping[str, Any]) -> dict[str, Any]:
        actor.require(caps.VIEW)
        selection = {k: v for k, v in selection.items() if v not in (None, "", [])}
        unknown = set(selection) - KEYS
        if unknown:
            raise _bad(_("Unknown segment fields: %(f)s.") % {"f": ", ".join(sorted(unknown))})
        out: dict[str, Any] = {}
        kinds = selection.get("kinds", [])
        kinds = [kinds] if isinstance(kinds, str) else list(kinds)
        if any(k not in StakeholderKind.values for k in kinds):
            raise _bad(_("Choose the kind of stakeholder."))
        if kinds:
            out["kinds"] = sorted(set(kinds))
        if "topic" in selection:
            if selection["topic"] not in Topic.values:
                raise _bad(_("Unknown topics: %(t)s.") % {"t": selection["topic"]})
            out["topic"] = selection["topic"]
        if "region" in selection:
            region = str(selection["region"]).strip()
            if not code_within(region, area_code):
                raise NotFound(_("This area does not exist."), code="broadcast.area")
            out["region"] = region
        if unit_bound(actor):
            out["unit"] = actor.unit_id
        elif "unit" in selection:
            out["unit"] = _ints(selection["unit"])[0]
        if "ids" in selection:
            out["ids"] = self._targets(actor, area_code, _ints(selection["ids"]))
        return out

    def _targets(self, actor: Actor, area_code: str, ids: list[int]) -> list[int]:
        """Stakeholders named one by one: each visible, active and with consent, or refused."""
        found = stakeholders_visible(actor).filter(pk__in=ids, active=True, region__within=area_code)
        rows = list(found.values_list("pk", "name", "sms_consent", "phone"))
        if len(rows) != len(ids):
            raise NotFound(_("Not found."))
        refused = [name for _pk, name, consent, phone in rows if not consent or not phone]
        if refused:
            raise InvalidInput(
                ngettext(
                    "%(names)s has not agreed to receive SMS from the government: no broadcast can be "
                    "sent to them. Record their consent first.",
                    "%(names)s have not agreed to receive SMS from the government: no broadcast can be "
                    "sent to them. Record their consent first.",
                    len(refused),
                )
                % {"names": ", ".join(sorted(refused))},
                code="stakeholders.no_consent",
            )
        return ids

    def _selected(self, area_code: str, selection: Mapping[str, Any]) -> QuerySet[Stakeholder]:
        qs = Stakeholder.objects.filter(active=True, region__within=area_code)
        if selection.get("kinds"):
            qs = qs.filter(kind__in=selection["kinds"])
        if selection.get("topic"):
            qs = qs.filter(topics__contains=f",{selection['topic']},")
        if selection.get("region"):
            qs = qs.filter(region__within=selection["region"])
        if selection.get("unit"):
            qs = qs.filter(unit_id=selection["unit"])
        if selection.get("ids"):
            qs = qs.filter(pk__in=selection["ids"])
        return qs

    def recipients(self, *, area_code: str, selection: Mapping[str, Any]) -> QuerySet[Any]:
        return (
            self._selected(area_code, selection)
            .filter(sms_consent=True)
            .exclude(phone="")
            .annotate(number=F("phone"))
        )

    def excluded(self, *, area_code: str, selection: Mapping[str, Any]) -> list[tuple[str, int]]:
        selected = self._selected(area_code, selection)
        return [
            (_("no SMS consent recorded"), selected.filter(sms_consent=False).count()),
            (_("no phone number"), selected.filter(sms_consent=True, phone="").count()),
        ]

    def columns(self) -> dict[str, Any]:
        dash = Value("-", output_field=CharField())
        return {
            "nama": F("name"),
            "desa": F("region__name"),
            "kecamatan": Coalesce(F("region__parent__name"), dash),
            "rw": dash,
            "rt": dash,
        }

    def top_id(self) -> int:
        return int(Stakeholder.objects.aggregate(m=Max("id"))["m"] or 0)
