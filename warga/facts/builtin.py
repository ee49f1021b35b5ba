"""Metrics of the apps below facts (the register, the SMS centre), registered by facts itself,
and the signals that keep today's register facts fresh between two nightly rebuilds."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Q
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from warga.regions.models import RegionLevel

from .metrics import OverTime, Rollup, Unit, counts, day_bounds, register_metric

REGISTER = _("Population")
SMS = _("SMS")


def _living(day: date, codes: list[str] | None) -> dict[Any, int]:
    from warga.registry.models import LifeStatus, Resident

    if day >= timezone.localdate():
        # Today: the register as it stands, the number the population statistics show.
        qs = Resident.objects.filter(life_status=LifeStatus.ALIVE)
    else:
        # An earlier day, from the dates the register keeps (born by then, not yet dead).
        qs = Resident.objects.filter(
            Q(life_status=LifeStatus.ALIVE) | Q(life_status=LifeStatus.DEAD, died_on__gt=day),
            birth_date__lte=day,
        )
    if codes is not None:
        qs = qs.filter(desa_id__in=codes)
    return counts(qs.values(code=F("desa_id")).annotate(n=Count("id")).order_by())


def _events(kind: str) -> Any:
    def compute(day: date, codes: list[str] | None) -> dict[Any, int]:
        from warga.registry.models import LifeEvent

        qs = LifeEvent.objects.filter(type=kind, occurred_on=day)
        if codes is not None:
            qs = qs.filter(desa_id__in=codes)
        return counts(qs.values(code=F("desa_id")).annotate(n=Count("id")).order_by())

    return compute


def _installation(codes: list[str] | None) -> str | None:
    code = str(settings.WARGA_REGION_CODE)
    return code if codes is None or code in codes else None


def _sms(delivered: bool) -> Any:
    def compute(day: date, codes: list[str] | None) -> dict[Any, int]:
        from warga.messaging.models import SmsMessage, SmsStatus

        code = _installation(codes)
        if code is None:
            return {}
        start, end = day_bounds(day)
        statuses = [SmsStatus.DELIVERED] if delivered else [SmsStatus.SENT, SmsStatus.DELIVERED]
        n = SmsMessage.objects.filter(created_at__gte=start, created_at__lt=end, status__in=statuses).count()
        return {code: n}

    return compute


def _optouts(day: date, codes: list[str] | None) -> dict[Any, int]:
    from warga.messaging.models import NumberPreference

    code = _installation(codes)
    if code is None:
        return {}
    start, end = day_bounds(day)
    return {code: NumberPreference.objects.filter(opted_out_at__gte=start, opted_out_at__lt=end).count()}


def register() -> None:
    from warga.registry.models import LifeEventType

    common: dict[str, Any] = {"domain": "registry", "domain_label": REGISTER, "capability": "registry.stats"}
    register_metric(
        key="residents.living",
        label=_("Living residents"),
        unit=Unit.COUNT,
        rollup=Rollup.SUM,
        over_time=OverTime.STOCK,
        compute=_living,
        headline=True,
        order=10,
        **common,
    )
    for order, (key, kind, label, topics) in enumerate(
        [
            ("residents.births", LifeEventType.BIRTH, _("Births registered"), ("kesehatan", "kelahiran")),
            ("residents.deaths", LifeEventType.DEATH, _("Deaths registered"), ("kesehatan", "meninggal")),
            ("residents.moves_in", LifeEventType.MOVE_IN, _("Moves in"), ()),
            ("residents.moves_out", LifeEventType.MOVE_OUT, _("Moves out"), ()),
        ],
        start=11,
    ):
        register_metric(
            key=key,
            label=label,
            unit=Unit.COUNT,
            rollup=Rollup.SUM,
            compute=_events(kind),
            topics=topics,
            headline=key == "residents.births",
            order=order,
            **common,
        )
    sms: dict[str, Any] = {
        "domain": "sms",
        "domain_label": SMS,
        "capability": "sms.stats",
        "level": RegionLevel.KABUPATEN,
        "unit": Unit.COUNT,
        "rollup": Rollup.SUM,
    }
    register_metric(key="sms.sent", label=_("SMS sent"), compute=_sms(False), order=80, **sms)
    register_metric(key="sms.delivered", label=_("SMS delivered"), compute=_sms(True), order=81, **sms)
    register_metric(key="sms.optouts", label=_("SMS opt-outs"), compute=_optouts, order=82, **sms)
    _connect()


def _connect() -> None:
    from warga.registry.models import LifeEvent, Resident

    post_save.connect(_life_event_saved, sender=LifeEvent, dispatch_uid="facts.life_event")
    post_save.connect(_resident_saved, sender=Resident, dispatch_uid="facts.resident")


def _life_event_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    from .services import fact_touch

    if created:
        fact_touch(domain="registry", region_code=instance.desa_id, day=instance.occurred_on)
        fact_touch(domain="registry", region_code=instance.desa_id)  # today's living residents


def _resident_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    from .services import fact_touch

    fact_touch(domain="registry", region_code=instance.desa_id)
