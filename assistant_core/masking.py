"""Masks personal data (NIK/KK, card, phone, e-mail) before text reaches Rasa, a database or a log."""

from __future__ import annotations

import re
import unicodedata

# Separators people put inside phone numbers: "0812-3456-7890", "(0812) 3456 7890".
_SEP = r"[ ()-]{0,2}"
# Order matters: longer digit runs first, so a 16-digit NIK is not half-matched as a phone number.
# Every pattern starts with a look-behind, so a long run without a match is scanned once, not
# once per starting position (an unanchored e-mail pattern took 38 s on 100,000 letters).
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[email]"),
    # Card numbers, and NIKs written like them: 13-19 digits in blocks of 4 split by spaces, dashes or dots.
    (re.compile(r"(?<!\d)(?:\d{4}[ .-]){3}\d{1,7}(?!\d)"), "[nomor kartu]"),
    # NIK and KK numbers are 16 digits; other long digit runs are masked the same way.
    (re.compile(r"(?<!\d)\d{16}(?!\d)"), "[NIK/KK]"),
    (re.compile(r"(?<!\d)\d{17,19}(?!\d)"), "[nomor kartu]"),
    # Indonesian mobile numbers: +62 / 62 / 0, then 8 and 7-11 more digits, separators allowed.
    # A bare "62" needs a non-letter before it ("rp62800000000" is an amount); "+62" and "0" only a
    # non-digit ("hp081234567890", "wa+6281234567890" are numbers typed without a space).
    (
        re.compile(rf"(?:(?<!\d)\(?\+62|(?<![\w+])\(?62|(?<![\d+])\(?0){_SEP}8(?:{_SEP}\d){{7,11}}(?!\d)"),
        "[nomor telepon]",
    ),
    # "62" right after a letter ("wa6281234567890"): only with an operator prefix (81-89) and a
    # full-length number, which amounts such as "rp62800000000" (62.8 billion) do not have.
    (re.compile(r"(?<=[^\W\d_])62[ -]?8[1-9](?:[ -]?\d){8,10}(?!\d)"), "[nomor telepon]"),
    # Dotted, as in "0812.3456.7890"; blocks of 3-5 keep amounts such as "62.800.000.000" out.
    (re.compile(r"(?<![\w+.])(?:\+?62|0)8\d{2,3}\.\d{3,4}\.\d{3,5}(?![\d.])"), "[nomor telepon]"),
)
_INVISIBLE = frozenset({"Cc", "Cf"})


def _visible(char: str) -> str:
    if char.isascii():
        return char if char.isprintable() or char.isspace() else ""
    category = unicodedata.category(char)
    if category in _INVISIBLE and not char.isspace():
        return ""  # zero-width spaces, direction marks, soft hyphens: they could split a number
    if category == "Nd":
        return str(unicodedata.decimal(char))  # "０８１２…" or "٠٨١٢…" is still a phone number
    return char


def clean_text(text: str) -> str:
    """Text as it is stored: no control or invisible format characters (whitespace kept), digits
    of every script as ASCII digits, and lone surrogates (unencodable: a database refuses them)
    replaced."""
    text = text.encode("utf-8", "replace").decode("utf-8")
    if text.isascii() and text.isprintable():
        return text
    return "".join(_visible(char) for char in text)


def mask_personal_data(text: str) -> str:
    """Return the cleaned text with personal identifiers replaced by neutral placeholders."""
    text = clean_text(text)
    for pattern, placeholder in _PATTERNS:
        text = pattern.sub(placeholder, text)
    return text
