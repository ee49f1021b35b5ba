"""The bare receiver of the raw baseline with delivery reports: a WSGI callable with no
framework and no database that counts each request by appending one byte to a file (gunicorn,
same workers and threads as Warga's web process)."""

import os

COUNT_FILE = os.environ["BENCH_SINK_FILE"]
_fd = os.open(COUNT_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)


def application(environ, start_response):
    os.write(_fd, b".")
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]
