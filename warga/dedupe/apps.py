from typing import Any

from django.apps import AppConfig


def _check_new_residents(sender: Any, *, resident_ids: list[int], **kwargs: Any) -> None:
    """After the registration commits, a worker compares the new people with the register
    (a rolled-back registration proposes nothing)."""
    from warga.core.tasks import enqueue_on_commit

    from .tasks import dedupe_check_residents_task

    enqueue_on_commit(dedupe_check_residents_task, resident_ids)


class DedupeConfig(AppConfig):
    name = "warga.dedupe"

    def ready(self) -> None:
        from warga.registry.signals import residents_created

        residents_created.connect(_check_new_residents, dispatch_uid="dedupe.check_new_residents")
