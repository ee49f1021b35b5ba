from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from warga.core.forms import StyledForm

from .questions import QUESTIONS
from .selectors import PERIOD_KINDS


class AnswerForm(forms.Form):
    """Nine questions, four choices each, and an optional comment; the service checks again."""

    comment = forms.CharField(
        label=gettext_lazy("Comments or suggestions (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for name, question, answers in QUESTIONS:
            self.fields[name] = forms.TypedChoiceField(
                label=question,
                choices=[(str(i), answer) for i, answer in enumerate(answers, start=1)],
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": gettext_lazy("Choose one of the four answers.")},
            )
        self.order_fields([name for name, _q, _a in QUESTIONS] + ["comment"])

    def questions(self) -> list[forms.BoundField]:
        return [self[name] for name, _q, _a in QUESTIONS]


PERIOD_LABELS = {
    "month": gettext_lazy("Month"),
    "quarter": gettext_lazy("Quarter"),
    "semester": gettext_lazy("Semester"),
    "year": gettext_lazy("Year"),
}


class IndexFilterForm(StyledForm):
    kind = forms.ChoiceField(label=gettext_lazy("Period"), required=False)
    year = forms.IntegerField(label=gettext_lazy("Year"), required=False, min_value=2000, max_value=2100)
    number = forms.IntegerField(
        label=gettext_lazy("Month, quarter or semester number"), required=False, min_value=1, max_value=12
    )
    unit = forms.TypedChoiceField(label=gettext_lazy("Unit"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, units: list[tuple[int, str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = [(k, PERIOD_LABELS[k]) for k in PERIOD_KINDS]
        cast(forms.ChoiceField, self.fields["unit"]).choices = [("", gettext_lazy("all units"))] + [
            (str(pk), name) for pk, name in (units or [])
        ]

    def period_args(self) -> tuple[str, int, int]:
        data = self.cleaned_data if self.is_valid() else {}
        today = timezone.localdate()
        kind = data.get("kind") or "quarter"
        year = data.get("year") or today.year
        months = {"month": 1, "quarter": 3, "semester": 6, "year": 12}[kind]
        number = data.get("number") or ((today.month - 1) // months + 1)
        return kind, year, number
