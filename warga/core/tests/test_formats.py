"""Dates reach people in their language's form; inputs still take ISO dates."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.template import Context, Template
from django.utils import translation


@pytest.mark.parametrize(
    ("language", "day", "moment"),
    [("id", "07 Des 2026", "07 Des 2026, 14.30 WIB"), ("en", "07 Dec 2026", "07 Dec 2026, 14:30 WIB")],
)
def test_dates_in_each_language(language, day, moment):
    context = Context({"d": date(2026, 12, 7), "t": datetime(2026, 12, 7, 7, 30, tzinfo=ZoneInfo("UTC"))})
    with translation.override(language):
        assert Template("{{ d|date }}").render(context) == day
        assert Template('{{ t|date:"DATETIME_FORMAT" }}').render(context) == moment


def test_other_time_zones_are_named(settings):
    settings.TIME_ZONE = "Asia/Makassar"
    moment = datetime(2026, 12, 7, 7, 30, tzinfo=ZoneInfo("UTC"))
    with translation.override("id"):
        assert (
            Template('{{ t|date:"DATETIME_FORMAT" }}').render(Context({"t": moment})).endswith("15.30 WITA")
        )


def test_date_inputs_take_iso_and_indonesian_forms():
    class Form(forms.Form):
        day = forms.DateField()

    with translation.override("id"):
        for typed in ("2026-12-07", "07-12-2026", "07/12/2026"):
            form = Form({"day": typed})
            assert form.is_valid(), typed
            assert form.cleaned_data["day"] == date(2026, 12, 7)
