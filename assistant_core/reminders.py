"""Monthly payment reminders: who asked for one, and which are due (framework-free).

Exactly once per month per user, with any number of bot replicas: a sender first *claims* a
reminder with one conditional UPDATE (last_month from anything else to this month); only the
replica whose UPDATE changed the row sends it. A failed send releases the claim so the next round
retries. A replica that dies between claim and send loses that month's reminder for that user:
at most once, never twice, which is the right side to err on for a nudge.

The store's methods take the session they work in and never commit: the caller owns the session
and the transaction, so a claim is committed before the message is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assistant_core.db import Reminder

# The reminder goes out from this day of the month until the payment deadline (the 15th).
DEFAULT_DAY = 10


@dataclass(frozen=True)
class Due:
    conversation: str
    chat_id: int


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def in_window(today: date, send_day: int, deadline_day: int) -> bool:
    return send_day <= today.day < deadline_day


class ReminderStore:
    def subscribe(self, session: Session, conversation: str, chat_id: int) -> bool:
        """True if newly subscribed, False if it already was."""
        if session.get(Reminder, conversation) is not None:
            return False
        try:
            with session.begin_nested():
                session.add(Reminder(conversation=conversation, chat_id=chat_id))
        except IntegrityError:
            return False
        return True

    def unsubscribe(self, session: Session, conversation: str) -> bool:
        result = session.execute(delete(Reminder).where(Reminder.conversation == conversation))
        return bool(getattr(result, "rowcount", 0))

    def is_subscribed(self, session: Session, conversation: str) -> bool:
        return session.get(Reminder, conversation) is not None

    def pending(self, session: Session, today: date, limit: int = 500) -> list[Due]:
        """Subscriptions not yet reminded this month (candidates; each must still be claimed)."""
        month = month_key(today)
        rows = session.execute(
            select(Reminder.conversation, Reminder.chat_id)
            .where(or_(Reminder.last_month.is_(None), Reminder.last_month != month))
            .order_by(Reminder.created_at)
            .limit(limit)
        )
        return [Due(conversation, int(chat_id)) for conversation, chat_id in rows]

    def claim(self, session: Session, conversation: str, today: date) -> bool:
        """Atomically mark this month's reminder as taken; True only for the one caller that did."""
        month = month_key(today)
        result = session.execute(
            update(Reminder)
            .where(Reminder.conversation == conversation)
            .where(or_(Reminder.last_month.is_(None), Reminder.last_month != month))
            .values(last_month=month)
        )
        return getattr(result, "rowcount", 0) == 1

    def release(self, session: Session, conversation: str, today: date, previous: str | None = None) -> None:
        """Undo a claim after a failed send, so the next round tries again."""
        session.execute(
            update(Reminder)
            .where(Reminder.conversation == conversation, Reminder.last_month == month_key(today))
            .values(last_month=previous)
        )
