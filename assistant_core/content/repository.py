"""The live content: loads content/, compiles templates, reloads when an editor saves a file."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import jinja2

from assistant_core.business_risk import BusinessTable, parse_table
from assistant_core.content import schema
from assistant_core.content.loader import Entry, Fact, Problem, Table, load_raw
from assistant_core.content.render import (
    Answer,
    FactView,
    RenderError,
    make_environment,
    render_entry,
    template_helpers,
    text_of,
)

log = logging.getLogger(__name__)


class ContentUnavailable(Exception):
    """Content has errors and no earlier good version is loaded."""


@dataclass(frozen=True)
class Snapshot:
    facts: dict[str, Fact]
    entries: dict[str, Entry]
    texts: dict[str, str]
    calculator: schema.CalculatorFile
    calc_templates: dict[str, jinja2.Template]
    guide: schema.GuideFile
    guide_templates: dict[str, jinja2.Template]
    templates: dict[str, jinja2.Template]
    titles: dict[str, str]
    problems: tuple[Problem, ...]
    business: BusinessTable
    tables: dict[str, Table] = field(default_factory=dict)
    # Editor-written template text by dotted key, for checks that read what was typed.
    calc_sources: dict[str, str] = field(default_factory=dict)
    guide_sources: dict[str, str] = field(default_factory=dict)
    rejected: frozenset[str] = frozenset()


def _stamp(content_dir: Path) -> tuple[tuple[str, float, int], ...]:
    files = sorted(p for p in content_dir.rglob("*.yml") if p.is_file())
    return tuple((str(p), p.stat().st_mtime, p.stat().st_size) for p in files)


def build_snapshot(content_dir: Path) -> Snapshot:
    """Load and compile everything; template syntax errors become problems."""
    raw = load_raw(content_dir)
    env = make_environment()
    problems = list(raw.problems)
    templates: dict[str, jinja2.Template] = {}
    for entry in raw.entries.values():
        try:
            templates[entry.key] = env.from_string(entry.answer)
        except jinja2.TemplateSyntaxError as exc:
            line = entry.line + exc.lineno + 1 if entry.line else None
            problems.append(
                Problem(
                    entry.file,
                    line,
                    entry.key,
                    f"sintaks template salah: {exc.message}",
                    "periksa pasangan {{ }} dan {% %}, dan setiap {% if %} ditutup {% endif %}",
                )
            )
    # The schemas have checked every key and type; the snapshot keeps the validated models, read by
    # attribute (an absent or unusable file is an empty model, and the checker names what is missing).
    calculator = raw.calculator or schema.CalculatorFile()
    guide = raw.guide or schema.GuideFile()
    calc_texts: list[tuple[str, object]] = [
        (f"{section}.{name}", text)
        for section, items in (raw.calculator.sections() if raw.calculator else {}).items()
        for name, text in items.items()
    ]
    calc_templates = _compile(env, calc_texts, "content/calculator.yml", problems)
    guide_texts = list(_strings(guide.model_dump(by_alias=True, exclude_none=True)))
    guide_templates = _compile(env, guide_texts, "content/guide.yml", problems)
    titles = {e.key: e.title for e in raw.entries.values()}
    business_data = raw.business_risk.model_dump(by_alias=True, exclude_none=True) if raw.business_risk else {}
    business, business_problems = parse_table(business_data)
    problems += [Problem("content/business_risk.yml", None, *p) for p in business_problems]
    return Snapshot(
        raw.facts,
        raw.entries,
        raw.texts,
        calculator,
        calc_templates,
        guide,
        guide_templates,
        templates,
        titles,
        tuple(problems),
        business,
        raw.tables,
        {k: v for k, v in calc_texts if isinstance(v, str)},
        dict(guide_texts),
        frozenset(raw.rejected),
    )


def _compile(
    env: jinja2.Environment, texts: Sequence[tuple[str, object]], file: str, problems: list[Problem]
) -> dict[str, jinja2.Template]:
    """Compile editor texts keyed by dotted path; a missing text or bad syntax becomes a problem."""
    templates: dict[str, jinja2.Template] = {}
    for key, text in texts:
        if not isinstance(text, str):
            problems.append(
                Problem(file, None, key, "teks kosong atau bukan teks", "isi dengan kalimat di antara tanda kutip")
            )
            continue
        try:
            templates[key] = env.from_string(text)
        except jinja2.TemplateSyntaxError as exc:
            problems.append(
                Problem(file, None, key, f"sintaks template salah: {exc.message}", "periksa pasangan {{ }} dan {% %}")
            )
    return templates


def _strings(data: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Every text in a nested mapping, keyed by its dotted path ("registration.checklists.bpu_jmo")."""
    found: list[tuple[str, str]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "__line__":
                continue
            path = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, str):
                found.append((path, value))
            elif isinstance(value, dict):
                found.extend(_strings(value, path))
    return found


class ContentRepository:
    """Serves rendered answers; re-reads content/ when a file changes, keeping the last good one.

    Checking the files' modification times costs one stat per file and runs at most every
    `check_interval` seconds, so an editor's change is live within that interval.
    """

    def __init__(self, content_dir: Path, check_interval: float = 2.0) -> None:
        self._dir = content_dir
        self._interval = check_interval
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._stamp: tuple[tuple[str, float, int], ...] = ()
        self._checked_at = 0.0

    def snapshot(self, now: float | None = None) -> Snapshot:
        import time

        moment = time.monotonic() if now is None else now
        with self._lock:
            if self._snapshot is None or moment - self._checked_at >= self._interval:
                self._checked_at = moment
                stamp = _stamp(self._dir)
                if self._snapshot is None or stamp != self._stamp:
                    self._reload(stamp)
            if self._snapshot is None:
                raise ContentUnavailable(f"content in {self._dir} could not be loaded")
            return self._snapshot

    def _reload(self, stamp: tuple[tuple[str, float, int], ...]) -> None:
        fresh = build_snapshot(self._dir)
        self._stamp = stamp
        if fresh.problems and self._snapshot is not None:
            # An editor's mistake must not take answers offline: keep serving the last good set.
            log.error(
                "content has %d problem(s); keeping the previous version. First: %s",
                len(fresh.problems),
                fresh.problems[0],
            )
            return
        if fresh.problems:
            log.error(
                "content has %d problem(s); serving what loaded. First: %s", len(fresh.problems), fresh.problems[0]
            )
        self._snapshot = fresh

    def render(self, key: str, on: date, upah: int | None = None) -> Answer | None:
        snap = self.snapshot()
        entry = snap.entries.get(key)
        template = snap.templates.get(key)
        if entry is None or template is None:
            return None
        env = template.environment
        assert isinstance(env, jinja2.Environment)
        return render_entry(env, template, entry, snap.facts, snap.titles, on, snap.texts, snap.tables, upah)

    def render_calc(self, key: str, on: date, **context: Any) -> str:
        """Render a calculator text ("questions.calc_risk", "results.pu") with facts in force on `on`."""
        snap = self.snapshot()
        return self._render(snap, snap.calc_templates, "calculator", key, on, context)

    def render_guide(self, key: str, on: date, **context: Any) -> str:
        """Render a guide text ("obligation.result", "registration.checklists.bpu_jmo")."""
        snap = self.snapshot()
        return self._render(snap, snap.guide_templates, "guide", key, on, context)

    @staticmethod
    def _render(
        snap: Snapshot, templates: dict[str, jinja2.Template], name: str, key: str, on: date, context: dict[str, Any]
    ) -> str:
        template = templates.get(key)
        if template is None:
            raise KeyError(f"content/{name}.yml has no '{key}'")
        view = FactView(snap.facts, on, snap.texts)
        try:
            text = template.render(f=view, **template_helpers(view, snap.tables), **context).strip()
        except jinja2.TemplateError as exc:
            raise RenderError(f"{key}: {exc}") from exc
        return text + "".join(f"\n\n{n}" for n in view.stale_notices())

    def guide(self) -> schema.GuideFile:
        """content/guide.yml as validated: buttons and links, read by attribute."""
        return self.snapshot().guide

    def calc_buttons(self, slot: str) -> list[str]:
        question = self.snapshot().calculator.questions.get(slot)
        return list(question.buttons) if question else []

    def title(self, key: str) -> str | None:
        return self.snapshot().titles.get(key)

    def text(self, name: str, **values: Any) -> str:
        """A text from content/texts.yml, its {{ placeholders }} filled with `values`."""
        return text_of(self.snapshot().texts, name, **values)
