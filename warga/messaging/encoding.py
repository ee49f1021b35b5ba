"""SMS text encoding: GSM-7 (160/153 characters a segment) when every character fits its
alphabet, UCS-2 (70/67) otherwise. Extension-table characters count twice in GSM-7."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = "^{}\\[~]|€\f"
_BASIC = frozenset(GSM7_BASIC) - {"\x1b"}
_EXT = frozenset(GSM7_EXTENDED)
# Unicode categories a phone cannot show: controls (other than line breaks), unassigned,
# private use, lone surrogates, format characters other than the joiners emoji need.
_REFUSED_CATEGORIES = {"Cc", "Cn", "Co", "Cs"}
_ALLOWED_FORMAT = {"\u200d", "\u200c", "\ufe0f"}


@dataclass(frozen=True)
class SmsEncoding:
    encoding: str  # "gsm7" | "ucs2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int

    @property
    def coding(self) -> int:
        """Kannel's `coding`: 0 for GSM 7-bit, 2 for UCS-2."""
        return 0 if self.encoding == "gsm7" else 2


def is_gsm7(text: str) -> bool:
    return all(ch in _BASIC or ch in _EXT for ch in text)


def sms_encoding(text: str) -> SmsEncoding:
    if is_gsm7(text):
        units = sum(2 if ch in _EXT else 1 for ch in text)
        single, multi = 160, 153
        encoding = "gsm7"
    else:
        units = len(text.encode("utf-16-le", errors="surrogatepass")) // 2
        single, multi = 70, 67
        encoding = "ucs2"
    segments = 1 if units <= single else -(-units // multi)
    return SmsEncoding(encoding=encoding, units=units, segments=segments)


def unsupported_characters(text: str) -> list[str]:
    """Characters no phone can display (control codes, unassigned or private-use code points)."""
    bad = []
    for ch in text:
        if ch in "\n\r" or ch in _ALLOWED_FORMAT:
            continue
        category = unicodedata.category(ch)
        if category in _REFUSED_CATEGORIES or (category == "Cf" and ch not in _ALLOWED_FORMAT):
            bad.append(ch)
    return bad
