"""A safety net over every page and API operation: nothing answers an anonymous caller with
content unless it is deliberately public. Each app also has its own per-view permission grid;
this test catches the page somebody forgot to protect."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

# Deliberately public: each entry is a regular expression over the URL pattern.
PUBLIC = [
    r"^healthz$",
    r"^login/$",
    r"^account/2fa/$",
    r"^i18n/",
    r"^api/v1/(docs|openapi\.json)$",
    r"^static/",
    r"^applications/(track|verify|apply)",
    r"^cards/(public|stock/public|suket/verify|verify)",
    r"^boards/(board|feed|tv|public|d/)",
    r"^outreach/app",
]


def _patterns(resolver: URLResolver, prefix: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def _concrete(pattern: str) -> str:
    path = re.sub(r"<int:[^>]+>", "999999", pattern)
    path = re.sub(r"<uuid:[^>]+>", "00000000-0000-0000-0000-000000000000", path)
    path = re.sub(r"<[^>]+>", "x", path)
    return "/" + path.lstrip("^").rstrip("$").replace("\\", "")


def page_patterns():
    return sorted(
        p
        for p in set(_patterns(get_resolver()))
        if not p.startswith("api/v1/") and not p.startswith("admin/") and "(?P" not in p
    )


@pytest.mark.parametrize("pattern", page_patterns())
def test_anonymous_gets_no_content(cast, client, pattern):
    if any(re.search(rule, pattern) for rule in PUBLIC):
        pytest.skip("public by design")
    response = client.get(_concrete(pattern))
    assert response.status_code in (301, 302, 401, 403, 404, 405), (
        f"{pattern} answered {response.status_code} to an anonymous caller"
    )
    if response.status_code in (301, 302):
        assert response["Location"].startswith("/login/"), f"{pattern} redirects to {response['Location']}"


def test_every_protected_api_operation_refuses_anonymous(cast, client):
    schema = client.get("/api/v1/openapi.json").json()
    failures = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if not operation.get("security"):
                continue
            concrete = re.sub(r"\{[^}]+\}", "1", path)
            response = getattr(client, method)(concrete, content_type="application/json")
            if response.status_code != 401:
                failures.append(f"{method.upper()} {path} → {response.status_code}")
    assert not failures, failures
