"""Nothing personal in log lines: NIK/KK numbers (16 digits) and Indonesian phone numbers are
masked in every record before any handler writes it.

`MaskPersonalFilter` is attached to every handler in `settings.LOGGING`; `GunicornLogger`
(`gunicorn --logger-class warga.core.logmask.GunicornLogger`) attaches it to gunicorn's error
and access logs, whose lines hold request paths.
"""

from __future__ import annotations

import logging
import re
from typing import Any

# 16 digits on their own: a NIK or a KK number.
SIXTEEN_DIGITS = re.compile(r"(?<!\d)\d{16}(?!\d)")
# +62 8…, 62 8…, 08… with 7 to 12 more digits, optionally split by spaces, dots or dashes;
# %2B is a URL-encoded "+".
PHONE = re.compile(r"(?<![\d\w])(?:\+|%2[Bb])?(?:62|0)[ .-]?8(?:[ .-]?\d){7,12}(?!\d)")


def mask(text: str) -> str:
    return PHONE.sub("[phone]", SIXTEEN_DIGITS.sub("[nik]", text))


class MaskPersonalFilter(logging.Filter):
    """Replaces the record's message (and its traceback text) by the masked version."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: let the handler report it as usual
            return True
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        return True


try:
    from gunicorn.glogging import Logger as _GunicornLogger
except ImportError:  # pragma: no cover - gunicorn is a dependency; tests import this module anyway
    _GunicornLogger = object


class GunicornLogger(_GunicornLogger):  # type: ignore[misc]  # gunicorn ships no type information
    """gunicorn's logger with the masking filter on its error and access handlers."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if not any(isinstance(f, MaskPersonalFilter) for f in handler.filters):
                    handler.addFilter(MaskPersonalFilter())

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        """Every request except Kannel's successful delivery reports: one arrives for every SMS
        sent, hundreds a second during a broadcast, and each is recorded on its message
        (`dlr_at`, `dlr_status`). A refused or failed report is still logged."""
        if environ.get("PATH_INFO") == DLR_PATH and str(getattr(resp, "status_code", "")) == "200":
            return
        super().access(resp, req, environ, request_time)


# Kept here rather than imported from warga.messaging: the logger is loaded by gunicorn before
# Django is set up. warga.messaging.callbacks.DLR_PATH must stay the same (a test checks it).
DLR_PATH = "/api/v1/sms/kannel/dlr"
