"""Who we have seen, and forgetting them: on request (/hapusdata) or after the retention period.

Rasa's part of a conversation (its tracker events) is deleted by the Rasa server itself, through
our channel's forget endpoint, while it holds that conversation's lock; see
rasa_components/forget.py. This module handles our own tables and the shared secret.

Every method takes the session it works in and never commits: the caller owns the session and
the transaction (`with Session(engine) as session, session.begin(): users.seen(session, ...)`).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assistant_core.db import PER_CONVERSATION, ChatUser, UnansweredQuestion

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
        """Delete every row of ours about this conversation (except tables in `keep`); returns how many."""
        self._touched.pop(conversation, None)
        deleted = 0
        for table in PER_CONVERSATION:
            if table in keep:
                continue
            result = session.execute(delete(table).where(table.conversation == conversation))
            deleted += int(getattr(result, "rowcount", 0) or 0)
        return deleted

    def delete_unanswered_before(self, session: Session, cutoff: datetime) -> int:
        """Unanswered questions asked before `cutoff`, whoever asked: conversations the bot never
        registered (the REST channel) have no last activity to purge them by."""
        result = session.execute(delete(UnansweredQuestion).where(UnansweredQuestion.asked_at < cutoff))
        return int(getattr(result, "rowcount", 0) or 0)

    def inactive_since(self, session: Session, cutoff: datetime, limit: int = 500) -> list[str]:
        """Conversations with no activity after `cutoff`, oldest first."""
        query = select(ChatUser.conversation).where(ChatUser.last_seen < cutoff)
        return list(session.scalars(query.order_by(ChatUser.last_seen).limit(limit)))

    def mark_seen_at(self, session: Session, conversation: str, moment: datetime) -> None:
        """Set last activity explicitly (tests and data migrations)."""
        session.execute(update(ChatUser).where(ChatUser.conversation == conversation).values(last_seen=moment))
        self._touched.pop(conversation, None)


def retention_cutoff(days: int, now: datetime | None = None) -> datetime:
    return (now or _now()) - timedelta(days=days)
