"""The contribution calculator's conversation logic: reading answers, corrections and first messages.

Framework-free: the Rasa form in actions/calculator.py asks the questions; this module decides what
a user's text means for each question and which programs a business size requires.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date

from assistant_core.content.loader import Fact, Table
from assistant_core.content.render import MONTHS as MONTHS_ID
from assistant_core.content.render import tanggal
from assistant_core.contract.calculator import (
    INCOME,
    MONTH,
    SIZE_SLOT,
    TARGET,
    WAGES,
    WORKERS,
    Reason,
)
from assistant_core.contributions import bpu_contributions, pu_contributions
from assistant_core.parsing import Parsed, parse_count, parse_money

SIZES = ("mikro", "kecil", "menengah", "besar", "semua")
# Perpres 109/2013 Art. 6: the minimum programs by business size (JKP follows automatically).
SIZE_PROGRAMS = {
    "mikro": ("jkk", "jkm"),
    "kecil": ("jkk", "jkm", "jht"),
    "menengah": ("jkk", "jkm", "jht", "jp"),
    "besar": ("jkk", "jkm", "jht", "jp"),
    "semua": ("jkk", "jkm", "jht", "jp"),
}
MONTHS = {
    "januari": 1,
    "jan": 1,
    "februari": 2,
    "feb": 2,
    "pebruari": 2,
    "maret": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "mei": 5,
    "juni": 6,
    "jun": 6,
    "juli": 7,
    "jul": 7,
    "agustus": 8,
    "agu": 8,
    "agt": 8,
    "september": 9,
    "sep": 9,
    "sept": 9,
    "oktober": 10,
    "okt": 10,
    "november": 11,
    "nov": 11,
    "nopember": 11,
    "desember": 12,
    "des": 12,
}

_TARGET_BPU = re.compile(
    r"\b(sendiri|pemilik|owner|mandiri|bpu|bukan penerima upah|pekerja informal|"
    r"penghasilan|ojol|ojek|driver|sopir|kurir|pedagang)\b"
)
_TARGET_PU = re.compile(r"\b(karyawan|pegawai|pekerja|buruh|anak buah|staf|staff|montir|penjahit|kru)\b")
_NUMBER_WORD = r"(?:se|satu|dua|tiga|empat|lima|enam|tujuh|delapan|sembilan|sepuluh|sebelas|seratus)"
_COUNT_SPAN = re.compile(
    rf"(?<![\d.,])(\d+|{_NUMBER_WORD}(?:\s+(?:belas|puluh|ratus))?(?:\s+{_NUMBER_WORD})?)\s*"
    r"(orang|org|orng|karyawan|pegawai|pekerja|buruh|staf|staff|montir|penjahit)\b"
)
_MONEY_SPAN = re.compile(
    r"(?:rp\.?\s*)?-?\d[\d.,]*\s*(?:juta|jt|jta|jtt|ribu|rb|rebu|k)(?![a-z])|"
    r"rp\.?\s*-?\d[\d.,]*|"
    # A full amount without a unit: thousands grouped ("2.800.000") or 6 to 9 plain digits.
    r"(?<![\d.,])\d{1,3}(?:\.\d{3}){2,}(?![\d.,]*\d)|(?<![\d.,])\d{6,9}(?![\d.,]*\d)|"
    r"(?:(?:se|satu|dua|tiga|empat|lima|enam|tujuh|delapan|sembilan|sepuluh|setengah)"
    r"\s*)+(?:juta|jta)(?: (?:\w+ )*?ribu)?"
)
_WAGE_WORDS = re.compile(r"\b(gaji|gajinya|upah|upahnya|penghasilan|pendapatan|income|omzet)\b")
_SIZE_WORDS = {
    "mikro": "mikro",
    "micro": "mikro",
    "kecil": "kecil",
    "menengah": "menengah",
    "besar": "besar",
    "semua": "semua",
    "lengkap": "semua",
}
_RISK_WORDS = (
    ("sangat rendah", "very_low"),
    ("sangat tinggi", "very_high"),
    ("rendah", "low"),
    ("sedang", "medium"),
    ("menengah", "medium"),
    ("tinggi", "high"),
)
_YES = re.compile(r"\b(ya|iya|iyaa|yes|y|mau|boleh|pakai|pake|dengan|ikut|setuju|oke|ok)\b")
_NO = re.compile(r"\b(tidak|tdk|gak|ga|nggak|enggak|no|tanpa|jangan|engga)\b")
_TRANSPORT = re.compile(
    r"\b(transport|transportasi|ojol|ojek|driver|sopir|supir|kurir|logistik|angkot|"
    r"taksi|taxi|grab|gojek|maxim)\b"
)
_OTHER = re.compile(
    r"\b(lain|lainnya|pedagang|dagang|petani|nelayan|warung|toko|usaha|pemilik|jualan|"
    r"penjual|buka)\b"
)
_DONT_KNOW = re.compile(
    r"\b(tidak tahu|tdk tahu|gak tahu|ga tahu|nggak tahu|gatau|gak tau|ga tau|tidak tau|"
    r"belum tahu|bingung|entah|kurang tahu|ragu)\b"
)


@dataclass(frozen=True)
class Answer:
    """What a text means for one question: a value, or a reason to ask again."""

    value: object | None
    reason: Reason | None = None


def money_spans(text: str) -> list[str]:
    return [m.group(0) for m in _MONEY_SPAN.finditer(text.lower())]


def read_wages(text: str, workers: int | None) -> Answer:
    """One wage for everyone ("3,5 juta"), or one per worker ("3jt, 3,5jt, 4jt")."""
    lowered = text.lower()
    spans = money_spans(lowered)
    if len(spans) > 1 and not re.search(r"\b(atau|sampai|sampe|hingga|antara)\b|\d\s*-\s*\d", lowered):
        values = []
        for span in spans:
            parsed = parse_money(span)
            if not parsed.ok:
                return Answer(None, parsed.reason)
            values.append(parsed.value)
        if workers is not None and len(values) != workers:
            return Answer(None, "wage_count_mismatch")
        return Answer(values)
    parsed = parse_money(text)
    return Answer([parsed.value] * (workers or 1) if parsed.ok else None, parsed.reason)


def read_count(text: str) -> Answer:
    parsed = parse_count(text)
    return Answer(parsed.value, parsed.reason)


def read_income(text: str, minimum: int) -> Answer:
    parsed: Parsed = parse_money(text)
    if parsed.ok and parsed.value is not None and parsed.value < minimum:
        return Answer(None, "below_bpu_minimum")
    return Answer(parsed.value, parsed.reason)


def read_size(text: str) -> Answer:
    lowered = text.lower()
    if _DONT_KNOW.search(lowered):
        return Answer(None, "size_unknown")
    for word, size in _SIZE_WORDS.items():
        if re.search(rf"\b{word}\b", lowered):
            return Answer(size)
    # Annual turnover ranges offered as buttons (PP 7/2021): "omzet sampai 2 M" etc.
    return Answer(None, "not_a_size")


def read_risk(text: str) -> Answer:
    lowered = text.lower()
    if _DONT_KNOW.search(lowered):
        return Answer("unknown")
    for words, risk in _RISK_WORDS:
        if words in lowered:
            return Answer(risk)
    return Answer(None, "not_a_risk")


def read_target(text: str) -> Answer:
    lowered = text.lower()
    bpu, pu = bool(_TARGET_BPU.search(lowered)), bool(_TARGET_PU.search(lowered))
    if bpu and not pu:
        return Answer("bpu")
    if pu and not bpu:
        return Answer("pu")
    return Answer(None, "not_a_target")


def read_yes_no(text: str) -> Answer:
    lowered = text.lower().strip()
    if re.search(r"\b(tanpa|jangan)\b", lowered) or _NO.match(lowered):
        return Answer(False)
    if _YES.search(lowered):
        return Answer(True)
    if _NO.search(lowered):
        return Answer(False)
    return Answer(None, "not_yes_no")


def read_sector(text: str) -> Answer:
    lowered = text.lower()
    if _TRANSPORT.search(lowered):
        return Answer("transport")
    if _OTHER.search(lowered):
        return Answer("other")
    return Answer(None, "not_a_sector")


def read_month(text: str, today: date) -> date | None:
    """A contribution month named in the text ("bulan januari 2027", "2027-01"), else None."""
    lowered = text.lower()
    iso = re.search(r"\b(20\d\d)-(0[1-9]|1[0-2])\b", lowered)
    if iso:
        return date(int(iso.group(1)), int(iso.group(2)), 1)
    for name, number in MONTHS.items():
        match = re.search(rf"\b(?:bulan|bln|utk|untuk|periode)\s+{name}\b(?:\s+(20\d\d))?", lowered)
        if match:
            year = int(match.group(1)) if match.group(1) else today.year
            if not match.group(1) and number < today.month:
                year += 1  # "bulan januari" asked in November means next January
            return date(year, number, 1)
    return None


def corrections(text: str, requested: str | None, workers: int | None) -> dict[str, object]:
    """Answers to OTHER questions found in a text ("eh gajinya 4 juta"), so users can correct them."""
    lowered = text.lower()
    found: dict[str, object] = {}
    if requested != WORKERS:
        for count in _COUNT_SPAN.finditer(lowered):
            parsed = parse_count(count.group(0))
            if parsed.ok:
                found[WORKERS] = float(parsed.value or 0)
                workers = parsed.value
                break
    if _WAGE_WORDS.search(lowered) and requested not in {WAGES, INCOME}:
        spans = money_spans(lowered)
        if spans:
            wages = read_wages(" ".join(spans), workers)
            if wages.value is not None:
                found[WAGES] = wages.value
    if requested != SIZE_SLOT:
        for word, size in _SIZE_WORDS.items():
            if re.search(rf"\busaha (?:saya |sy |aku )?(?:\w+ )?{word}\b", lowered):
                found[SIZE_SLOT] = size
    return found


def prefill(text: str, today: date) -> dict[str, object]:
    """Everything a first message already answers: who, how many, wages, size, month."""
    lowered = text.lower()
    slots: dict[str, object] = {}
    target = read_target(lowered)
    if target.value:
        slots[TARGET] = target.value
    found = corrections(lowered, None, None)
    slots.update(found)
    spans = money_spans(lowered)
    if slots.get(TARGET) == "bpu" and spans:
        income = parse_money(spans[0])
        if income.ok:
            slots[INCOME] = float(income.value or 0)
        slots.pop(WAGES, None)
    elif WAGES not in slots and spans and slots.get(TARGET) != "bpu":
        workers = found.get(WORKERS)
        wages = read_wages(" ".join(spans), int(workers) if isinstance(workers, float) else None)
        if wages.value is not None:
            slots[WAGES] = wages.value
    if WAGES in slots or WORKERS in slots:
        slots.setdefault(TARGET, "pu")
    month = read_month(lowered, today)
    if month:
        slots[MONTH] = month.isoformat()
    return slots


PROGRAM_NAMES = {"jkk": "JKK", "jkm": "JKM", "jht": "JHT", "jp": "JP"}


def month_label(month: date) -> str:
    return f"{MONTHS_ID[month.month - 1]} {month.year}"


def next_month_day(month: date, day: int) -> date:
    year, number = (month.year + 1, 1) if month.month == 12 else (month.year, month.month + 1)
    return date(year, number, day)


# --- Results: what the result templates in content/calculator.yml receive -------------------


@dataclass(frozen=True)
class ProgramLine:
    name: str
    employer: int
    worker: int


@dataclass(frozen=True)
class WageGroup:
    """What one worker with this wage costs, program by program (shown when wages differ)."""

    wage: int
    count: int
    employer: int
    worker: int
    parts: list[ProgramLine]


@dataclass(frozen=True)
class PuSummary:
    """results.pu: contributions for employees (penerima upah)."""

    month: str
    workers: int
    lines: list[ProgramLine]
    per_worker: list[WageGroup]
    programs: str
    size: str | None
    total: int
    employer: int
    worker: int
    risk_unknown: bool
    jkk_highest: int
    jp_cap: int | None
    jp_cap_since: str
    capped: int
    deadline: str
    sources: str


@dataclass(frozen=True)
class BpuLine:
    name: str
    amount: int
    full: int


@dataclass(frozen=True)
class BpuSummary:
    """results.bpu: the owner's own contribution (bukan penerima upah)."""

    month: str
    income: int
    bracket_from: int
    bracket_to: int | None
    base: int
    lines: list[BpuLine]
    total: int
    discount: int
    discount_until: str
    with_jht: bool
    sources: str


def template_values(summary: PuSummary | BpuSummary) -> dict[str, object]:
    """The summary as the template variables (nested lists of plain dicts)."""
    return asdict(summary)


def pu_summary(
    facts: Mapping[str, Fact], month: date, wages: Sequence[int], workers: int | None, size: str, risk: str
) -> PuSummary:
    """Employees' contributions for `month`; one wage given for several workers applies to each."""
    wages = list(wages)
    count = workers or len(wages) or 1
    if len(wages) == 1 and count > 1:
        wages = wages * count
    programs = SIZE_PROGRAMS[size]
    rated = "very_low" if risk == "unknown" else risk
    result = pu_contributions(facts, month, wages, rated, programs)
    highest = pu_contributions(facts, month, wages, "very_high", ["jkk"]).lines["jkk"].employer
    deadline_day = facts["payment_deadline_day"].in_force(month)
    per_worker = []
    if len(wages) > 1:  # one line per distinct wage: what one such worker costs, program by program
        for wage in sorted(set(wages)):
            one = pu_contributions(facts, month, [wage], rated, programs)
            per_worker.append(
                WageGroup(
                    wage=wage,
                    count=wages.count(wage),
                    employer=one.total.employer,
                    worker=one.total.worker,
                    parts=[ProgramLine(PROGRAM_NAMES[p], s.employer, s.worker) for p, s in one.lines.items()],
                )
            )
    return PuSummary(
        month=month_label(month),
        workers=len(wages),
        lines=[ProgramLine(PROGRAM_NAMES[p], s.employer, s.worker) for p, s in result.lines.items()],
        per_worker=per_worker,
        programs=", ".join(PROGRAM_NAMES[p] for p in programs),
        size=None if size == "semua" else size,
        total=result.total.total,
        employer=result.total.employer,
        worker=result.total.worker,
        risk_unknown=risk == "unknown",
        jkk_highest=highest,
        jp_cap=result.jp_cap,
        jp_cap_since=tanggal(result.jp_cap_since) if result.jp_cap_since else "",
        capped=result.capped_workers,
        deadline=tanggal(next_month_day(month, int(deadline_day.value if deadline_day else 15))),
        sources="; ".join(result.sources),
    )


def bpu_summary(
    facts: Mapping[str, Fact], brackets: Table, month: date, income: int, with_jht: bool, sector: str
) -> BpuSummary:
    """The owner's own contribution for `month` on a declared income."""
    programs = ["jkk", "jkm", "jht"] if with_jht else ["jkk", "jkm"]
    result = bpu_contributions(facts, brackets, month, income, programs, sector)
    discount_fact = facts[f"bpu_discount_{sector}_pct"].in_force(month)
    until = discount_fact.valid_until if discount_fact and discount_fact.valid_until else None
    return BpuSummary(
        month=month_label(month),
        income=income,
        bracket_from=result.bracket.lower,
        bracket_to=result.bracket.upper,
        base=result.bracket.base,
        lines=[BpuLine(PROGRAM_NAMES[p], result.lines[p], result.full_price[p]) for p in result.programs],
        total=result.total,
        discount=result.discount_pct,
        discount_until=tanggal(until) if until else "",
        with_jht=with_jht,
        sources="; ".join(result.sources),
    )


def sample_results(facts: Mapping[str, Fact], tables: Mapping[str, Table], month: date) -> dict[str, dict[str, object]]:
    """Computed results for the content checker, so every result template is tried with the fields
    the code really passes (two different wages, so the per-worker lines render too)."""
    pu = pu_summary(facts, month, [3_000_000, 12_000_000], 2, "mikro", "unknown")
    bpu = bpu_summary(facts, tables["bpu_income_brackets"], month, 1_000_000, False, "other")
    return {"results.pu": template_values(pu), "results.bpu": template_values(bpu)}
