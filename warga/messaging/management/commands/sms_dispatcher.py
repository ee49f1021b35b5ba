"""Run the SMS dispatcher until SIGTERM/SIGINT (started by `manage.py serve`, or by systemd)."""

import faulthandler
import logging
import signal
from typing import Any

from django.core.management.base import BaseCommand

from warga.core.scoping import unscoped
from warga.messaging.dispatcher import SmsDispatcher


class Command(BaseCommand):
    help = "Send queued SMS: hold the dispatcher lease and drain the outbox until stopped."
    # Restarted after a crash, it should be sending again within seconds: the system checks
    # (which load every URL and API route) are run by the web process and `manage.py check`.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--poll", type=float, default=None, help="idle poll interval in seconds")
        parser.add_argument("--concurrency", type=int, default=None, help="requests in flight")

    def handle(self, *args: Any, poll: float | None, concurrency: int | None, **options: Any) -> None:
        with unscoped("command: the dispatcher sends every area's messages"):
            logging.getLogger("warga.messaging").setLevel(logging.INFO)
            dispatcher = SmsDispatcher(poll_seconds=poll, concurrency=concurrency)

            def stop(signum: int, frame: Any) -> None:
                dispatcher.stop()

            # `kill -USR1 <pid>` writes every thread's stack to stderr: where a stuck dispatcher waits.
            faulthandler.register(signal.SIGUSR1, all_threads=True)
            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)
            dispatcher.run()
