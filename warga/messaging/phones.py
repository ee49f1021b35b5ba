"""Indonesian mobile numbers in one form (+62…), with `phonenumbers` doing the rules."""

from __future__ import annotations

import phonenumbers
from django.utils.translation import gettext as _

from warga.core.errors import InvalidInput


def normalize_msisdn(raw: str) -> str:
    """'0812-3456-7890', '62812…', '+62 812…' → '+6281234567890'. Raises InvalidInput."""
    text = (raw or "").strip()
    if not text:
        raise InvalidInput(_("Phone number is empty."), code="phone.empty")
    try:
        number = phonenumbers.parse(text, "ID")
    except phonenumbers.NumberParseException as exc:
        raise InvalidInput(_("This is not a phone number."), code="phone.invalid") from exc
    if number.country_code != 62:
        raise InvalidInput(
            _("Only Indonesian (+62) numbers can receive SMS from Warga."), code="phone.not_indonesian"
        )
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput(_("This is not a valid Indonesian phone number."), code="phone.invalid")
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise InvalidInput(
            _("This number cannot receive SMS (not a mobile number)."), code="phone.not_mobile"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_msisdn(msisdn: str) -> str:
    """For pages that must not show a whole number: +62812****7890."""
    return msisdn[:6] + "****" + msisdn[-4:] if len(msisdn) > 10 else "****"
