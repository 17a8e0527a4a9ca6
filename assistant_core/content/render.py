"""Renders FAQ answers from their templates with the facts in force on the question date."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from assistant_core.content.loader import Entry, Fact, Table

MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)


class RenderError(Exception):
    """A template could not be rendered (unknown fact, bad syntax, missing value)."""


def _number(value: Any) -> Decimal:
    if value is None:
        raise RenderError("sebuah fakta tidak punya nilai yang berlaku pada tanggal ini (tambahkan {% if %})")
    try:
        return Decimal(str(value))
    except ArithmeticError as exc:
        raise RenderError(f"{value!r} bukan angka") from exc


def _grouped(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def rupiah(value: Any) -> str:
    """Format an amount as Indonesians write it: Rp10.547.400 (whole rupiah, half up)."""
    amount = _number(value).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp{_grouped(abs(int(amount)))}"


def angka(value: Any) -> str:
    """Format a number with Indonesian separators: 1.000 or 0,5."""
    number = _number(value)
    if number == number.to_integral_value():
        return _grouped(int(number))
    whole, frac = f"{number.normalize():f}".split(".")
    return f"{_grouped(int(whole))},{frac}"


def persen(value: Any) -> str:
    """Format a percentage with a decimal comma: 0,24%, 5,7%, 2%."""
    number = _number(value).normalize()
    text = f"{number:f}"
    return text.replace(".", ",") + "%"


def tanggal(value: date) -> str:
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def formatted(fact: Fact, value: Any) -> str:
    """A fact's value as a reader sees it, by its unit."""
    if fact.unit == "rupiah":
        return rupiah(value)
    if fact.unit == "percent":
        return persen(value)
    if fact.unit == "number":
        return angka(value)
    return str(value)


@lru_cache(maxsize=512)
def _text_template(source: str) -> jinja2.Template:
    return make_environment().from_string(source)


def fill(source: str, **values: Any) -> str:
    """Render one texts.yml text with its values (HTML-escaped, like every editor template)."""
    return _text_template(source).render(**values)


def text_of(texts: Mapping[str, str], name: str, **values: Any) -> str:
    """The text `name` of content/texts.yml with its {{ placeholders }} filled from `values`."""
    source = texts.get(name)
    if source is None:
        raise KeyError(f"content/texts.yml has no text '{name}'")
    return fill(source, **values)


def _fill(texts: Mapping[str, str], name: str, **values: str) -> str:
    if name not in texts:
        raise RenderError(f"content/texts.yml tidak punya teks '{name}'")
    try:
        return str(text_of(texts, name, **values))
    except jinja2.TemplateError as exc:
        raise RenderError(f"teks '{name}' di content/texts.yml tidak bisa dibuat: {exc}") from exc


class FactView:
    """What templates see as `f`: fact values in force on one date, recording which were used."""

    def __init__(self, facts: Mapping[str, Fact], on: date, texts: Mapping[str, str] | None = None) -> None:
        self._facts = facts
        self._on = on
        self._texts = texts or {}
        self.used: dict[str, Fact] = {}

    def status(self, name: str) -> str:
        """'berlaku sejak 1 Maret 2026; disesuaikan setiap Maret', or, once the review date has passed
        with no newer value in content, words that never call the value current."""
        fact = self._facts.get(name)
        if fact is None:
            raise RenderError(f"fakta '{name}' tidak ada")
        self.used[name] = fact
        current = fact.in_force(self._on)
        if current is None:
            raise RenderError(f"fakta '{name}' tidak punya nilai yang berlaku pada tanggal ini (tambahkan {{% if %}})")
        note = fact.update_note or ""
        key = "fact_status_stale" if current.overdue(self._on) else "fact_status_current"
        text = _fill(self._texts, key, since=tanggal(current.valid_from), update_note=note)
        # Already HTML (filled by Jinja with escaping): Markup, so the answer does not escape it twice.
        return Markup(text.replace(";  ", "; ").rstrip("; ").strip())  # noqa: S704

    def stale_notices(self) -> list[str]:
        """One notice for every used fact whose review date has passed with nothing newer in content."""
        notices = []
        for fact in self.used.values():
            current = fact.stale(self._on)
            if current is None or current.review_by is None:
                continue
            notices.append(
                _fill(
                    self._texts,
                    "stale_fact_notice",
                    label=fact.label or fact.name,
                    value=formatted(fact, current.value),
                    since=tanggal(current.valid_from),
                    update_note=fact.update_note or "",
                    review_by=tanggal(current.review_by),
                )
            )
        return notices

    def value(self, name: str) -> Any:
        fact = self._facts.get(name)
        if fact is None:
            raise RenderError(f"fakta '{name}' tidak ada")
        self.used[name] = fact
        current = fact.in_force(self._on)
        return None if current is None else current.value

    def since(self, name: str) -> str:
        current = self._current(name)
        return tanggal(current.valid_from) if current else ""

    def until(self, name: str) -> str:
        current = self._current(name)
        return tanggal(current.valid_until) if current and current.valid_until else ""

    def _current(self, name: str) -> Any:
        fact = self._facts.get(name)
        if fact is None:
            raise RenderError(f"fakta '{name}' tidak ada")
        self.used[name] = fact
        return fact.in_force(self._on)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return self.value(name)


def make_environment() -> SandboxedEnvironment:
    """The one Jinja environment for editor-written templates: sandboxed, strict, HTML-escaped."""
    env = SandboxedEnvironment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(rupiah=rupiah, persen=persen, angka=angka, tanggal=tanggal)
    return env


def template_helpers(view: FactView, tables: Mapping[str, Table]) -> dict[str, Any]:
    """Functions editors call in templates besides f: dates of facts, freshness, BPU brackets."""

    def dasar_bpu(income: Any) -> int:
        table = tables.get("bpu_income_brackets")
        bracket = table.find(int(_number(income))) if table else None
        if bracket is None:
            raise RenderError("tabel bpu_income_brackets tidak ada atau penghasilan di bawah tingkat terendah")
        return bracket.base

    return {"sejak": view.since, "sampai": view.until, "berlaku": view.status, "dasar_bpu": dasar_bpu}


@dataclass(frozen=True)
class Answer:
    key: str
    text: str
    related: tuple[tuple[str, str], ...]  # (key, title)
    offer_calculator: bool = False


def render_entry(
    env: jinja2.Environment,
    template: jinja2.Template,
    entry: Entry,
    facts: Mapping[str, Fact],
    titles: dict[str, str],
    on: date,
    texts: Mapping[str, str] | None = None,
    tables: Mapping[str, Table] | None = None,
    upah: int | None = None,
) -> Answer:
    """Render one entry for the date `on`, appending stale-figure notices, its sources and review date.

    `upah` is the monthly wage or income the question itself stated ("gaji saya 4 juta, JKP-nya
    berapa?"), or None: an entry may compute the user's own figure with `{% if upah %}`.
    """
    view = FactView(facts, on, texts)
    try:
        body = template.render(f=view, today=on, upah=upah, **template_helpers(view, tables or {}))
    except RenderError:
        raise
    except jinja2.UndefinedError as exc:
        raise RenderError(f"nama tidak dikenal di template: {exc.message}") from exc
    except (jinja2.TemplateError, TypeError, ValueError, ArithmeticError) as exc:
        raise RenderError(f"template gagal dirender: {exc}") from exc
    sources: list[str] = list(entry.sources)
    for fact in view.used.values():
        current = fact.in_force(on)
        if current is not None:
            for part in current.source.split(";"):
                if part.strip():
                    sources.append(part.strip())
    unique = list(dict.fromkeys(s for s in sources if s))
    footer = f"Diperbarui {tanggal(entry.reviewed)}."
    if unique:
        footer = f"Sumber: {escape('; '.join(unique))}. {footer}"
    notices = "".join(f"\n\n{n}" for n in view.stale_notices())
    text = _tidy(body) + notices + f"\n\n<i>{footer}</i>"
    related = tuple((k, titles[k]) for k in entry.related if k in titles)
    return Answer(entry.key, text, related, entry.offer_calculator)


def _tidy(text: str) -> str:
    """Collapse the blank-line runs Jinja blocks leave behind."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    out: list[str] = []
    for line in lines:
        if line == "" and out and out[-1] == "":
            continue
        out.append(line)
    return "\n".join(out)
