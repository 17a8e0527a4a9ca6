"""Masks personal data (NIK/KK, KPJ, NPWP, card, bank account, phone, e-mail) before text reaches Rasa,
a database or a log."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

# Separators people put inside phone numbers: "0812-3456-7890", "(0812) 3456 7890", "0812/3456/7890".
_SEP = r"[ ()/-]{0,3}"
_DIGIT_WORD = r"(?:nol|kosong|satu|dua|tiga|empat|lima|enam|tujuh|delapan|sembilan)"
# What an amount is written after or before: a long number there is money, not an identifier.
_AMOUNT_BEFORE = re.compile(
    r"(?:rp\.?|idr|omzet|omset|gaji|upah|penghasilan|pendapatan|aset|modal|total|iuran|saldo|sebesar|nilai)"
    r"\s*[:=]?\s*$",
    re.IGNORECASE,
)
_AMOUNT_AFTER = re.compile(r"^\s*(?:rupiah|rp|idr|ribu|rb|juta|jt|miliar|m\b|,-)", re.IGNORECASE)
BANKS = (
    r"(?:rek(?:ening)?|no\.?\s*rek|bca|bri|bni|mandiri|bsi|btn|cimb(?:\s*niaga)?|danamon|permata|ocbc"
    r"|seabank|jago|bank\s+\w+)"
)


def _unless_amount(placeholder: str) -> Callable[[re.Match[str]], str]:
    """A replacement that keeps the number when the words around it say it is an amount."""

    def replace(match: re.Match[str]) -> str:
        before = match.string[max(0, match.start() - 24) : match.start()]
        after = match.string[match.end() : match.end() + 12]
        if _AMOUNT_BEFORE.search(before) or _AMOUNT_AFTER.search(after):
            return match.group(0)
        return placeholder

    return replace


def _digits_after_keyword(placeholder: str) -> Callable[[re.Match[str]], str]:
    """Keep the keyword ("KPJ", "rek BCA") and what stands between it and the number; mask the number."""

    def replace(match: re.Match[str]) -> str:
        return match.group("lead") + placeholder

    return replace


# Order matters: longer and more specific forms first, so a 16-digit NIK is not half-matched as a
# phone number. Every pattern starts with a look-behind or a keyword, so a long run without a match
# is scanned once, not once per starting position (an unanchored e-mail pattern took 38 s on
# 100,000 letters).
_PATTERNS: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[email]"),
    # Written to dodge filters: "budi @ gmail.com", "budi[at]gmail.com", "budi (at) gmail (dot) com".
    (
        re.compile(
            r"(?<![\w.+-])[\w.+-]+ {0,2}(?:@|\[at\]|\(at\)) {0,2}[\w-]+(?: {0,2}(?:\.|\[dot\]|\(dot\)) {0,2}[\w-]+)+",
            re.IGNORECASE,
        ),
        "[email]",
    ),
    # NPWP: 15 digits as 12.345.678.9-012.345 (the dots and dash as printed on the card).
    (re.compile(r"(?<![\d.])\d{2}\.\d{3}\.\d{3}\.\d[.-]\d{3}\.\d{3}(?![\d.])"), "[NPWP]"),
    # NIK/KK written in their own groups: 6-6-4, 2.2.2.6.4 (region codes), 10+6.
    (re.compile(r"(?<![\d.])\d{6}[ .-]\d{6}[ .-]\d{4}(?![\d.])"), "[NIK/KK]"),
    (re.compile(r"(?<![\d.])\d{2}\.\d{2}\.\d{2}\.\d{6}\.\d{4}(?![\d.])"), "[NIK/KK]"),
    (re.compile(r"(?<![\d.])\d{10}[ .-]\d{6}(?![\d.])"), "[NIK/KK]"),
    # Card numbers, and NIKs written like them: 13-19 digits in blocks of 4; American Express 4-6-5.
    (re.compile(r"(?<!\d)(?:\d{4}[ .-]){3}\d{1,7}(?!\d)"), "[nomor kartu]"),
    (re.compile(r"(?<!\d)\d{4}[ -]\d{6}[ -]\d{5}(?!\d)"), "[nomor kartu]"),
    # NIK and KK numbers are 16 digits; other long digit runs are masked the same way.
    (re.compile(r"(?<!\d)\d{16}(?!\d)"), "[NIK/KK]"),
    (re.compile(r"(?<!\d)\d{17,19}(?!\d)"), "[nomor kartu]"),
    # A membership number after "KPJ" (however long, however grouped), and bank accounts after
    # "rek", "rekening" or a bank's name: the words stay, the number goes.
    (
        re.compile(r"(?P<lead>\bkpj\b[^\d\n]{0,24}?)\d(?:[ .-]?\d){3,15}(?!\d)", re.IGNORECASE),
        _digits_after_keyword("[nomor KPJ]"),
    ),
    (
        re.compile(rf"(?P<lead>\b{BANKS}\b[^\d\n]{{0,24}}?)\d(?:[ .-]?\d){{5,19}}(?!\d)", re.IGNORECASE),
        _digits_after_keyword("[nomor rekening]"),
    ),
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
    # Landlines: area code 0[2-7]x(x) and 5-8 digits, "(021) 765-4321", "0274 512345", "+62 21 1234567".
    (
        re.compile(
            r"(?:(?<![\w+.])\(?0|(?<!\d)\(?\+62[ -]?\(?)[2-7]\d{1,2}\)?[ ./-]{0,2}\d{3,4}[ ./-]?\d{2,4}(?![\d.])"
        ),
        "[nomor telepon]",
    ),
    # Foreign numbers: "+" and a country code other than 62, then 6-13 digits.
    (re.compile(r"(?<![\w+])\+(?!62)[1-9]\d{0,2}(?:[ ()./-]{0,2}\d){6,13}(?!\d)"), "[nomor telepon]"),
    # A bare 11-digit number is a KPJ membership number, and 12-15 digits an account, NPWP or card
    # number, unless the words around it say it is an amount ("omzet 15000000000").
    (re.compile(r"(?<![\d.,])\d{11}(?![\d.,])"), _unless_amount("[nomor KPJ]")),
    (re.compile(r"(?<![\d.,])\d{12,15}(?![\d.,])"), _unless_amount("[nomor]")),
    # Numbers spelled out digit by digit: "nol delapan satu dua tiga ..." (seven or more).
    (
        re.compile(rf"\b{_DIGIT_WORD}(?:[\s,.-]+{_DIGIT_WORD}){{6,}}\b", re.IGNORECASE),
        "[nomor]",
    ),
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
