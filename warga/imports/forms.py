from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from warga.core.forms import StyledForm, style_fields
from warga.registry.models import LifeStatus, Sex

from .models import ImportMode


class UploadForm(StyledForm):
    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        help_text=_("The first row holds the column names. Download the template to see the layout."),
    )
    mode = forms.ChoiceField(
        label=_("If some rows have errors"),
        choices=ImportMode.choices,
        initial=ImportMode.ALL_OR_NOTHING,
        widget=forms.RadioSelect,
    )


class ExportForm(StyledForm):
    FORMATS = (("csv", "CSV"), ("xlsx", "Excel (XLSX)"))

    area = forms.ChoiceField(label=_("Area"))
    sex = forms.ChoiceField(label=_("Sex"), required=False, choices=[("", _("All")), *Sex.choices])
    life_status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), *LifeStatus.choices],
        initial=LifeStatus.ALIVE,
    )
    min_age = forms.IntegerField(label=_("Age from"), required=False, min_value=0, max_value=130)
    max_age = forms.IntegerField(label=_("Age to"), required=False, min_value=0, max_value=130)
    file_format = forms.ChoiceField(
        label=_("Format"), choices=FORMATS, initial="csv", widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, areas: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = areas  # type: ignore[attr-defined]
        # StyledForm.__init__ already validated a bound form, before these choices existed.
        self._errors = None  # type: ignore[assignment]
        style_fields(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("min_age"), data.get("max_age")
        if low is not None and high is not None and low > high:
            raise forms.ValidationError(_("The lower age is above the upper age."))
        return data
