"""Reads Indonesian money amounts and head counts as owners type them ("3,5jt", "tiga juta", "2 org").

A refusal carries a reason code so the bot can re-prompt precisely (see content/texts.yml).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from assistant_core.contract.calculator import Reason

MONEY_MIN = 100_000
MONEY_MAX = 1_000_000_000
COUNT_MAX = 10_000

UNITS = {
    "juta": 1_000_000,
    "jt": 1_000_000,
    "jta": 1_000_000,
    "jtt": 1_000_000,
    "jutaan": 1_000_000,
    "ribu": 1_000,
    "rb": 1_000,
    "rebu": 1_000,
    "k": 1_000,
}
DIGITS = {
    "nol": 0,
    "satu": 1,
    "se": 1,
    "dua": 2,
    "tiga": 3,
    "empat": 4,
    "lima": 5,
    "enam": 6,
    "tujuh": 7,
    "delapan": 8,
    "sembilan": 9,
}
SE_WORDS = {"sepuluh": 10, "sebelas": 11, "seratus": 100, "seribu": 1_000, "sejuta": 1_000_000}
NUMBER_WORDS = set(DIGITS) | set(SE_WORDS) | {"belas", "puluh", "ratus", "ribu", "juta", "jta", "setengah"}
MINIMUM_WAGE = re.compile(r"\b(umr|umk|ump|umsk|upah minimum|gaji standar|gaji standard|standar)\b")
NONE_WORDS = re.compile(r"\b(tidak|gak|ga|nggak|enggak|gk|tdk|belum) ada\b")
RANGE = re.compile(r"\d\s*-\s*\d|\b(atau|sampai|sampe|s/d|hingga|antara)\b")


@dataclass(frozen=True)
class Parsed:
    value: int | None
    reason: Reason | None = None

    @property
    def ok(self) -> bool:
        return self.value is not None


def _clean(text: str) -> str:
    text = text.lower().strip()
    text = re.sub(r"\b([a-z]+)2\b", r"\1", text)  # reduplication: kira2 -> kira
    text = re.sub(r"(\d)\s*an\b", r"\1", text)  # "3jt an", "3 jutaan"
    return text


def _digit_amounts(text: str) -> list[tuple[Decimal, int | None, bool]]:
    """(number, unit multiplier or None, negative) for every number written with digits."""
    found = []
    pattern = re.compile(r"(-\s*)?(\d[\d.,]*)\s*(juta|jutaan|jtt|jta|jt|ribu|rebu|rb|k)?(?![a-z])")
    for match in pattern.finditer(text):
        sign, number, unit = match.group(1), match.group(2).rstrip(".,"), match.group(3)
        value = _number(number, unit is not None)
        if value is None:
            continue
        found.append((value, UNITS[unit] if unit else None, bool(sign)))
    return found


def _number(raw: str, has_unit: bool) -> Decimal | None:
    raw = re.sub(r",(00|-)$", "", raw)  # "3.500.000,00", "3.500.000,-"
    grouped = re.fullmatch(r"\d{1,3}(\.\d{3})+", raw) or re.fullmatch(r"\d{1,3}(,\d{3})+", raw)
    if grouped and (not has_unit or len(raw.replace(".", "").replace(",", "")) > 4):
        return Decimal(raw.replace(".", "").replace(",", ""))
    try:
        return Decimal(raw.replace(",", "."))
    except InvalidOperation:
        return None


def _word_amount(words: list[str]) -> Decimal | None:
    """Indonesian number words: "dua juta lima ratus ribu", "tiga setengah juta", "dua puluh lima"."""
    total, group, pending = Decimal(0), Decimal(0), Decimal(0)
    half, seen = False, False
    for word in words:
        seen = True
        if word in DIGITS:
            pending += DIGITS[word]
        elif word in {"sepuluh", "sebelas", "seratus"}:
            group += SE_WORDS[word]
        elif word == "belas":
            group, pending = group + pending + 10, Decimal(0)
        elif word == "puluh":
            group, pending = group + pending * 10, Decimal(0)
        elif word == "ratus":
            group, pending = group + (pending or 1) * 100, Decimal(0)
        elif word == "setengah":
            half = True
        elif word in {"ribu", "juta", "jta", "seribu", "sejuta"}:
            unit = 1_000 if word in {"ribu", "seribu"} else 1_000_000
            base = group + pending + (Decimal("0.5") if half else 0)
            if word.startswith("se") or base == 0:
                base = base or Decimal(1)
            total += base * unit
            group, pending, half = Decimal(0), Decimal(0), False
    if not seen:
        return None
    return total + group + pending + (Decimal("0.5") if half else 0)


def _word_runs(text: str) -> list[tuple[list[str], bool]]:
    """Runs of consecutive number words, and whether each ends in a unit (ribu/juta)."""
    runs: list[list[str]] = []
    current: list[str] = []
    for token in re.findall(r"[a-z]+", text):
        if token in NUMBER_WORDS:
            current.append(token)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    units = {"ribu", "juta", "jta"}
    # A bare unit ("3 juta": the "juta") belongs to the digits before it, not a number of its own.
    return [
        (run, run[-1] in units or any(w in {"sejuta", "seribu"} for w in run)) for run in runs if not set(run) <= units
    ]


def parse_money(text: str) -> Parsed:
    """A monthly wage or income in rupiah."""
    clean = _clean(text)
    if MINIMUM_WAGE.search(clean):
        return Parsed(None, "minimum_wage")
    digits = _digit_amounts(clean)
    words = [(run, unit) for run, unit in _word_runs(clean) if run != ["se"]]
    if len(digits) + len(words) > 1 or (RANGE.search(clean) and digits):
        return Parsed(None, "ambiguous")
    if digits:
        number, unit, negative = digits[0]
        if negative:
            return Parsed(None, "negative")
        if unit is None and number != 0 and number < MONEY_MIN and "rp" not in clean:
            return Parsed(None, "ambiguous")  # "35", "3,5", "4500": juta or ribu?
        value = number * (unit or 1)
    elif words:
        run, has_unit = words[0]
        amount = _word_amount(run)
        if amount is None:
            return Parsed(None, "not_a_number")
        if not has_unit and amount != 0:
            return Parsed(None, "ambiguous")  # "tiga setengah": juta or ribu?
        value = amount
    else:
        return Parsed(None, "not_a_number")
    return _range(value, MONEY_MIN, MONEY_MAX, small="too_small")


def parse_count(text: str) -> Parsed:
    """A number of employees."""
    clean = _clean(text)
    if NONE_WORDS.search(clean):
        return Parsed(None, "zero")
    digits = re.findall(r"-?\s*\d+(?:[.,]\d+)?", clean)
    words = _word_runs(clean)
    if len(digits) + len(words) > 1 or RANGE.search(clean):
        return Parsed(None, "ambiguous")
    if digits:
        raw = digits[0].replace(" ", "")
        if re.search(r"[.,]", raw):
            return Parsed(None, "not_a_number")
        number = Decimal(raw)
        if number < 0:
            return Parsed(None, "negative")
    elif words:
        amount = _word_amount(words[0][0])
        if amount is None or amount != amount.to_integral_value():
            return Parsed(None, "not_a_number")
        number = amount
    else:
        return Parsed(None, "not_a_number")
    return _range(number, 1, COUNT_MAX, small="zero")


def _range(value: Decimal, low: int, high: int, small: Reason) -> Parsed:
    if value < 0:
        return Parsed(None, "negative")
    if value == 0:
        return Parsed(None, "zero")
    if value < low:
        return Parsed(None, small)
    if value > high:
        return Parsed(None, "too_large")
    if value != value.to_integral_value():
        return Parsed(None, "not_a_number")
    return Parsed(int(value))


WAGE_WORD = re.compile(
    r"\b(gaji|gajinya|gajiku|gajian|digaji|bergaji|upah|upahnya|diupah|penghasilan|penghasilannya|pendapatan|"
    r"pendapatannya|income|salary|gapok)\b"
)
_WINDOW_WORDS = 6


def stated_wage(text: str) -> int | None:
    """The monthly wage or income a free question states ("gaji saya 4 juta, kena phk dapat JKP
    berapa?"), or None. Only an amount within a few words after a wage word counts, and only if it
    is the single clear amount there (parse_money's rules), so "3 pegawai gaji 2,5 jt" reads 2.5
    million and "gaji UMR" or "gaji 3-4 juta" read nothing."""
    clean = _clean(text)
    for match in WAGE_WORD.finditer(clean):
        window = " ".join(clean[match.end() :].split()[:_WINDOW_WORDS])
        # Stop at the next sentence or a second subject, so a later number is not taken for it.
        window = re.split(r"(?<!\d)[.,](?!\d)|[?!;\n]|\b(dan|terus|trus|lalu|kalau|kalo|klo|tapi)\b", window)[0]
        parsed = parse_money(window)
        if parsed.ok:
            return parsed.value
    return None
