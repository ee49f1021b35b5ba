import importlib
import time
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from warga.accounts.demo import DEMO_PASSWORD, demo_users_create
from warga.core.scoping import unscoped
from warga.org.services import units_create_standard
from warga.regions.models import Region


class Command(BaseCommand):
    help = (
        "Prepare a demo installation: regions, units, one account per role, synthetic residents. Idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", default="small", choices=["small", "medium", "full"])
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args: Any, size: str, seed: int, quiet: bool, **options: Any) -> None:
        with unscoped("command: demo data for the whole kabupaten"):
            started = time.monotonic()
            code = settings.WARGA_REGION_CODE
            if not Region.objects.filter(code=code).exists():
                call_command("load_regions", stdout=self.stdout if not quiet else None)
            region = Region.objects.filter(code=code).first()
            if region is None:
                raise CommandError(f"WARGA_REGION_CODE={code} is not a known region code")
            units_create_standard(region=region)
            logins = demo_users_create(region=region)
            for config in apps.get_app_configs():
                if not config.name.startswith("warga."):
                    continue
                try:
                    module = importlib.import_module(f"{config.name}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name == f"{config.name}.demo":
                        continue
                    raise
                if hasattr(module, "seed"):
                    summary = module.seed(region, size=size, seed=seed)
                    if summary and not quiet:
                        self.stdout.write(f"{config.label}: {summary}")
            if not quiet:
                self.stdout.write(
                    self.style.SUCCESS(f"Demo ready for {region.name} in {time.monotonic() - started:.0f} s")
                )
                self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
                for login in logins:
                    self.stdout.write(f"  {login.username:<12} {login.role} — {login.where}")
                self.stdout.write(
                    "  (admin must set up two-step login with an authenticator app at first login)"
                )
