"""The page handler for a service's refusal: where the message goes and what status the page has."""

from __future__ import annotations

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.http import HttpResponse
from django.shortcuts import redirect
from django.test import RequestFactory

from warga.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from warga.core.pages import page_status, service_errors


class NameForm(forms.Form):
    name = forms.CharField()
    version = forms.IntegerField(widget=forms.HiddenInput)


def make_request(**headers: str):
    request = RequestFactory().post("/", headers=headers)
    request.session = {}  # type: ignore[attr-defined]
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    return request


def test_a_named_field_gets_the_message_and_the_page_its_status():
    request, form = make_request(), NameForm({"name": "Budi2", "version": 1})
    assert form.is_valid()
    with service_errors(request, form=form) as refused:
        raise InvalidInput("x", details=[{"field": "resident.name", "message": "Letters only."}])
    assert refused.failed and form.errors == {"name": ["Letters only."]}
    assert page_status(request, HttpResponse()).status_code == 422


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
    assert page_status(request, HttpResponse()).status_code == 409


def test_without_a_form_it_is_a_message_and_a_redirect_stays_a_redirect():
    request = make_request()
    with service_errors(request):
        raise NotAllowed("Only the receiving office confirms a delivery.")
    assert [str(m) for m in get_messages(request)] == ["Only the receiving office confirms a delivery."]
    assert page_status(request, redirect("/somewhere/")).status_code == 302
    assert page_status(request, HttpResponse()).status_code == 403


def test_htmx_keeps_200_so_the_fragment_with_the_message_is_swapped_in():
    request, form = make_request(**{"HX-Request": "true"}), NameForm({"name": "x", "version": 1})
    form.is_valid()
    with service_errors(request, form=form, field="name"):
        raise InvalidInput("Write a name.")
    assert form.errors == {"name": ["Write a name."]}
    assert page_status(request, HttpResponse()).status_code == 200


def test_not_found_is_not_caught_and_success_changes_nothing():
    request = make_request()
    with pytest.raises(NotFound), service_errors(request):
        raise NotFound("gone")
    with service_errors(request) as refused:
        pass
    assert not refused.failed
    assert page_status(request, HttpResponse()).status_code == 200
