"""Keep `Resident.name_key` in step with `full_name` on every save, whoever saves."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import pre_save
from django.dispatch import receiver

from .models import Resident
from .names import name_key


@receiver(pre_save, sender=Resident)
def _resident_name_key(sender: type[Resident], instance: Resident, **kwargs: Any) -> None:
    instance.name_key = name_key(instance.full_name)[:120]
