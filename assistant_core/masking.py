"""Masks personal data (NIK/KK, card, phone, e-mail) before text reaches Rasa, a database or a log."""

from __future__ import annotations

import re

# Order matters: longer digit runs first, so a 16-digit NIK is not half-matched as a phone number.
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[email]"),
    # Card numbers: 13-19 digits, optionally grouped by spaces or dashes in blocks of 4.
    (re.compile(r"(?<!\d)(?:\d{4}[ -]){3}\d{1,7}(?!\d)"), "[nomor kartu]"),
    # NIK and KK numbers are 16 digits; other long digit runs are masked the same way.
    (re.compile(r"(?<!\d)\d{16}(?!\d)"), "[NIK/KK]"),
    (re.compile(r"(?<!\d)\d{17,19}(?!\d)"), "[nomor kartu]"),
    # Indonesian phone numbers: +62 / 62 / 0 followed by 8 and 7-11 more digits, separators allowed.
    (re.compile(r"(?<![\w+])(?:\+62|62|0)[ -]?8(?:[ -]?\d){7,11}(?!\d)"), "[nomor telepon]"),
)


def mask_personal_data(text: str) -> str:
    """Return text with personal identifiers replaced by neutral placeholders."""
    for pattern, placeholder in _PATTERNS:
        text = pattern.sub(placeholder, text)
    return text
