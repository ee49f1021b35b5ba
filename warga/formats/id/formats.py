"""How dates are shown to people in Indonesian: "07 Des 2026", "07 Des 2026, 14.30 WIB".

Only display formats change; inputs and the API keep ISO dates (Django always accepts them).
"T" is the time zone's abbreviation: WIB, WITA or WIT as TIME_ZONE says.
"""

from django.conf.locale.id.formats import *  # noqa: F403

DATE_FORMAT = "d M Y"
DATETIME_FORMAT = "d M Y, H.i T"
TIME_FORMAT = "H.i"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H.i"
