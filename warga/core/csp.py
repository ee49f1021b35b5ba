"""Content-Security-Policy for every response: scripts only from Warga itself or carrying this
response's nonce, no plugins, no framing, forms post only to Warga.

Templates give an inline script the nonce with `<script nonce="{{ request.csp_nonce }}">`; inline
event handlers (`onclick=`) are not allowed, `warga/static/warga/behaviours.js` covers the common
cases with data attributes. Styles may be inline (`style=` attributes are common in the templates
and carry no script). The pages under `CSP_UNSAFE_EVAL_PATHS` (the offline field app, whose
Alpine.js expressions need the standard build's `new Function`) also allow 'unsafe-eval' —
see docs/decisions/0013-content-security-policy.md.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

HEADER = "Content-Security-Policy"


def tile_source(url: str) -> str:
    """The origin of a map tile URL template, as a CSP source: only that host (a `{s}`
    subdomain placeholder becomes `*.`); empty when the URL is not http(s) with a host."""
    from urllib.parse import urlsplit

    parts = urlsplit((url or "").replace("{s}.", "*.").replace("{s}", "a"))
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host or any(c in host for c in "{}'; "):
        return ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"


def policy(nonce: str, *, unsafe_eval: bool = False) -> str:
    script = ["'self'", f"'nonce-{nonce}'"]
    if unsafe_eval:
        script.append("'unsafe-eval'")
    extra = [*(getattr(settings, "CSP_IMG_SRC_EXTRA", []) or [])]
    tiles = tile_source(getattr(settings, "MAP_TILE_URL", ""))  # the public map's tiles
    if tiles:
        extra.append(tiles)
    extra_img = " ".join(extra)
    directives = [
        "default-src 'self'",
        f"script-src {' '.join(script)}",
        "style-src 'self' 'unsafe-inline'",
        f"img-src 'self' data: blob: {extra_img}".strip(),
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
    return "; ".join(directives)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = SimpleLazyObject(lambda: secrets.token_urlsafe(18))
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        if HEADER in response or not getattr(settings, "CSP_ENABLED", True):
            return response
        unsafe_eval = any(request.path.startswith(p) for p in getattr(settings, "CSP_UNSAFE_EVAL_PATHS", []))
        response[HEADER] = policy(str(nonce), unsafe_eval=unsafe_eval)
        return response
