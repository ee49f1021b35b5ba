"""A service's refusal on a page: one handler.

    with service_errors(request, form=form):
        resident_correct(actor=actor, resident=resident, ...)
        messages.success(request, _("The correction was saved."))
        return redirect("registry:resident", pk=resident.pk)
    return render(request, "registry/edit.html", {"form": form})

Inside the block a `ServiceError` is shown and the view goes on after the block:

- `NotFound` is not caught: the page answers 404 (the record is outside the officer's area or
  gone; the answer reveals nothing).
- Any other error (`InvalidInput`, `Conflict`, `NotAllowed`, …) becomes the message the user
  sees: on the form when one is given (on the field the service names in `details`, through
  `aliases` when the form calls it otherwise; above the form when it names none), otherwise a
  message of the messages framework for the next page.
- A page shown again after a refusal answers 200, as it does when the form fails its own
  validation: the message is the answer, and htmx swaps only a 2xx answer into the page. A
  redirect stays a redirect (the message is shown on the next page).
"""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType

from django import forms
from django.contrib import messages
from django.http import HttpRequest

from .errors import NotFound, ServiceError


class ServiceErrors:
    """What `service_errors` returns: `error` is the refusal caught, if any."""

    def __init__(
        self,
        request: HttpRequest,
        *,
        form: forms.BaseForm | Sequence[forms.BaseForm] | None = None,
        field: str | None = None,
        aliases: dict[str, str] | None = None,
        show: bool = True,
    ):
        self.request = request
        self.show = show
        self.forms: list[forms.BaseForm] = (
            [] if form is None else [form] if isinstance(form, forms.BaseForm) else list(form)
        )
        self.field = field
        self.aliases = aliases or {}
        self.error: ServiceError | None = None

    def __enter__(self) -> ServiceErrors:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool:
        if not isinstance(exc, ServiceError) or isinstance(exc, NotFound):
            return False
        self.error = exc
        if self.forms:
            self._onto_forms(exc)
        elif self.show:
            messages.error(self.request, str(exc.message))
        return True

    @property
    def failed(self) -> bool:
        return self.error is not None

    def _onto_forms(self, exc: ServiceError) -> None:
        details = [d for d in exc.details if isinstance(d, dict)] if isinstance(exc.details, list) else []
        for detail in details:
            name = str(detail.get("field", "")).split(".")[-1]
            name = self.aliases.get(name, name)
            message = str(detail.get("message", "") or exc.message)
            target = next(
                (f for f in self.forms if name in f.fields and not f.fields[name].widget.is_hidden), None
            )
            if target is not None:
                target.add_error(name, message)
            else:
                self._general(message)
        if not details:
            self._general(str(exc.message))

    def _general(self, message: str) -> None:
        if not self.show:
            return
        form = self.forms[0]
        form.add_error(self.field if self.field in form.fields else None, message)


def service_errors(
    request: HttpRequest,
    *,
    form: forms.BaseForm | Sequence[forms.BaseForm] | None = None,
    field: str | None = None,
    aliases: dict[str, str] | None = None,
    show: bool = True,
) -> ServiceErrors:
    """Show a service's refusal raised inside the `with` block (see the module's docstring).
    `field`: the form field a message naming no field belongs to (else above the form);
    `show=False`: the page shows the refusal (`.error`) its own way, only field errors go onto
    the forms."""
    return ServiceErrors(request, form=form, field=field, aliases=aliases, show=show)
