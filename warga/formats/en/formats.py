"""Dates shown to people in English: "07 Dec 2026", "07 Dec 2026, 14:30 WIB"."""

from django.conf.locale.en.formats import *  # noqa: F403

DATE_FORMAT = "d M Y"
DATETIME_FORMAT = "d M Y, H:i T"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
