"""Who we have seen, and forgetting them: on request (/hapusdata) or after the retention period.

Rasa's part of a conversation (its tracker events) is deleted by the Rasa server itself, through
our channel's forget endpoint, while it holds that conversation's lock; see
rasa_components/forget.py. This module handles our own tables and the shared secret.

Every method takes the session it works in and never commits: the caller owns the session and
the transaction (`with Session(engine) as session, session.begin(): users.seen(session, ...)`).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Date, delete, exists, func, inspect, select, union, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assistant_core.analytics.ingest import RASA_EVENTS
from assistant_core.clock import JAKARTA
from assistant_core.db import (
    NOT_PURGED_BY_AGE,
    PER_CONVERSATION,
    PURGE_BY_AGE,
    Base,
    ChatUser,
    serialise_with_ingestion,
)

# Refresh last_seen at most this often per conversation: enough for a retention measured in days.
TOUCH_EVERY = timedelta(hours=1)


def _now() -> datetime:
    return datetime.now(tz=timezone.utc)


class UserRegistry:
    def __init__(self) -> None:
        # Per process: when this process last wrote a conversation's last_seen.
        self._touched: dict[str, datetime] = {}

    def seen(self, session: Session, conversation: str, source: str | None = None, now: datetime | None = None) -> bool:
        """Record activity; True when this is the conversation's first contact (no row yet)."""
        now = now or _now()
        last = self._touched.get(conversation)
        if last is not None and now - last < TOUCH_EVERY and source is None:
            return False
        row = session.get(ChatUser, conversation)
        if row is None:
            try:
                with session.begin_nested():
                    session.add(ChatUser(conversation=conversation, source=source, first_seen=now, last_seen=now))
            except IntegrityError:  # another replica recorded it at the same moment
                return False
            first = True
        else:
            row.last_seen = now
            if source and not row.source:
                row.source = source  # a later deep link still attributes a user who came without one
            first = False
        self._touched[conversation] = now
        return first

    def source_of(self, session: Session, conversation: str) -> str | None:
        row = session.get(ChatUser, conversation)
        return row.source if row else None

    def delete_records(self, session: Session, conversation: str, keep: tuple[type, ...] = ()) -> int:
        """Delete every row of ours about this conversation (except tables in `keep`); returns how many.

        Waits for an ingestion batch in progress to commit first (serialise_with_ingestion)."""
        self._touched.pop(conversation, None)
        serialise_with_ingestion(session)
        deleted = 0
        for table in PER_CONVERSATION:
            if table in keep:
                continue
            column = table.__table__.c.conversation
            result = session.execute(delete(table).where(column == conversation))
            deleted += int(getattr(result, "rowcount", 0) or 0)
        return deleted

    def delete_expired(self, session: Session, cutoff: datetime) -> int:
        """Delete rows older than `cutoff` from every table PURGE_BY_AGE names, whoever they are about
        (conversations the bot never registered, the REST channel's, included); returns how many.

        Raises LookupError for a table of ours with no retention rule (assistant_core/db.py)."""
        serialise_with_ingestion(session)
        deleted = 0
        for table in Base.metadata.sorted_tables:
            if table.name in NOT_PURGED_BY_AGE:
                continue
            if table.name not in PURGE_BY_AGE:
                raise LookupError(f"no retention rule for table {table.name} (assistant_core/db.py, PURGE_BY_AGE)")
            column = table.c[PURGE_BY_AGE[table.name]]
            limit: Any = cutoff.astimezone(JAKARTA).date() if isinstance(column.type, Date) else cutoff
            result = session.execute(delete(table).where(column < limit))
            deleted += int(getattr(result, "rowcount", 0) or 0)
        return deleted

    def inactive_since(self, session: Session, cutoff: datetime, limit: int = 500, after: str = "") -> list[str]:
        """Conversations with no activity after `cutoff`, in id order from after `after`: those the bot
        registered (asst_chat_users) and every sender id in Rasa's events table (REST ones too).

        Last activity is the later of the bot's last_seen and the conversation's newest Rasa event."""
        stamp = cutoff.timestamp()
        registered = select(ChatUser.conversation.label("conversation")).where(ChatUser.last_seen < cutoff)
        if _has_rasa_events(session):
            registered = registered.where(
                ~exists().where(RASA_EVENTS.c.sender_id == ChatUser.conversation, RASA_EVENTS.c.timestamp >= stamp)
            )
            in_rasa = (
                select(RASA_EVENTS.c.sender_id.label("conversation"))
                .group_by(RASA_EVENTS.c.sender_id)
                .having(func.max(RASA_EVENTS.c.timestamp) < stamp)
                .where(~exists().where(ChatUser.conversation == RASA_EVENTS.c.sender_id, ChatUser.last_seen >= cutoff))
            )
            candidates = union(registered, in_rasa).subquery()
        else:
            candidates = registered.subquery()
        name = candidates.c.conversation
        query = select(name).where(name > after).order_by(name).limit(limit)
        return list(session.scalars(query))

    def last_activity(self, session: Session, conversation: str) -> datetime | None:
        """The later of the bot's last_seen and the newest Rasa event of this conversation."""
        moments: list[datetime] = []
        seen = session.scalar(select(ChatUser.last_seen).where(ChatUser.conversation == conversation))
        if seen is not None:
            moments.append(seen if seen.tzinfo else seen.replace(tzinfo=timezone.utc))
        if _has_rasa_events(session):
            newest = session.scalar(
                select(func.max(RASA_EVENTS.c.timestamp)).where(RASA_EVENTS.c.sender_id == conversation)
            )
            if newest is not None:
                moments.append(datetime.fromtimestamp(float(newest), tz=timezone.utc))
        return max(moments) if moments else None

    def mark_seen_at(self, session: Session, conversation: str, moment: datetime) -> None:
        """Set last activity explicitly (tests and data migrations)."""
        session.execute(update(ChatUser).where(ChatUser.conversation == conversation).values(last_seen=moment))
        self._touched.pop(conversation, None)


def _has_rasa_events(session: Session) -> bool:
    """Rasa's events table is in our database when its tracker store is SQL (always, as deployed)."""
    return RASA_EVENTS.name in inspect(session.connection()).get_table_names()


def retention_cutoff(days: int, now: datetime | None = None) -> datetime:
    return (now or _now()) - timedelta(days=days)
