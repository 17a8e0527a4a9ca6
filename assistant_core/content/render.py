"""Renders FAQ answers from their templates with the facts in force on the question date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import escape

from assistant_core.content.loader import Entry, Fact

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


class FactView:
    """What templates see as `f`: fact values in force on one date, recording which were used."""

    def __init__(self, facts: dict[str, Fact], on: date) -> None:
        self._facts = facts
        self._on = on
        self.used: dict[str, Fact] = {}

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
    facts: dict[str, Fact],
    titles: dict[str, str],
    on: date,
) -> Answer:
    """Render one entry for the date `on`, appending its sources and review date."""
    view = FactView(facts, on)
    try:
        body = template.render(f=view, today=on, sejak=view.since, sampai=view.until)
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
    text = _tidy(body) + f"\n\n<i>{footer}</i>"
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
