"""The metrics program staff see, computed from the analytics tables for a date range.

Every definition is in README.md ("Metrics") and on the dashboard's help page; the names of the
fields here are the ones the CSV export uses.
"""

from __future__ import annotations

import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine, and_, case, func, select
from sqlalchemy.orm import Session

from assistant_core.analytics.ingest import RESPONSE_BUCKETS, UNANSWERED, Outcome
from assistant_core.clock import JAKARTA
from assistant_core.contract import registration
from assistant_core.db import DailyCount, Reminder, Turn, UserDay

# People counted by source or segment below this are shown as "<5" (never the exact figure).
MIN_CELL = 5
NOT_UNDERSTOOD = (Outcome.MISS, Outcome.HANDOFF)
# The editors' list (UNANSWERED) also shows what was judged out of scope: a BPJS question misjudged
# so shows up there.
UNANSWERED_LIMIT = 20000
# The funnel step of people who opened the registration guide is named after its intent.
FUNNEL_GUIDE = registration.INTENT


@dataclass(frozen=True)
class Day:
    day: date
    users: int
    new_users: int
    sessions: int
    messages: int


@dataclass(frozen=True)
class SourceRow:
    source: str
    users: int | None  # None = suppressed (fewer than MIN_CELL)
    new_users: int | None
    reached_guide: int | None
    opened_link: int | None


@dataclass(frozen=True)
class Cluster:
    count: int
    examples: list[str]
    nearest_topic: str | None


@dataclass
class Metrics:
    start: date
    end: date
    source: str | None
    users: int = 0
    new_users: int = 0
    returning_users: int = 0
    sessions: int = 0
    messages: int = 0
    days: list[Day] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=dict)
    topics: list[tuple[str, int]] = field(default_factory=list)
    ratings: dict[str, tuple[int, int]] = field(default_factory=dict)
    funnel: list[tuple[str, int]] = field(default_factory=list)
    sources: list[SourceRow] = field(default_factory=list)
    reminders_active: int = 0
    reminders_new: int = 0
    response_p50_ms: int | None = None
    response_p95_ms: int | None = None
    unanswered: list[Cluster] = field(default_factory=list)

    def share(self, *outcomes: str) -> float:
        return sum(self.outcomes.get(o, 0) for o in outcomes) / self.messages if self.messages else 0.0

    @property
    def not_understood_share(self) -> float:
        return self.share(*NOT_UNDERSTOOD)

    @property
    def out_of_scope_share(self) -> float:
        return self.share(Outcome.OUT_OF_SCOPE, Outcome.KESEHATAN)

    @property
    def handoffs(self) -> int:
        return self.outcomes.get(Outcome.HANDOFF, 0)


def suppress(value: int) -> int | None:
    return value if value >= MIN_CELL else None


def _percentile(buckets: dict[str, int], pct: float) -> int | None:
    total = sum(buckets.values())
    if not total:
        return None
    running = 0
    for bound in [*map(str, RESPONSE_BUCKETS), "inf"]:
        running += buckets.get(bound, 0)
        if running >= pct / 100 * total:
            return int(bound) if bound != "inf" else RESPONSE_BUCKETS[-1] + 1
    return None


_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    [
        "yg",
        "yang",
        "dan",
        "di",
        "ke",
        "dari",
        "itu",
        "ini",
        "apa",
        "ya",
        "kak",
        "min",
        "gan",
        "sih",
        "dong",
        "nya",
        "saya",
        "sy",
        "aku",
        "mau",
        "bisa",
        "ga",
        "gak",
        "tidak",
    ]
)


def _tokens(text: str) -> frozenset[str]:
    return frozenset(w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 1)


def cluster_texts(items: list[tuple[str, str | None]], threshold: float = 0.5) -> list[Cluster]:
    """Group similar questions (token-set Jaccard >= threshold), biggest groups first."""
    exact = Counter(" ".join(sorted(_tokens(t))) or t.strip().lower() for t, _ in items)
    samples: dict[str, list[str]] = {}
    topics: dict[str, Counter[str]] = {}
    for text, topic in items:
        norm = " ".join(sorted(_tokens(text))) or text.strip().lower()
        samples.setdefault(norm, [])
        if len(samples[norm]) < 3 and text not in samples[norm]:
            samples[norm].append(text)
        if topic:
            topics.setdefault(norm, Counter())[topic] += 1
    groups: list[dict[str, Any]] = []
    index: dict[str, set[int]] = {}
    for norm, count in exact.most_common():
        tokens = frozenset(norm.split())
        best, best_score = None, 0.0
        for gid in set().union(*(index.get(t, set()) for t in tokens)) if tokens else set():
            rep = groups[gid]["tokens"]
            score = len(tokens & rep) / len(tokens | rep)
            if score > best_score:
                best, best_score = gid, score
        if best is not None and best_score >= threshold:
            group = groups[best]
        else:
            group = {"tokens": tokens, "count": 0, "examples": [], "topics": Counter()}
            groups.append(group)
            for token in tokens:
                index.setdefault(token, set()).add(len(groups) - 1)
        group["count"] += count
        group["examples"].extend(e for e in samples[norm] if len(group["examples"]) < 3)
        group["topics"].update(topics.get(norm, Counter()))
    groups.sort(key=lambda g: -int(g["count"]))
    return [
        Cluster(int(g["count"]), list(g["examples"]), g["topics"].most_common(1)[0][0] if g["topics"] else None)
        for g in groups
    ]


def compute(
    engine: Engine,
    start: date,
    end: date,
    source: str | None = None,
    unanswered: bool = True,
    summary: bool = True,
) -> Metrics:
    """All metrics for days start..end (inclusive, Asia/Jakarta dates), optionally for one source.

    `unanswered=False` skips grouping the unanswered questions (the summary page does not show them);
    `summary=False` computes only those (the unanswered page).
    """
    result = Metrics(start, end, source)
    pending = _POOL.submit(unanswered_clusters, engine, start, end, source) if unanswered else None
    if summary:
        _summary(engine, result, start, end, source)
    if pending is not None:
        result.unanswered = pending.result()
    return result


# The unanswered list is read on its own connection while the summary queries run (SQLite and
# PostgreSQL both serve concurrent readers), so the two costs overlap instead of adding up.
_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="metrics")


def unanswered_clusters(engine: Engine, start: date, end: date, source: str | None = None) -> list[Cluster]:
    """Not-understood, handed-off and out-of-scope messages in the range, grouped by similarity."""
    turn_range = and_(Turn.day >= start, Turn.day <= end, Turn.outcome.in_(UNANSWERED), Turn.text.is_not(None))
    if source is not None:
        turn_range = and_(turn_range, Turn.source == source)
    with Session(engine) as session:
        texts = session.execute(
            select(Turn.text, Turn.topic).where(turn_range).order_by(Turn.id.desc()).limit(UNANSWERED_LIMIT)
        ).all()
    return cluster_texts([(str(t), topic) for t, topic in texts])


def _summary(engine: Engine, result: Metrics, start: date, end: date, source: str | None) -> None:
    in_range = and_(UserDay.day >= start, UserDay.day <= end)
    if source is not None:
        in_range = and_(in_range, UserDay.source == source)
    counts_range = and_(DailyCount.day >= start, DailyCount.day <= end)
    if source is not None:
        counts_range = and_(counts_range, DailyCount.source == source)
    with Session(engine) as session:
        result.users = int(session.scalar(select(func.count(func.distinct(UserDay.conversation))).where(in_range)) or 0)
        per_day = session.execute(
            select(
                UserDay.day,
                func.count(),
                func.sum(case((UserDay.new, 1), else_=0)),
                func.sum(UserDay.sessions),
                func.sum(UserDay.messages),
            )
            .where(in_range)
            .group_by(UserDay.day)
        ).all()
        by_day = {
            row[0]: Day(row[0], int(row[1]), int(row[2] or 0), int(row[3] or 0), int(row[4] or 0)) for row in per_day
        }
        day = start
        while day <= end:
            result.days.append(by_day.get(day, Day(day, 0, 0, 0, 0)))
            day += timedelta(days=1)
        result.sessions = sum(d.sessions for d in result.days)
        result.new_users = sum(d.new_users for d in result.days)
        result.returning_users = result.users - result.new_users
        result.messages = sum(d.messages for d in result.days)

        counters = session.execute(
            select(DailyCount.metric, DailyCount.key, func.sum(DailyCount.value))
            .where(counts_range, DailyCount.metric != "messages")
            .group_by(DailyCount.metric, DailyCount.key)
        ).all()
        topics: Counter[str] = Counter()
        up: Counter[str] = Counter()
        down: Counter[str] = Counter()
        buckets: dict[str, int] = {}
        for metric, key, value in counters:
            value = int(value or 0)
            if metric == "outcome":
                result.outcomes[key] = value
            elif metric == "topic":
                topics[key] = value
            elif metric == "rating_up":
                up[key] = value
            elif metric == "rating_down":
                down[key] = value
            elif metric == "response_ms":
                buckets[key] = value
        result.topics = topics.most_common(20)
        result.ratings = {k: (up[k], down[k]) for k in sorted(set(up) | set(down), key=lambda k: -(up[k] + down[k]))}
        result.response_p50_ms = _percentile(buckets, 50)
        result.response_p95_ms = _percentile(buckets, 95)

        # One pass over the people in the range (per source and person), for the funnel and sources.
        # Funnel cohort: the people whose first contact is in the range; steps counted in the range.
        people = (
            select(
                UserDay.source,
                UserDay.conversation,
                func.max(case((UserDay.new, 1), else_=0)).label("new"),
                func.max(case((UserDay.calculator | UserDay.obligation, 1), else_=0)).label("tool"),
                func.max(case((UserDay.guide, 1), else_=0)).label("guide"),
                func.max(case((UserDay.link, 1), else_=0)).label("link"),
            )
            .where(in_range)
            .group_by(UserDay.source, UserDay.conversation)
            .subquery()
        )
        rows = session.execute(
            select(
                people.c.source,
                func.count(),
                func.sum(people.c.new),
                func.sum(people.c.guide),
                func.sum(people.c.link),
                func.sum(people.c.new * people.c.tool),
                func.sum(people.c.new * people.c.guide),
                func.sum(people.c.new * people.c.link),
            )
            .group_by(people.c.source)
            .order_by(func.count().desc())
        ).all()
        result.sources = [
            SourceRow(
                src or "(langsung)",
                suppress(int(n)),
                suppress(int(new or 0)),
                suppress(int(g or 0)),
                suppress(int(li or 0)),
            )
            for src, n, new, g, li, *_ in rows
        ]
        result.funnel = [
            ("first_contact", result.new_users),
            ("calculator_or_obligation", sum(int(r[5] or 0) for r in rows)),
            (FUNNEL_GUIDE, sum(int(r[6] or 0) for r in rows)),
            ("registration_link", sum(int(r[7] or 0) for r in rows)),
        ]

        # Bot-side records: payment-reminder subscriptions (kept by the bot; no source filter).
        result.reminders_active = int(session.scalar(select(func.count()).select_from(Reminder)) or 0)
        window = (
            datetime.combine(start, time.min, tzinfo=JAKARTA),
            datetime.combine(end + timedelta(days=1), time.min, tzinfo=JAKARTA),
        )
        result.reminders_new = int(
            session.scalar(
                select(func.count())
                .select_from(Reminder)
                .where(Reminder.created_at >= window[0], Reminder.created_at < window[1])
            )
            or 0
        )


def sources_seen(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return [s for s in session.scalars(select(UserDay.source).distinct()) if s]
