"""An SQL tracker store that checks its connections and fails loudly.

Rasa's Agent always wraps the configured tracker store in `FailSafeTrackerStore`, which catches
every `Exception`: a failed read is served as an empty conversation and a failed write is kept in
that process's memory only. After a PostgreSQL restart the pool still holds dead connections, so
the first message of every open conversation would silently start over (an open calculator is
lost) and its events would never reach the database.

This store does two things about it:

- `pool_pre_ping=True`: every connection is tested when it leaves the pool and replaced if the
  server dropped it, so a database restart costs nothing once the server is back;
- a database error that remains (the server is really down) is raised as
  `TrackerStoreUnavailable`, which derives from `BaseException` precisely so the fail-safe
  wrapper cannot swallow it. Our REST channel catches it and answers 503, so the bot apologises
  and the user's message is not half-handled. Nothing is written to memory only.

It also keeps the cost of a message flat as a conversation grows. Rasa's `SQLTrackerStore`
reads every event of the session and replays it for each message, then counts them again to
save; its policies and the action server then walk the whole history once more. Here:

- **A cache of trackers, checked against the database.** After a save the tracker stays in this
  process. The next `retrieve` asks the database only for the rows from the last row it knows
  (`id >= last`): if that row is still there, rows another replica added meanwhile are applied
  to the cached tracker (the same `tracker.update` Rasa's replay uses); if it is gone (the
  conversation was deleted: /hapusdata, the retention purge) or a session started elsewhere, the
  tracker is rebuilt Rasa's way. A tracker changed in memory but not saved is never served.
- **A window on long sessions.** Once a session holds more than 2 x `window_turns` user
  messages, the tracker handed to Rasa keeps the last `window_turns` of them in full and starts
  with a summary of everything before: the session start, one `SlotSet` per slot that differs
  from its initial value and the active loop. The buttons offered before the window are kept
  beside the tracker (the REST channel accepts a typed payload only if it was offered). Rasa's
  policies here look back at most a few turns (MemoizationPolicy: 5 states; the rules are
  shorter), so they predict the same actions;
  tests/e2e/test_long_conversations.py replays long conversations against Rasa's own store and
  compares every reply and stored event. The database always holds every event, unchanged.
- `save` writes the events added since the tracker was read, by count kept on the tracker,
  instead of counting the session's rows again.

`window_turns: 0` in endpoints.yml turns both off: then this is Rasa's store plus the checks.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from typing import Any, Awaitable, Callable, Iterable, List, TypeVar

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

log = logging.getLogger(__name__)

T = TypeVar("T")


class TrackerStoreUnavailable(BaseException):
    """The conversation database cannot be read or written right now.

    A `BaseException` on purpose: Rasa's `FailSafeTrackerStore` catches `Exception` and would
    turn this into an empty conversation. Only our REST channel catches it (and answers 503).
    """


# Kept on each tracker this store hands out: how many of its events are stored, and the id of the
# last stored row. Attributes on the tracker itself, so a tracker evicted from the cache while a
# message is handled still saves exactly its new events.
_STORED = "_umkm_stored_events"
_LAST_ID = "_umkm_last_row_id"
# Button payloads offered in the part of the session a windowed tracker summarises.
EARLIER_PAYLOADS = "_umkm_earlier_payloads"


def offered_payloads(events: Iterable[Any]) -> set[str]:
    """Every button payload the assistant offered in `events`."""
    payloads: set[str] = set()
    for event in events:
        if isinstance(event, BotUttered):
            for button in (event.data or {}).get("buttons") or []:
                payload = button.get("payload") if isinstance(button, dict) else None
                if isinstance(payload, str):
                    payloads.add(payload.strip())
    return payloads


def offered_in_session(tracker: DialogueStateTracker) -> set[str]:
    """The payloads offered in the tracker's session, including before a window (module doc)."""
    return set(getattr(tracker, EARLIER_PAYLOADS, ())) | offered_payloads(tracker.events)


class CheckedSQLTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` with pre-pinged connections, loud failures, a checked cache and a window
    on long sessions (see the module doc)."""

    def __init__(self, *args: Any, window_turns: int = 2, cache_conversations: int = 500, **kwargs: Any) -> None:
        self._cache: OrderedDict[str, DialogueStateTracker] = OrderedDict()
        self.window_turns = int(window_turns)
        self.cache_conversations = int(cache_conversations)
        super().__init__(*args, **kwargs)
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    @property  # type: ignore[override]
    def domain(self) -> Domain:
        return self._domain

    @domain.setter
    def domain(self, domain: Domain | None) -> None:
        # A new model (live rollout) may bring other slots: trackers are rebuilt with its domain.
        self._domain = domain or Domain.empty()
        if hasattr(self, "_cache"):
            self._cache.clear()

    def forget(self, sender_id: str) -> None:
        """Drop a conversation from the cache (its rows were deleted)."""
        self._cache.pop(sender_id, None)

    async def _checked(self, what: str, call: Callable[[], Awaitable[T]]) -> T:
        try:
            return await call()
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise self._unavailable(what, exc) from exc
            # The connection died between the pre-ping and the query: one more try on a new one.
            log.warning("Tracker store connection was dropped during %s; retrying once", what)
            try:
                return await call()
            except SQLAlchemyError as again:
                raise self._unavailable(what, again) from again
        except SQLAlchemyError as exc:
            raise self._unavailable(what, exc) from exc

    @staticmethod
    def _unavailable(what: str, exc: BaseException) -> TrackerStoreUnavailable:
        log.error("Tracker store unavailable during %s: %s", what, exc)
        return TrackerStoreUnavailable(f"the conversation database failed during {what}: {exc}")

    async def keys(self) -> Iterable[str]:
        return await self._checked("keys", super().keys)

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        if not self.window_turns:
            parent = super()
            return await self._checked("retrieve", lambda: parent.retrieve(sender_id))
        return await self._checked("retrieve", lambda: self._retrieve_cached(sender_id))

    async def retrieve_full_tracker(self, conversation_id: str) -> DialogueStateTracker | None:
        parent = super()
        return await self._checked("retrieve_full_tracker", lambda: parent.retrieve_full_tracker(conversation_id))

    async def save(self, tracker: DialogueStateTracker) -> None:
        if not self.window_turns:
            parent = super()
            await self._checked("save", lambda: parent.save(tracker))
            return
        await self._checked("save", lambda: self._save_counted(tracker))

    # -- the cache and the window ----------------------------------------------------------------

    async def _retrieve_cached(self, sender_id: str) -> DialogueStateTracker | None:
        cached = self._cache.get(sender_id)
        if cached is not None and len(cached.events) == getattr(cached, _STORED, -1):
            last = getattr(cached, _LAST_ID)
            with self.session_scope() as session:
                rows = (
                    session.query(self.SQLEvent.id, self.SQLEvent.type_name, self.SQLEvent.data)
                    .filter(self.SQLEvent.sender_id == sender_id, self.SQLEvent.id >= last)
                    .order_by(self.SQLEvent.id)
                    .all()
                )
            newer = rows[1:]
            if rows and rows[0].id == last and not any(r.type_name == SessionStarted.type_name for r in newer):
                for row in newer:  # written by another replica since this one saved
                    cached.update(Event.from_parameters(json.loads(row.data)))
                if newer:
                    self._mark(cached, newer[-1].id)
                self._cache.move_to_end(sender_id)
                return self._remember(self._windowed(cached))
        self._cache.pop(sender_id, None)
        tracker, last_id = self._load(sender_id)
        if tracker is None:
            return None
        self._mark(tracker, last_id)
        return self._remember(self._windowed(tracker))

    def _load(self, sender_id: str) -> tuple[DialogueStateTracker | None, int]:
        """Rasa's own read of the latest session (`_event_query`), keeping the last row id."""
        with self.session_scope() as session:
            rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=False).all()
            if not rows or not self.domain:
                return None, 0
            events = [json.loads(row.data) for row in rows]
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots), int(rows[-1].id)

    async def _save_counted(self, tracker: DialogueStateTracker) -> None:
        stored = getattr(tracker, _STORED, None)
        if stored is None:
            # Not read through this store (a new conversation): Rasa's way, then remember it.
            await SQLTrackerStore.save(self, tracker)
            with self.session_scope() as session:
                query = session.query(sa.func.max(self.SQLEvent.id))
                last_id = query.filter(self.SQLEvent.sender_id == tracker.sender_id).scalar()
        else:
            await self.stream_events(tracker)
            last_id = self._insert(tracker.sender_id, list(tracker.events)[stored:]) or getattr(tracker, _LAST_ID)
        if last_id is None:
            return
        self._mark(tracker, int(last_id))
        if sum(isinstance(event, SessionStarted) for event in tracker.events) > 1:
            # A new session began in this message: Rasa reads from its start; so will we.
            self._cache.pop(tracker.sender_id, None)
            return
        self._remember(self._windowed(tracker))

    def _insert(self, sender_id: str, events: List[Event]) -> int | None:
        """SQLTrackerStore.save's rows for `events`; returns the last new row id."""
        if not events:
            return None
        with self.session_scope() as session:
            rows = []
            for event in events:
                data = event.as_dict()
                rows.append(
                    self.SQLEvent(
                        sender_id=sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=data.get("parse_data", {}).get("intent", {}).get("name"),
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            session.add_all(rows)
            session.flush()
            last = max(int(row.id) for row in rows)
            session.commit()
            return last

    @staticmethod
    def _mark(tracker: DialogueStateTracker, last_id: int) -> None:
        setattr(tracker, _STORED, len(tracker.events))
        setattr(tracker, _LAST_ID, last_id)

    def _remember(self, tracker: DialogueStateTracker) -> DialogueStateTracker:
        self._cache[tracker.sender_id] = tracker
        self._cache.move_to_end(tracker.sender_id)
        while len(self._cache) > self.cache_conversations:
            self._cache.popitem(last=False)
        return tracker

    def _windowed(self, tracker: DialogueStateTracker) -> DialogueStateTracker:
        """The tracker itself, or past 2 x window_turns user messages, a summary plus the last
        window_turns of them (the module doc says what the summary holds)."""
        events = list(tracker.events)
        users = [i for i, event in enumerate(events) if isinstance(event, UserUttered)]
        if len(users) <= 2 * self.window_turns:
            return tracker
        cut = users[-self.window_turns]
        before = events[cut - 1] if cut > 0 else None
        if isinstance(before, ActionExecuted) and before.action_name == ACTION_LISTEN_NAME:
            cut -= 1
        slots = self.domain.slots
        prefix = DialogueStateTracker.from_events(tracker.sender_id, events[:cut], slots)
        at = events[cut].timestamp
        summary: List[Event] = [
            ActionExecuted(ACTION_SESSION_START_NAME, timestamp=at),
            SessionStarted(timestamp=at),
        ]
        for name, slot in prefix.slots.items():
            if slot.value != slot.initial_value:
                summary.append(SlotSet(name, slot.value, timestamp=at))
        if prefix.active_loop_name:
            summary.append(ActiveLoop(prefix.active_loop_name, timestamp=at))
        if events[cut].type_name != ActionExecuted.type_name:
            summary.append(ActionExecuted(ACTION_LISTEN_NAME, timestamp=at))
        windowed = DialogueStateTracker.from_events(tracker.sender_id, summary + events[cut:], slots)
        # The buttons offered before the window, for the REST channel's check of typed payloads
        # (rasa_components/channel.py): kept beside the tracker, not in it, so no policy or action
        # sees an event Rasa would not have.
        earlier = set(getattr(tracker, EARLIER_PAYLOADS, ())) | offered_payloads(events[:cut])
        setattr(windowed, EARLIER_PAYLOADS, frozenset(earlier))
        windowed.model_id = tracker.model_id
        windowed.assistant_id = tracker.assistant_id
        self._mark(windowed, getattr(tracker, _LAST_ID))
        return windowed
