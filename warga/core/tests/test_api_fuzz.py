"""Fuzz every API operation from its OpenAPI description: no input may cause a server error.

Runs in-process against the WSGI application (schemathesis' WSGI support), anonymously and as
two officers with bearer tokens — a Disdukcapil verifier (the whole kabupaten) and a kecamatan
counter officer — on whichever database the suite runs on. Generated data includes NUL bytes and
other control characters, integers and dates over their full range (half the cases get one
extreme value injected) and, in the negative mode, values that break the schema. Then every
declared query parameter, path parameter and body field of one case gets each value of `SWEEP`.
`WARGA_FUZZ_EXAMPLES` sets the generated cases per operation and role (default 3: the whole file
takes about three minutes on two cores); the number of cases run is printed.
"""

from __future__ import annotations

import copy
import os
from io import StringIO

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

EXAMPLES = int(os.environ.get("WARGA_FUZZ_EXAMPLES", "3"))

# Values a generator rarely reaches by chance but that broke Warga before: drawn into one field
# (a query parameter the operation declares, a path parameter or a body field) of half the cases.
EXTREMES = st.sampled_from(
    [
        "\x00",
        "abc\x00",
        "\x1b[0m",
        "\ud800",
        9223372036854775807,
        -9223372036854775808,
        2**64,
        "9223372036854775807",
        "9999-12-31",
        "0001-01-01",
        "9999-12-31T23:59:59-12:00",
        "0001-01-01T00:00:00+14:00",
    ]
)


def _query_names() -> dict[tuple[str, str], list[str]]:
    from warga.api import api

    names: dict[tuple[str, str], list[str]] = {}
    for path, item in api.get_openapi_schema()["paths"].items():
        for method, operation in item.items():
            params = operation.get("parameters", []) if isinstance(operation, dict) else []
            names[(method.upper(), path)] = [p["name"] for p in params if p.get("in") == "query"]
    return names


def _poison(case, data, query_names: list[str]) -> None:
    """Put an extreme value into one declared query parameter, path parameter or body field."""
    if not data.draw(st.booleans(), label="poison"):
        return
    slots: list[tuple[str, str]] = [("query", n) for n in query_names]
    slots += [("path", n) for n in case.path_parameters]
    if isinstance(case.body, dict):
        slots += [("body", k) for k in case.body]
    if not slots:
        return
    where, name = data.draw(st.sampled_from(slots), label="slot")
    value = data.draw(EXTREMES, label="extreme")
    if where == "path" and isinstance(value, str) and "\ud800" in value:
        return  # a path cannot be encoded with a lone surrogate; the server never sees one
    if where == "query":
        if case.query is None:
            case.query = {}
        case.query[name] = value
    elif where == "path":
        case.path_parameters[name] = value
    else:
        case.body[name] = value


@pytest.fixture
def wsgi_app(cast):
    from warga.wsgi import application

    # As Django's test client does: keep the test's transaction open across requests.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield application
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _schema(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    schema.config.generation.update(
        allow_x00=True, codec="utf-8", modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    )
    return schema


def _runner(
    operation,
    headers: dict[str, str],
    max_examples: int,
    failures: list[str],
    counter: list[int],
    query_names: list[str],
):
    strategy = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )

    @given(case=strategy, data=st.data())
    @settings(
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case, data):
        _poison(case, data, query_names)
        counter[0] += 1
        try:
            response = case.call(headers=headers)
        except UnicodeEncodeError:
            return  # the value cannot be sent at all (a surrogate in a query string)
        if response.status_code >= 500:
            failures.append(
                f"{operation.method.upper()} {operation.path}: {response.status_code} for "
                f"path={case.path_parameters!r} query={case.query!r} body={case.body!r}"[:600]
            )

    return run


SWEEP = ["\x00", 9223372036854775807, "9999-12-31", "0001-01-01T00:00:00+14:00"]
"""Tried in every declared query parameter, path parameter and body field of one case each."""


def _sweep(
    operation, headers: dict[str, str], failures: list[str], counter: list[int], query_names: list[str]
):
    @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
    @settings(
        max_examples=1,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case):
        slots: list[tuple[str, str]] = [("query", n) for n in query_names]
        slots += [("path", n) for n in case.path_parameters]
        if isinstance(case.body, dict):
            slots += [("body", k) for k in case.body]
        for where, name in slots:
            for value in SWEEP:
                query = dict(case.query or {})
                path = dict(case.path_parameters)
                body = copy.deepcopy(case.body) if isinstance(case.body, dict) else case.body
                if where == "query":
                    query[name] = value
                elif where == "path":
                    path[name] = value
                else:
                    body[name] = value
                variant = operation.Case(
                    path_parameters=path, query=query, body=body, media_type=case.media_type
                )
                counter[0] += 1
                response = variant.call(headers=headers)
                if response.status_code >= 500:
                    failures.append(
                        f"{operation.method.upper()} {operation.path}: {response.status_code} "
                        f"with {where} {name}={value!r}"
                    )

    return run


def _fuzz(
    app, headers: dict[str, str], max_examples: int, label: str, *, sweep: bool = True, report=None
) -> list[str]:
    failures: list[str] = []
    counter = [0]
    operations = 0
    names = _query_names()
    for result in _schema(app).get_all_operations():
        operations += 1
        operation = result.ok()
        query = names.get((operation.method.upper(), operation.path), [])
        _runner(operation, headers, max_examples, failures, counter, query)()
        if sweep:
            _sweep(operation, headers, failures, counter, query)()
    summary = f"schemathesis ({label}): {counter[0]} cases over {operations} operations, {len(failures)} server errors"
    print("\n" + summary)
    if report is not None:
        report("summary", summary)  # shown at the end of the run (conftest.pytest_terminal_summary)
    return failures


def _token(username: str) -> dict[str, str]:
    out = StringIO()
    call_command("create_api_token", username, "--name", "fuzz", stdout=out)
    return {"Authorization": f"Bearer {out.getvalue().strip()}"}


@pytest.mark.parametrize(
    ("username", "label"), [("dukcapil", "Disdukcapil verifier"), ("kec_officer", "kecamatan officer")]
)
def test_no_server_error_as_disdukcapil_and_kecamatan_officer(wsgi_app, record_property, username, label):
    failures = _fuzz(wsgi_app, _token(username), EXAMPLES, label, report=record_property)
    assert not failures, "\n".join(failures[:30])


def test_no_server_error_anonymous(wsgi_app, record_property):
    failures = _fuzz(wsgi_app, {}, max(2, EXAMPLES // 2), "anonymous", sweep=False, report=record_property)
    assert not failures, "\n".join(failures[:20])
