"""Deleting one conversation from Rasa's tracker store (Rasa 3.6 has no API for it).

Called by the channel's forget endpoint while it holds the conversation's lock from Rasa's lock
store, so no message being processed (on this replica or, with the Redis lock store, any other)
can write the tracker back half-way.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.core.tracker_store import InMemoryTrackerStore, RedisTrackerStore, SQLTrackerStore

log = logging.getLogger(__name__)


def innermost(store: Any) -> Any:
    """Rasa wraps the configured store (FailSafeTrackerStore, AwaitableTrackerStore); unwrap them."""
    seen = 0
    while hasattr(store, "_tracker_store") and seen < 5:
        store = store._tracker_store
        seen += 1
    return store


async def newest_event_timestamp(tracker_store: Any, sender_id: str) -> float:
    """The timestamp of the conversation's newest stored event (0 when it has none): from the
    database for an SQL store (one indexed query, not a tracker replay), else from the tracker."""
    store = innermost(tracker_store)
    if isinstance(store, SQLTrackerStore):
        from sqlalchemy import func

        with store.session_scope() as session:
            newest = (
                session.query(func.max(store.SQLEvent.timestamp)).filter(store.SQLEvent.sender_id == sender_id).scalar()
            )
        return float(newest or 0)
    tracker = await tracker_store.retrieve(sender_id)
    return max((event.timestamp or 0 for event in tracker.events), default=0) if tracker else 0.0


def delete_conversation(tracker_store: Any, sender_id: str) -> int:
    """Delete every stored event of `sender_id`; returns how many events (or trackers) went."""
    store = innermost(tracker_store)
    if isinstance(store, SQLTrackerStore):
        with store.session_scope() as session:
            deleted = (
                session.query(store.SQLEvent)
                .filter(store.SQLEvent.sender_id == sender_id)
                .delete(synchronize_session=False)
            )
            session.commit()
        if hasattr(store, "forget"):  # CheckedSQLTrackerStore's cache
            store.forget(sender_id)
        return int(deleted)
    if isinstance(store, InMemoryTrackerStore):
        return 1 if store.store.pop(sender_id, None) is not None else 0
    if isinstance(store, RedisTrackerStore):
        return int(store.red.delete(store.key_prefix + sender_id))
    raise TypeError(f"cannot delete conversations from {type(store).__name__}")
