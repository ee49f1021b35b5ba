from typing import Any

from django import template

register = template.Library()


@register.filter
def facts_display(cell: Any, unit: str) -> str:
    """A fact cell as people read it: a count, "87,5 %" or days (– when there is nothing)."""
    return str(cell.display(unit)) if cell is not None else "–"
