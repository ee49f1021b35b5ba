from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from warga.core.forms import StyledForm, style_fields


class AnnouncementForm(StyledForm):
    area = forms.ChoiceField(label=_("Boards"), help_text=_("A kecamatan posts to every desa board in it."))
    text = forms.CharField(label=_("Text"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}))
    starts_at = forms.DateTimeField(
        label=_("Shown from"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label=_("Shown until"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    priority = forms.IntegerField(label=_("Priority (0–9)"), min_value=0, max_value=9, initial=0)

    def __init__(self, *args: Any, areas: list[tuple[str, str]], **kwargs: Any):
        # Choices first, then styling: styling reads the bound form's errors (it validates).
        forms.Form.__init__(self, *args, **kwargs)
        self.fields["area"].choices = areas  # type: ignore[attr-defined]
        style_fields(self)


class ModerateForm(StyledForm):
    decision = forms.ChoiceField(choices=[("approve", "approve"), ("reject", "reject")])
    reason = forms.CharField(required=False, max_length=300)
