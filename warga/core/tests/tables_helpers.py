"""Reading what a list's `?format=csv|xlsx|print` answered, for the apps' tests."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.http import HttpResponseBase


def csv_rows(response: HttpResponseBase) -> list[list[str]]:
    """Header first. Checks the answer is a streamed CSV with a UTF-8 BOM."""
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/csv")
    assert response.streaming  # type: ignore[attr-defined]
    body = b"".join(response.streaming_content).decode("utf-8")  # type: ignore[attr-defined]
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def xlsx_rows(response: HttpResponseBase) -> list[tuple[Any, ...]]:
    """Header first, read back by openpyxl."""
    import openpyxl

    assert response.status_code == 200, response.status_code
    assert response["Content-Disposition"].endswith('.xlsx"')
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    return [tuple(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def export_audits(action: str) -> list[dict[str, Any]]:
    from warga.audit.models import AuditLog

    return [row.summary for row in AuditLog.objects.filter(action=action).order_by("pk")]
