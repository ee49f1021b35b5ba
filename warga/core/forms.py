"""Bootstrap classes on every form widget, so templates render `{{ field }}` and look right."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms

if TYPE_CHECKING:
    _ModelForm = forms.ModelForm[Any]  # generic for the type checker only
else:
    _ModelForm = forms.ModelForm


class StyledForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        style_fields(self)

    def full_clean(self) -> None:
        super().full_clean()
        mark_invalid(self)


class ChoicesForm(StyledForm):
    """A styled form whose choice lists depend on the officer (their area, unit, offices).

    Subclasses list the keyword options they take in `option_names` and fill their choices in
    `setup()`, which runs once the fields exist and before they are styled.
    """

    option_names: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any):
        options = {k: kwargs.pop(k) for k in list(kwargs) if k in self.option_names}
        forms.Form.__init__(self, *args, **kwargs)
        self.setup(**options)
        style_fields(self)

    def setup(self, **options: Any) -> None:
        """Fill in the choice lists for this officer."""


class StyledModelForm(_ModelForm):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        style_fields(self)

    def full_clean(self) -> None:
        super().full_clean()
        mark_invalid(self)


def style_fields(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
            widget.attrs["class"] = "form-check-input"
            continue
        if isinstance(widget, forms.CheckboxInput):
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()


def mark_invalid(form: forms.BaseForm) -> None:
    """After validation (never in __init__, which must not trigger it), flag fields with errors."""
    for name in form.errors:
        field = form.fields.get(name)
        if field is not None and "is-invalid" not in field.widget.attrs.get("class", ""):
            field.widget.attrs["class"] = (field.widget.attrs.get("class", "") + " is-invalid").strip()
