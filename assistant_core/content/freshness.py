"""Content freshness: which dated facts are past, or near, the day a newer value is expected."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from assistant_core.content.loader import Fact, Problem
from assistant_core.content.render import formatted, tanggal

WINDOW_DAYS = 30


@dataclass(frozen=True)
class ReviewItem:
    """One fact an editor should look at, phrased for the editor (Indonesian)."""

    fact: str
    label: str
    file: str
    line: int | None
    value: str
    since: date
    review_by: date
    days_left: int  # negative: overdue by that many days
    source: str
    confidence: str
    update_note: str

    @property
    def overdue(self) -> bool:
        return self.days_left <= 0

    @property
    def status(self) -> str:
        if self.overdue:
            return f"lewat {-self.days_left} hari" if self.days_left < 0 else "jatuh tempo hari ini"
        return f"{self.days_left} hari lagi"

    @property
    def action(self) -> str:
        return (
            f"cari angka terbaru (sumber resmi), lalu tambahkan nilai baru di values '{self.fact}' dengan "
            "valid_from, source dan review_by berikutnya; jika memang belum ada angka baru, majukan review_by "
            "dan catat alasannya"
        )

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return (
            f"{where} [{self.fact}] {self.label}: {self.value} (sejak {tanggal(self.since)}), "
            f"tinjau paling lambat {tanggal(self.review_by)}: {self.status}\n"
            f"    Sumber: {self.source} (keyakinan {self.confidence})\n"
            f"    Yang harus dilakukan: {self.action}"
        )


def review_items(facts: Mapping[str, Fact], as_of: date, window_days: int | None = WINDOW_DAYS) -> list[ReviewItem]:
    """Facts whose newest value has a review date, overdue first, then by date.

    `window_days=None` lists every dated fact (the dashboard's full table); otherwise only those past
    or within `window_days` of their review date on `as_of`.
    """
    items = []
    for fact in facts.values():
        last = fact.latest()
        if last.review_by is None:
            continue
        days_left = (last.review_by - as_of).days
        if window_days is not None and days_left > window_days:
            continue
        items.append(
            ReviewItem(
                fact.name,
                fact.label or fact.description,
                fact.file,
                fact.line,
                formatted(fact, last.value),
                last.valid_from,
                last.review_by,
                days_left,
                last.source,
                last.confidence,
                fact.update_note,
            )
        )
    return sorted(items, key=lambda i: (i.review_by, i.fact))


def freshness_problems(facts: Mapping[str, Fact]) -> list[Problem]:
    """Facts that go stale by themselves must say when, and how the assistant should talk about it."""
    problems = []
    for fact in facts.values():
        if not fact.needs_review_date():
            continue
        last = fact.latest()
        why = (
            "disesuaikan setiap tahun"
            if fact.adjusted_yearly
            else "bersumber dari pemberitaan"
            if "pemberitaan" in last.source.lower()
            else "punya tanggal berakhir (valid_until)"
        )
        if last.review_by is None:
            problems.append(
                Problem(
                    fact.file,
                    fact.line,
                    fact.name,
                    f"fakta ini {why}, tetapi nilai terbarunya tidak punya review_by",
                    "tambahkan review_by: tanggal angka baru diharapkan terbit (mis. 2027-03-01 untuk batas upah JP; "
                    "untuk diskon, sehari sesudah valid_until)",
                )
            )
        if not fact.label or not fact.update_note:
            problems.append(
                Problem(
                    fact.file,
                    fact.line,
                    fact.name,
                    "fakta dengan review_by perlu label dan update_note untuk kalimat "
                    "'angka terakhir yang kami ketahui'",
                    "tambahkan label: (nama singkat, mis. 'batas upah JP') dan update_note: (kapan biasanya "
                    "diperbarui, mis. 'disesuaikan setiap tahun, biasanya mulai 1 Maret')",
                )
            )
    return problems


def review_dates(facts: Mapping[str, Fact]) -> set[date]:
    """Review dates and the day before each, so checks render answers on both sides of them."""
    days: set[date] = set()
    for fact in facts.values():
        for value in fact.values:
            if value.review_by is not None:
                days.update({value.review_by, value.review_by - timedelta(days=1)})
    return days
