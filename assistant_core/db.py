"""Our own tables (prefixed asst_, never Rasa's `events`), and the engine for DATABASE_URL."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import BigInteger, DateTime, Engine, MetaData, String, Text, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

TABLE_PREFIX = "asst_"


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


def _utcnow() -> datetime:
    return datetime.now(tz=timezone.utc)


class CallbackPayload(Base):
    """Button payloads behind the short ids that fit Telegram's 64-byte callback_data."""

    __tablename__ = f"{TABLE_PREFIX}callback_payloads"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    payload: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)


class UnansweredQuestion(Base):
    """Questions the assistant could not answer, for editors; text is masked, sender pseudonymous."""

    __tablename__ = f"{TABLE_PREFIX}unanswered_questions"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    conversation: Mapped[str] = mapped_column(String(64), index=True)
    text: Mapped[str] = mapped_column(Text)
    intent: Mapped[str | None] = mapped_column(String(64))
    candidates: Mapped[str | None] = mapped_column(Text)
    asked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_utcnow, index=True)


class ChatUser(Base):
    """One row per conversation the bot has seen: first contact, last activity, outreach source.

    `last_seen` drives the retention purge; deleting the row makes the next message a first contact
    again (so the privacy notice is shown again after /hapusdata).
    """

    __tablename__ = f"{TABLE_PREFIX}chat_users"

    conversation: Mapped[str] = mapped_column(String(64), primary_key=True)
    source: Mapped[str | None] = mapped_column(String(64))
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_utcnow, index=True)


class Feedback(Base):
    """A 👍 or 👎 pressed under a FAQ answer, with the entry it rated."""

    __tablename__ = f"{TABLE_PREFIX}feedback"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    conversation: Mapped[str] = mapped_column(String(64), index=True)
    topic: Mapped[str] = mapped_column(String(64), index=True)
    rating: Mapped[str] = mapped_column(String(8))
    rated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_utcnow, index=True)


class Reminder(Base):
    """A monthly payment reminder the user asked for. The Telegram chat id is kept only here, because
    a reminder cannot be sent without it; /hapusdata or "Berhenti pengingat" deletes the row."""

    __tablename__ = f"{TABLE_PREFIX}reminders"

    conversation: Mapped[str] = mapped_column(String(64), primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)
    # "2026-12" once December's reminder is claimed by a sender: the exactly-once-per-month guard.
    last_month: Mapped[str | None] = mapped_column(String(7))


# Tables holding per-conversation records, cleared by /hapusdata and by the retention purge.
PER_CONVERSATION = (UnansweredQuestion, Feedback, Reminder, ChatUser)


def make_engine(database_url: str) -> Engine:
    """Engine with pre-ping (survives database restarts); SQLite waits for Rasa's writes."""
    if database_url.startswith("sqlite"):
        engine = create_engine(database_url, connect_args={"timeout": 15})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    return create_engine(database_url, pool_pre_ping=True)


def create_tables(engine: Engine) -> None:
    # Only our own (prefixed) tables: Rasa manages its `events` table itself.
    Base.metadata.create_all(engine)
