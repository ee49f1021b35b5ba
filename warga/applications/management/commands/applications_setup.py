from django.core.management.base import BaseCommand

from warga.applications.catalogue import ensure_default_services
from warga.core.scoping import unscoped


class Command(BaseCommand):
    help = "Create the default civil-registration services that are missing (never overwrites edits)."

    def handle(self, *args, **options):
        with unscoped("command: the service catalogue and office rollout"):
            created = ensure_default_services()
            self.stdout.write(self.style.SUCCESS(f"{created} service(s) created"))
