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
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Iterable, TypeVar

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

log = logging.getLogger(__name__)

T = TypeVar("T")


class TrackerStoreUnavailable(BaseException):
    """The conversation database cannot be read or written right now.

    A `BaseException` on purpose: Rasa's `FailSafeTrackerStore` catches `Exception` and would
    turn this into an empty conversation. Only our REST channel catches it (and answers 503).
    """


class CheckedSQLTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` with pre-pinged connections and loud failures (see the module doc)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

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
        parent = super()
        return await self._checked("retrieve", lambda: parent.retrieve(sender_id))

    async def retrieve_full_tracker(self, conversation_id: str) -> DialogueStateTracker | None:
        parent = super()
        return await self._checked("retrieve_full_tracker", lambda: parent.retrieve_full_tracker(conversation_id))

    async def save(self, tracker: DialogueStateTracker) -> None:
        parent = super()
        await self._checked("save", lambda: parent.save(tracker))
