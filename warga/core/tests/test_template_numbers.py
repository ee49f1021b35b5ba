"""Numbers read by CSS, JavaScript or assistive technology are never localised.

Indonesian writes 35,3 where CSS needs 35.3: `style="width: {{ x }}%"` renders an invalid width
under the default language. Every value placed in a style, data-* or aria-value* attribute must go
through `unlocalize` (or sit in a `{% localize off %}` block).
"""

import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import translation

PACKAGE = Path(__file__).resolve().parents[2]
ATTRIBUTE = re.compile(r'\s(style|data-[\w-]+|aria-value\w+)="([^"]*)"')
VARIABLE = re.compile(r"{{(.*?)}}")


def _unsafe_attributes(source: str) -> list[str]:
    unsafe = []
    for block in re.split(r"{%\s*localize off\s*%}.*?{%\s*endlocalize\s*%}", source, flags=re.S):
        for name, value in ATTRIBUTE.findall(block):
            for expression in VARIABLE.findall(value):
                if "unlocalize" not in expression:
                    unsafe.append(f'{name}="…{{{{{expression}}}}}…"')
    return unsafe


def test_no_localised_number_in_machine_read_attributes():
    problems = []
    for template in sorted(PACKAGE.glob("**/templates/**/*.html")):
        for attribute in _unsafe_attributes(template.read_text(encoding="utf-8")):
            problems.append(f"{template.relative_to(PACKAGE)}: {attribute}")
    assert problems == []


@pytest.mark.parametrize(
    "source",
    [
        '<div style="width: {{ x }}%">',
        '<div data-value="{{ x|floatformat:1 }}">',
        '<i aria-valuenow="{{ x }}">',
    ],
)
def test_the_check_catches_a_localised_number(source):
    assert _unsafe_attributes(source)
    with translation.override("id"):
        rendered = Template(source).render(Context({"x": 35.25}))
    assert "35,2" in rendered or "35,3" in rendered  # what the check protects against


def test_unlocalize_renders_a_dot_in_indonesian():
    with translation.override("id"):
        rendered = Template('{% load l10n %}<div style="width: {{ x|unlocalize }}%">').render(
            Context({"x": 35.3})
        )
    assert 'style="width: 35.3%"' in rendered
    assert not _unsafe_attributes('{% load l10n %}<div style="width: {{ x|unlocalize }}%">')
