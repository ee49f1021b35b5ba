from typing import Any

from django.core.management.base import BaseCommand

from warga.reports.services import routing_rules_seed


class Command(BaseCommand):
    help = "Add the default routing rules of cases from the units' topics (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        created = routing_rules_seed()
        self.stdout.write(f"{created} routing rules added")
