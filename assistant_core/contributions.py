"""Contribution rules: what employer and worker pay per program for a month, from the facts in force.

No rate lives here: every percentage, cap, flat amount and discount is a fact from content/facts/,
read for the first day of the contribution month. Amounts are computed per worker, per program and
per side, rounded half-up to whole rupiah, then summed (as a payroll would).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from assistant_core.content.loader import Bracket, Fact, Table

RISK_GROUPS = ("very_low", "low", "medium", "high", "very_high")
PU_PROGRAMS = ("jkk", "jkm", "jht", "jp")
BPU_PROGRAMS = ("jkk", "jkm", "jht")
SECTORS = ("transport", "other")


class MissingFact(LookupError):
    """A rate needed for this month has no value in force (an editor must add one)."""


def _round(amount: Decimal) -> int:
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Share:
    employer: int = 0
    worker: int = 0

    @property
    def total(self) -> int:
        return self.employer + self.worker

    def __add__(self, other: Share) -> Share:
        return Share(self.employer + other.employer, self.worker + other.worker)


@dataclass(frozen=True)
class FactReader:
    """Facts in force on one date, recording the regulations used."""

    facts: Mapping[str, Fact]
    on: date
    used: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> Decimal:
        value = self.optional(name)
        if value is None:
            raise MissingFact(f"fact '{name}' has no value in force on {self.on}")
        return value

    def optional(self, name: str) -> Decimal | None:
        fact = self.facts.get(name)
        if fact is None:
            raise MissingFact(f"fact '{name}' does not exist")
        current = fact.in_force(self.on)
        if current is None:
            return None
        self.used[name] = current.source
        return Decimal(str(current.value))

    def since(self, name: str) -> date | None:
        fact = self.facts.get(name)
        current = fact.in_force(self.on) if fact else None
        return current.valid_from if current else None

    def sources(self) -> list[str]:
        parts = [p.strip() for source in self.used.values() for p in source.split(";")]
        return list(dict.fromkeys(p for p in parts if p))


@dataclass(frozen=True)
class PUResult:
    month: date
    workers: int
    risk: str
    programs: tuple[str, ...]
    lines: dict[str, Share]
    jp_cap: int | None
    jp_cap_since: date | None
    capped_workers: int
    sources: list[str]

    @property
    def total(self) -> Share:
        result = Share()
        for share in self.lines.values():
            result = result + share
        return result


def first_of_month(month: date) -> date:
    return month.replace(day=1)


def pu_contributions(
    facts: Mapping[str, Fact], month: date, wages: Sequence[int], risk: str, programs: Sequence[str]
) -> PUResult:
    """Monthly contributions for employees (Penerima Upah), summed over all workers."""
    if risk not in RISK_GROUPS:
        raise ValueError(f"unknown risk group {risk!r}")
    unknown = set(programs) - set(PU_PROGRAMS)
    if unknown or not programs:
        raise ValueError(f"unknown or empty programs {sorted(unknown)}")
    if not wages or any(w <= 0 for w in wages):
        raise ValueError("every worker needs a positive wage")
    read = FactReader(facts, first_of_month(month))
    hundred = Decimal(100)
    rates: dict[str, tuple[Decimal, Decimal]] = {}
    if "jkk" in programs:
        rates["jkk"] = (read.get(f"jkk_rate_{risk}"), Decimal(0))
    if "jkm" in programs:
        rates["jkm"] = (read.get("jkm_rate_pu"), Decimal(0))
    if "jht" in programs:
        rates["jht"] = (read.get("jht_rate_employer"), read.get("jht_rate_worker"))
    cap: Decimal | None = None
    if "jp" in programs:
        rates["jp"] = (read.get("jp_rate_employer"), read.get("jp_rate_worker"))
        cap = read.get("jp_wage_cap")
    lines: dict[str, Share] = {}
    for program in PU_PROGRAMS:
        if program not in rates:
            continue
        employer_rate, worker_rate = rates[program]
        share = Share()
        for wage in wages:
            base = Decimal(wage)
            if program == "jp" and cap is not None:
                base = min(base, cap)
            share = share + Share(_round(base * employer_rate / hundred), _round(base * worker_rate / hundred))
        lines[program] = share
    capped = sum(1 for w in wages if cap is not None and w > cap)
    return PUResult(
        read.on,
        len(wages),
        risk,
        tuple(p for p in PU_PROGRAMS if p in programs),
        lines,
        int(cap) if cap is not None else None,
        read.since("jp_wage_cap") if cap else None,
        capped,
        read.sources(),
    )


@dataclass(frozen=True)
class BPUResult:
    month: date
    income: int
    bracket: Bracket  # the Lampiran II bracket the declared income falls in; JKK and JHT use its base
    sector: str
    programs: tuple[str, ...]
    lines: dict[str, int]
    full_price: dict[str, int]
    discount_pct: int
    sources: list[str]

    @property
    def total(self) -> int:
        return sum(self.lines.values())

    @property
    def full_total(self) -> int:
        return sum(self.full_price.values())


def bpu_contributions(
    facts: Mapping[str, Fact], brackets: Table, month: date, income: int, programs: Sequence[str], sector: str
) -> BPUResult:
    """Monthly contributions for a self-employed member (Bukan Penerima Upah), e.g. the owner.

    JKK and JHT are percentages of the base of the income bracket (Lampiran II PP 44/2015), not of
    the declared income itself: Rp1.500.000 falls in the bracket based at Rp1.600.000.
    """
    if sector not in SECTORS:
        raise ValueError(f"unknown sector {sector!r}")
    if not {"jkk", "jkm"} <= set(programs) or set(programs) - set(BPU_PROGRAMS):
        raise ValueError("BPU programs are JKK+JKM, optionally JHT")
    read = FactReader(facts, first_of_month(month))
    minimum = read.get("bpu_min_income")
    if Decimal(income) < minimum:
        raise ValueError(f"declared income below the minimum {minimum}")
    if read.on < brackets.valid_from:
        raise MissingFact(f"table '{brackets.name}' is not in force on {read.on}")
    bracket = brackets.find(income)
    if bracket is None:
        raise ValueError(f"declared income {income} is below the lowest bracket")
    read.used[brackets.name] = brackets.source
    base = Decimal(bracket.base)
    hundred = Decimal(100)
    full = {"jkk": base * read.get("bpu_jkk_rate") / hundred, "jkm": read.get("bpu_jkm_flat")}
    if "jht" in programs:
        full["jht"] = base * read.get("bpu_jht_rate") / hundred
    discount = read.optional(f"bpu_discount_{sector}_pct") or Decimal(0)
    lines: dict[str, int] = {}
    for program, amount in full.items():
        # PP 50/2025 discounts JKK and JKM only; JHT is savings and is never discounted.
        factor = (hundred - discount) / hundred if program in {"jkk", "jkm"} else Decimal(1)
        lines[program] = _round(amount * factor)
    return BPUResult(
        read.on,
        income,
        bracket,
        sector,
        tuple(p for p in BPU_PROGRAMS if p in programs),
        lines,
        {p: _round(a) for p, a in full.items()},
        int(discount),
        read.sources(),
    )
