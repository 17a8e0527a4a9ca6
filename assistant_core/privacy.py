"""Who we have seen, and forgetting them: on request (/hapusdata) or after the retention period.

Rasa's part of a conversation (its tracker events) is deleted by the Rasa server itself, through
our channel's forget endpoint, while it holds that conversation's lock; see
rasa_components/forget.py. This module handles our own tables and the shared secret.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assistant_core.db import PER_CONVERSATION, ChatUser

# Refresh last_seen at most this often per conversation: enough for a retention measured in days.
TOUCH_EVERY = timedelta(hours=1)


def _now() -> datetime:
    return datetime.now(tz=timezone.utc)


class UserRegistry:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._touched: dict[str, datetime] = {}

    def seen(self, conversation: str, source: str | None = None, now: datetime | None = None) -> bool:
        """Record activity; True when this is the conversation's first contact (no row yet)."""
        now = now or _now()
        last = self._touched.get(conversation)
        if last is not None and now - last < TOUCH_EVERY and source is None:
            return False
        with Session(self.engine) as session, session.begin():
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

    def source_of(self, conversation: str) -> str | None:
        with Session(self.engine) as session:
            row = session.get(ChatUser, conversation)
            return row.source if row else None

    def delete_records(self, conversation: str, keep: tuple[type, ...] = ()) -> int:
        """Delete every row of ours about this conversation (except tables in `keep`); returns how many."""
        self._touched.pop(conversation, None)
        deleted = 0
        with Session(self.engine) as session, session.begin():
            for table in PER_CONVERSATION:
                if table in keep:
                    continue
                result = session.execute(delete(table).where(table.conversation == conversation))
                deleted += int(getattr(result, "rowcount", 0) or 0)
        return deleted

    def inactive_since(self, cutoff: datetime, limit: int = 500) -> list[str]:
        """Conversations with no activity after `cutoff`, oldest first."""
        with Session(self.engine) as session:
            query = select(ChatUser.conversation).where(ChatUser.last_seen < cutoff)
            return list(session.scalars(query.order_by(ChatUser.last_seen).limit(limit)))

    def mark_seen_at(self, conversation: str, moment: datetime) -> None:
        """Set last activity explicitly (tests and data migrations)."""
        with Session(self.engine) as session, session.begin():
            session.execute(update(ChatUser).where(ChatUser.conversation == conversation).values(last_seen=moment))
        self._touched.pop(conversation, None)


def retention_cutoff(days: int, now: datetime | None = None) -> datetime:
    return (now or _now()) - timedelta(days=days)
