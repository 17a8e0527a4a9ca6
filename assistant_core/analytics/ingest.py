"""Reads Rasa's tracker-store events (read-only) into our analytics tables, incrementally.

A *turn* is one user message and everything the assistant did until it listened again. Only whole
turns are stored: a turn still in progress at the end of what was read is read again next time
(its user event id is unique in asst_turns, so nothing is counted twice). A turn with no end after
STALE_AFTER (Rasa died mid-turn) is stored as it is.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Column, Engine, Float, Integer, MetaData, String, Table, Text, func, inspect, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from assistant_core.clock import JAKARTA
from assistant_core.contract import (
    calculator,
    fallback,
    faq,
    feedback,
    obligation,
    parse_payload,
    registration,
    scope,
    smalltalk,
)
from assistant_core.db import ChatUser, DailyCount, IngestState, Turn, UserDay, serialise_with_ingestion
from assistant_core.masking import mask_personal_data

log = logging.getLogger(__name__)

# Rasa's SQLTrackerStore table, described only to read it.
RASA_EVENTS = Table(
    "events",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255)),
    Column("type_name", String(255)),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)
BATCH = 5000
STALE_AFTER = timedelta(minutes=5)
SESSION_GAP = timedelta(minutes=30)
MAX_TEXT = 300
SMALLTALK = frozenset(smalltalk.FEATURE.intents)
GUIDE_INTENTS = frozenset({obligation.INTENT, registration.INTENT, registration.OPEN_LINK})
CALC_INTENTS = frozenset({calculator.INTENT, calculator.CANCEL})
CALC_ACTIONS = frozenset({calculator.START, calculator.FORM, calculator.VALIDATE, calculator.RESULT})
MISS_ACTIONS = frozenset({fallback.RASA_FALLBACK, fallback.ACTION})
LISTEN = "action_listen"  # Rasa's own: the assistant waits for the next message


class Outcome:
    """What a turn came to, as stored in asst_turns.outcome and counted per day (plain strings:
    they are compared with what the database returns)."""

    HANDOFF = "handoff"
    MISS = "miss"
    OUT_OF_SCOPE = scope.OUT_OF_SCOPE
    KESEHATAN = "kesehatan"
    FEEDBACK = feedback.INTENT
    ANSWERED = "answered"
    CALCULATOR = "calculator"
    GUIDE = "guide"
    SMALLTALK = "smalltalk"
    OTHER = "other"


# Kept with their text, for editors (what was not answered).
UNANSWERED = (Outcome.MISS, Outcome.HANDOFF, Outcome.OUT_OF_SCOPE)
# Kept with their entry: the one answered or rated, or for a miss the nearest, a pointer for editors.
WITH_TOPIC = (Outcome.ANSWERED, Outcome.FEEDBACK, Outcome.MISS, Outcome.HANDOFF)
# Upper bounds (ms) of the response-time buckets kept per day; the last is open-ended.
RESPONSE_BUCKETS = (100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 8000, 15000)


def response_bucket(ms: int) -> str:
    for bound in RESPONSE_BUCKETS:
        if ms <= bound:
            return str(bound)
    return "inf"


@dataclass
class TurnDraft:
    event_id: int
    conversation: str
    at: datetime
    intent: str | None
    text: str
    source: str | None
    topic: str | None = None
    entities: dict[str, str] = field(default_factory=dict)
    actions: list[str] = field(default_factory=list)
    missed: bool = False
    handoff: bool = False
    answered_faq: bool = False
    in_calculator: bool = False
    last_bot_at: datetime | None = None
    complete: bool = False

    @property
    def day(self) -> date:
        return self.at.astimezone(JAKARTA).date()

    @property
    def outcome(self) -> str:
        if self.handoff:
            return Outcome.HANDOFF
        if self.missed or self.intent == fallback.NLU_FALLBACK:
            return Outcome.MISS
        if self.intent == scope.OUT_OF_SCOPE:
            return Outcome.OUT_OF_SCOPE
        if self.intent == scope.BPJS_KESEHATAN:
            return Outcome.KESEHATAN
        if self.intent == feedback.INTENT:
            return Outcome.FEEDBACK
        if self.answered_faq and self.topic:
            return Outcome.ANSWERED
        if self.in_calculator or self.intent in CALC_INTENTS:
            return Outcome.CALCULATOR
        if self.intent in GUIDE_INTENTS:
            return Outcome.GUIDE
        if self.intent in SMALLTALK:
            return Outcome.SMALLTALK
        return Outcome.OTHER

    @property
    def response_ms(self) -> int | None:
        if self.last_bot_at is None:
            return None
        return max(0, round((self.last_bot_at - self.at).total_seconds() * 1000))


def _moment(timestamp: float | None) -> datetime:
    return datetime.fromtimestamp(float(timestamp or 0), tz=timezone.utc)


def _faq_key(parse: dict[str, Any]) -> str | None:
    selector = (parse.get("response_selector") or {}).get(faq.INTENT) or {}
    key = (selector.get("response") or {}).get("intent_response_key")
    return str(key).split("/", 1)[1] if isinstance(key, str) and "/" in key else None


def _apply(draft: TurnDraft, row: Any, data: dict[str, Any]) -> None:
    """Fold one non-user event into the turn it belongs to."""
    kind = row.type_name
    if kind == "action":
        name = row.action_name or data.get("name")
        if name == LISTEN:
            draft.complete = bool(draft.actions)
            return
        draft.actions.append(str(name))
        if name in MISS_ACTIONS:
            draft.missed = True
        if name == faq.ACTION:
            draft.answered_faq = True
        if name in CALC_ACTIONS:
            draft.in_calculator = True
    elif kind == "bot":
        draft.last_bot_at = _moment(row.timestamp)
        metadata = data.get("metadata") or {}
        if metadata.get("utter_action") == fallback.UTTER_HANDOFF:
            draft.handoff = True
        for button in (data.get("data") or {}).get("buttons") or []:
            parsed = parse_payload(str(button.get("payload", ""))) if isinstance(button, dict) else None
            if parsed is not None and parsed[0] == feedback.INTENT:
                draft.topic = parsed[1].get(feedback.TOPIC) or draft.topic
    elif kind == "slot" and data.get("name") == fallback.MISSES and (data.get("value") or 0) >= 1:
        draft.missed = True
    elif kind == "active_loop" and data.get("name") == calculator.FORM:
        draft.in_calculator = True


def _start(row: Any, data: dict[str, Any]) -> TurnDraft:
    parse = data.get("parse_data") or {}
    intent = (parse.get("intent") or {}).get("name") or row.intent_name
    entities = {
        str(e.get("entity")): str(e.get("value"))
        for e in parse.get("entities") or []
        if isinstance(e, dict) and e.get("entity")
    }
    source = (data.get("metadata") or {}).get("source")
    draft = TurnDraft(
        event_id=int(row.id),
        conversation=str(row.sender_id),
        at=_moment(row.timestamp),
        intent=str(intent) if intent else None,
        text=str(data.get("text") or ""),
        source=mask_personal_data(str(source))[:64] if source else None,
        entities=entities,
    )
    if draft.intent == faq.INTENT:
        draft.topic = _faq_key(parse)
    elif draft.intent in {faq.CHOOSE_TOPIC, feedback.INTENT}:
        draft.topic = entities.get(faq.TOPIC)
    return draft


def _upsert(session: Session, table: Any, values: dict[str, Any], keys: list[str], add: dict[str, Any]) -> None:
    """INSERT, or on conflict add/OR the given columns (SQLite and PostgreSQL)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    statement = insert.values(**values)
    updates = {name: expression(statement.excluded) for name, expression in add.items()}
    session.execute(statement.on_conflict_do_update(index_elements=keys, set_=updates))


def _either(column: Any) -> Any:
    return lambda excluded: or_(column, getattr(excluded, column.name))


class Ingester:
    def __init__(self, engine: Engine, name: str = "rasa_events") -> None:
        self.engine = engine
        self.name = name

    def rasa_table_exists(self) -> bool:
        return "events" in inspect(self.engine).get_table_names()

    def run(self, now: datetime | None = None, max_batches: int = 1000) -> int:
        """Ingest everything new; returns the number of turns stored."""
        if not self.rasa_table_exists():
            return 0
        stored = 0
        for _ in range(max_batches):
            added, more = self._batch(now or datetime.now(tz=timezone.utc))
            stored += added
            if not more:
                break
        return stored

    def _batch(self, now: datetime) -> tuple[int, bool]:
        with Session(self.engine) as session, session.begin():
            # Before reading any event: a deletion of a conversation waits for this batch to commit,
            # and this batch waits for a deletion, so no turn of a forgotten conversation is written.
            serialise_with_ingestion(session)
            state = session.get(IngestState, self.name)
            if state is None:
                state = IngestState(name=self.name, last_event_id=0)
                session.add(state)
            started_at = state.last_event_id
            rows = session.execute(
                select(RASA_EVENTS)
                .where(RASA_EVENTS.c.id > state.last_event_id)
                .order_by(RASA_EVENTS.c.id)
                .limit(BATCH)
            ).all()
            if not rows:
                return 0, False
            drafts = self._turns(rows)
            newest = _moment(max(r.timestamp or 0 for r in rows))
            finished = [d for d in drafts if d.complete or now - d.at > STALE_AFTER or newest - d.at > STALE_AFTER]
            waiting = [d.event_id for d in drafts if d not in finished]
            state.last_event_id = (min(waiting) - 1) if waiting else int(rows[-1].id)
            added = self._store(session, finished)
            # Read on only while this pass moved forward (a turn still open stops it until next run).
            return added, len(rows) == BATCH and state.last_event_id > started_at

    @staticmethod
    def _turns(rows: Iterable[Any]) -> list[TurnDraft]:
        drafts: list[TurnDraft] = []
        current: dict[str, TurnDraft] = {}
        for row in rows:
            try:
                data = json.loads(row.data or "{}")
            except ValueError:
                data = {}
            if row.type_name == "user":
                draft = _start(row, data)
                previous = current.get(draft.conversation)
                if previous is not None:
                    previous.complete = True  # a new message ends the previous turn
                current[draft.conversation] = draft
                drafts.append(draft)
            elif row.sender_id in current:
                _apply(current[row.sender_id], row, data)
        return drafts

    def _store(self, session: Session, drafts: list[TurnDraft]) -> int:
        if not drafts:
            return 0
        known = set(session.scalars(select(Turn.event_id).where(Turn.event_id.in_([d.event_id for d in drafts]))))
        drafts = [d for d in drafts if d.event_id not in known]
        if not drafts:
            return 0
        conversations = sorted({d.conversation for d in drafts})
        sources: dict[str, str | None] = dict(
            session.execute(
                select(ChatUser.conversation, ChatUser.source).where(ChatUser.conversation.in_(conversations))
            )
            .tuples()
            .all()
        )
        first_day: dict[str, date] = dict(
            session.execute(
                select(UserDay.conversation, func.min(UserDay.day))
                .where(UserDay.conversation.in_(conversations))
                .group_by(UserDay.conversation)
            )
            .tuples()
            .all()
        )
        last_at: dict[str, datetime] = dict(
            session.execute(
                select(Turn.conversation, func.max(Turn.at))
                .where(Turn.conversation.in_(conversations))
                .group_by(Turn.conversation)
            )
            .tuples()
            .all()
        )
        # A conversation keeps the first source it came with (deep link or REST metadata).
        missing = [c for c in conversations if not sources.get(c)]
        if missing:
            for conversation, source in session.execute(
                select(Turn.conversation, func.min(Turn.source))
                .where(Turn.conversation.in_(missing), Turn.source.is_not(None))
                .group_by(Turn.conversation)
            ).tuples():
                sources[conversation] = source
        for draft in sorted(drafts, key=lambda d: d.event_id):
            if draft.source and not sources.get(draft.conversation):
                sources[draft.conversation] = draft.source
            source = draft.source or sources.get(draft.conversation)
            outcome = draft.outcome
            keep_text = outcome in UNANSWERED
            session.add(
                Turn(
                    event_id=draft.event_id,
                    conversation=draft.conversation,
                    at=draft.at,
                    day=draft.day,
                    intent=draft.intent,
                    topic=draft.topic if outcome in WITH_TOPIC else None,
                    outcome=outcome,
                    response_ms=draft.response_ms,
                    source=source,
                    text=mask_personal_data(draft.text)[:MAX_TEXT] if keep_text else None,
                )
            )
            previous = last_at.get(draft.conversation)
            if previous is not None and previous.tzinfo is None:
                previous = previous.replace(tzinfo=timezone.utc)
            new_session = previous is None or draft.at - previous > SESSION_GAP
            last_at[draft.conversation] = draft.at
            earliest = first_day.get(draft.conversation)
            is_new = earliest is None or earliest >= draft.day
            if earliest is None:
                first_day[draft.conversation] = draft.day
            flags = {
                "calculator": draft.intent == calculator.INTENT or calculator.START in draft.actions,
                "obligation": draft.intent == obligation.INTENT,
                "guide": draft.intent == registration.INTENT,
                "link": draft.intent == registration.OPEN_LINK,
            }
            _upsert(
                session,
                UserDay.__table__,
                {
                    "day": draft.day,
                    "conversation": draft.conversation,
                    "source": source,
                    "new": is_new,
                    "messages": 1,
                    "sessions": int(new_session),
                    **flags,
                },
                ["day", "conversation"],
                {
                    "messages": lambda ex: UserDay.__table__.c.messages + ex.messages,
                    "sessions": lambda ex: UserDay.__table__.c.sessions + ex.sessions,
                    **{name: _either(UserDay.__table__.c[name]) for name in flags},
                },
            )
            counters = [("messages", ""), ("outcome", outcome)]
            if outcome == Outcome.ANSWERED and draft.topic:
                counters.append(("topic", draft.topic))
            rating = draft.entities.get(feedback.RATING)
            if draft.intent == feedback.INTENT and draft.topic and rating in feedback.RATINGS:
                counters.append((f"rating_{rating}", draft.topic))
            if draft.response_ms is not None:
                counters.append(("response_ms", response_bucket(draft.response_ms)))
            for metric, key in counters:
                _upsert(
                    session,
                    DailyCount.__table__,
                    {"day": draft.day, "source": source or "", "metric": metric, "key": key, "value": 1},
                    ["day", "source", "metric", "key"],
                    {"value": lambda ex: DailyCount.__table__.c.value + ex.value},
                )
        return len(drafts)
