"""The page handler for a service's refusal: where the message goes; not-found stays a 404."""

from __future__ import annotations

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory

from warga.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from warga.core.pages import service_errors


class NameForm(forms.Form):
    name = forms.CharField()
    version = forms.IntegerField(widget=forms.HiddenInput)


def make_request(**headers: str):
    request = RequestFactory().post("/", headers=headers)
    request.session = {}  # type: ignore[attr-defined]
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    return request


def test_a_named_field_gets_the_message():
    request, form = make_request(), NameForm({"name": "Budi2", "version": 1})
    assert form.is_valid()
    with service_errors(request, form=form) as refused:
        raise InvalidInput("x", details=[{"field": "resident.name", "message": "Letters only."}])
    assert refused.failed and form.errors == {"name": ["Letters only."]}


def test_a_hidden_or_unknown_field_goes_above_the_form_and_aliases_map_names():
    request, form = make_request(), NameForm({"name": "Budi", "version": 1})
    form.is_valid()
    with service_errors(request, form=form, aliases={"full_name": "name"}):
        raise Conflict(
            "stale",
            details=[
                {"field": "version", "message": "Reload the page."},
                {"field": "full_name", "message": "Too long."},
            ],
        )
    assert form.errors == {"__all__": ["Reload the page."], "name": ["Too long."]}


def test_without_a_form_it_is_a_message_for_the_next_page():
    request = make_request()
    with service_errors(request):
        raise NotAllowed("Only the receiving office confirms a delivery.")
    assert [str(m) for m in get_messages(request)] == ["Only the receiving office confirms a delivery."]


def test_a_message_naming_no_field_goes_to_the_field_given_or_is_left_to_the_page():
    request, form = make_request(), NameForm({"name": "x", "version": 1})
    form.is_valid()
    with service_errors(request, form=form, field="name"):
        raise InvalidInput("Write a name.")
    assert form.errors == {"name": ["Write a name."]}
    quiet = NameForm({"name": "x", "version": 1})
    quiet.is_valid()
    with service_errors(request, form=quiet, show=False) as refused:
        raise InvalidInput("Shown by the page.", details=[{"field": "name", "message": "Too short."}])
    assert quiet.errors == {"name": ["Too short."]} and str(refused.error) == "Shown by the page."


def test_not_found_is_not_caught_and_success_changes_nothing():
    request = make_request()
    with pytest.raises(NotFound), service_errors(request):
        raise NotFound("gone")
    with service_errors(request) as refused:
        pass
    assert not refused.failed and list(get_messages(request)) == []
