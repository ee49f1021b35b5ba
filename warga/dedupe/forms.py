from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from warga.core.forms import StyledForm, style_fields


class ConfirmForm(StyledForm):
    keep = forms.ChoiceField(label=_("Keep the record with NIK"), widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        min_length=5,
        help_text=_("For example: same person, checked against the KK and birth certificate."),
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["keep"].choices = choices  # type: ignore[attr-defined]
        # StyledForm.__init__ already validated a bound form, before these choices existed.
        self._errors = None  # type: ignore[assignment]
        style_fields(self)


class RejectForm(StyledForm):
    note = forms.CharField(label=_("Note (optional)"), max_length=300, required=False)
