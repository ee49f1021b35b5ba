"""The register's signals: what it announces to the apps built on it, and the receiver that keeps
`Resident.name_key` in step with `full_name` on every save, whoever saves."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models.signals import pre_save
from django.dispatch import Signal, receiver

from warga.core.scoping import unscoped
from warga.messaging.signals import (
    number_failed_permanently,
    number_opted_in,
    number_opted_out,
    number_reachable,
)

from .models import Phone, Resident
from .names import name_key

# New people entered the register (registration, birth, a family moving in), sent inside the
# registering transaction with `resident_ids`; the dedupe app compares them with the register.
residents_created = Signal()
# A life event was registered (birth, death, move, marriage…), sent inside the registering
# transaction with `event` (the `LifeEvent`) and `actor`; the reports app links the task of a
# reported death or birth whose reference the event carries.
life_event_registered = Signal()


@receiver(pre_save, sender=Resident)
def _resident_name_key(sender: type[Resident], instance: Resident, **kwargs: Any) -> None:
    instance.name_key = name_key(instance.full_name)[:120]


# --- numbers, as messaging reports them -----------------------------------------------------


@receiver(number_opted_out)
def _phones_opted_out(sender: Any, *, number: str, at: datetime, **kwargs: Any) -> None:
    with unscoped("SMS numbers: what a number said or suffered applies to every resident holding it"):
        Phone.objects.filter(number=number).update(opted_out_at=at)


@receiver(number_opted_in)
def _phones_opted_in(sender: Any, *, number: str, at: datetime, channel: str, **kwargs: Any) -> None:
    """Its verified entries in the register get consent again."""
    with unscoped("SMS numbers: what a number said or suffered applies to every resident holding it"):
        Phone.objects.filter(number=number, verified_at__isnull=False).update(
            opted_out_at=None, consent_broadcast=True, consent_at=at, consent_channel=channel
        )


@receiver(number_failed_permanently)
def _phones_failed(sender: Any, *, number: str, at: datetime, **kwargs: Any) -> None:
    with unscoped("SMS numbers: what a number said or suffered applies to every resident holding it"):
        Phone.objects.filter(number=number, failed_permanently_at__isnull=True).update(
            failed_permanently_at=at
        )


@receiver(number_reachable)
def _phones_reachable(sender: Any, *, number: str, **kwargs: Any) -> None:
    with unscoped("SMS numbers: what a number said or suffered applies to every resident holding it"):
        Phone.objects.filter(number=number).update(failed_permanently_at=None)
