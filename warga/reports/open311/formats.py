"""Open311 answers in JSON (arrays, as the GeoReport v2 examples) or XML (built with
xml.etree: every text escaped, characters XML 1.0 cannot hold dropped), and the errors in the
specification's shape: a list of {code, description}."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any
from xml.etree import ElementTree as ET

from django.http import HttpResponse

# XML 1.0 allows tab, line feed, carriage return and the characters from U+0020 on (surrogates
# and U+FFFE/U+FFFF excepted); the input hygiene already refuses the rest, this is the last guard.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

# The element of each item of a list, by the list's name (as the GeoReport v2 XML examples).
ITEM_TAGS = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return _NOT_XML.sub("", str(value))


def _append(parent: ET.Element, name: str, value: Any) -> None:
    node = ET.SubElement(parent, name)
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _append(node, key, inner)
    elif isinstance(value, (list, tuple)):
        item = ITEM_TAGS.get(name, "item")
        for inner in value:
            _append(node, item, inner)
    else:
        node.text = _text(value)


def xml_document(root: str, value: Any) -> bytes:
    """`value` (a list of items or a mapping) under the element `root`."""
    element = ET.Element(root)
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _append(element, key, inner)
    else:
        item = ITEM_TAGS.get(root, "item")
        for inner in value:
            _append(element, item, inner)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(
        element, encoding="utf-8", xml_declaration=False
    )


def respond(fmt: str, root: str, value: Any, *, status: int = 200, public: bool = True) -> HttpResponse:
    if fmt == "xml":
        response = HttpResponse(
            xml_document(root, value), content_type="application/xml; charset=utf-8", status=status
        )
    else:
        body = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        response = HttpResponse(body.encode(), content_type="application/json; charset=utf-8", status=status)
    if public:
        response["Access-Control-Allow-Origin"] = "*"
    response["X-Content-Type-Options"] = "nosniff"
    return response


class Open311Error(Exception):
    """An answer in the specification's error shape, with its HTTP status."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def error_response(fmt: str, errors: Sequence[Open311Error]) -> HttpResponse:
    status = errors[0].status
    body = [{"code": e.status, "description": e.description} for e in errors]
    return respond(fmt, "errors", body, status=status, public=False)
