"""The live content: loads content/, compiles templates, reloads when an editor saves a file."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import jinja2

from assistant_core.content.loader import Entry, Fact, Problem, load_raw
from assistant_core.content.render import Answer, make_environment, render_entry

log = logging.getLogger(__name__)


class ContentUnavailable(Exception):
    """Content has errors and no earlier good version is loaded."""


@dataclass(frozen=True)
class Snapshot:
    facts: dict[str, Fact]
    entries: dict[str, Entry]
    texts: dict[str, str]
    templates: dict[str, jinja2.Template]
    titles: dict[str, str]
    problems: tuple[Problem, ...]


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
    titles = {e.key: e.title for e in raw.entries.values()}
    return Snapshot(raw.facts, raw.entries, raw.texts, templates, titles, tuple(problems))


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

    def render(self, key: str, on: date) -> Answer | None:
        snap = self.snapshot()
        entry = snap.entries.get(key)
        template = snap.templates.get(key)
        if entry is None or template is None:
            return None
        env = template.environment
        assert isinstance(env, jinja2.Environment)
        return render_entry(env, template, entry, snap.facts, snap.titles, on)

    def title(self, key: str) -> str | None:
        return self.snapshot().titles.get(key)

    def text(self, name: str) -> str:
        texts = self.snapshot().texts
        if name not in texts:
            raise KeyError(f"content/texts.yml has no text '{name}'")
        return texts[name]
