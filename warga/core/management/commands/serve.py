"""Start the web server (gunicorn) and the task consumer (Huey) together; stop both on Ctrl-C."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run gunicorn and the Huey consumer together (the embedded set-up)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default=os.environ.get("WARGA_HOST", "127.0.0.1"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))

    def handle(self, *args, port, host, workers, **options):
        python = sys.executable
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "warga.settings"),
        }
        procs = [
            subprocess.Popen([python, "manage.py", "run_huey", "--quiet"], env=env, cwd=settings.BASE_DIR),
            subprocess.Popen(
                [
                    python,
                    "-m",
                    "gunicorn",
                    "warga.wsgi:application",
                    "--bind",
                    f"{host}:{port}",
                    "--workers",
                    str(workers),
                    "--threads",
                    "4",
                    "--access-logfile",
                    "-",
                    "--access-logformat",
                    '%(h)s "%(m)s %(U)s" %(s)s %(M)sms',
                    "--logger-class",
                    "warga.core.logmask.GunicornLogger",
                ],
                env=env,
                cwd=settings.BASE_DIR,
            ),
        ]
        self.stdout.write(self.style.SUCCESS(f"Warga is running at http://{host}:{port}/  (Ctrl-C to stop)"))
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping and all(p.poll() is None for p in procs):
                time.sleep(0.5)
        finally:
            for p in procs:
                if p.poll() is None:
                    p.terminate()
            for p in procs:
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
