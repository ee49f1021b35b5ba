from django.core.management.base import BaseCommand, CommandError

from warga.accounts.models import User
from warga.accounts.services import api_token_create
from warga.core.errors import ServiceError
from warga.core.scoping import Actor


class Command(BaseCommand):
    help = "Create an API token for a staff account; the key is printed once."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", required=True)
        parser.add_argument("--days", type=int, default=None, help="expiry in days (default: none)")

    def handle(self, *args, username, name, days, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active account {username!r}")
        try:
            _token, raw = api_token_create(
                actor=Actor.for_user(user), owner=user, name=name, expires_in_days=days
            )
        except ServiceError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(raw)
