"""Fuzz every API operation from its OpenAPI description: no input may cause a server error.

Runs in-process against the WSGI application, as an anonymous caller and as a Disdukcapil
officer with a bearer token, on whichever database the suite runs on.
"""

from io import StringIO

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def wsgi_app(cast):
    from warga.wsgi import application

    # As Django's test client does: keep the test's transaction open across requests.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield application
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _runner(operation, headers: dict[str, str], max_examples: int, failures: list[str]):
    @given(case=operation.as_strategy())
    @settings(
        max_examples=max_examples, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
    )
    def run(case):
        response = case.call(headers=headers)
        if response.status_code >= 500:
            failures.append(
                f"{operation.method.upper()} {operation.path}: {response.status_code} for {case!r}"
            )

    return run


def _fuzz(app, headers: dict[str, str], max_examples: int) -> list[str]:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    for result in schema.get_all_operations():
        _runner(result.ok(), headers, max_examples, failures)()
    return failures


def test_no_server_error_as_officer(wsgi_app):
    out = StringIO()
    call_command("create_api_token", "dukcapil", "--name", "fuzz", stdout=out)
    failures = _fuzz(wsgi_app, {"Authorization": f"Bearer {out.getvalue().strip()}"}, max_examples=8)
    assert not failures, "\n".join(failures[:20])


def test_no_server_error_anonymous(wsgi_app):
    failures = _fuzz(wsgi_app, {}, max_examples=3)
    assert not failures, "\n".join(failures[:20])
