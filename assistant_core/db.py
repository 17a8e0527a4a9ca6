"""Our own tables (prefixed asst_, never Rasa's `events`), and the engine for DATABASE_URL."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    create_engine,
    event,
    inspect,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

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


# --- Analytics (assistant_core/analytics): built from Rasa's events by the ingester. ---


class Turn(Base):
    """One user message and what the assistant did with it. Text is kept (masked) only for
    messages the assistant did not understand, for the editors' unanswered list."""

    __tablename__ = f"{TABLE_PREFIX}turns"
    __table_args__ = (
        Index("ix_asst_turns_day_outcome", "day", "outcome"),
        Index("ix_asst_turns_outcome_day", "outcome", "day"),
        Index("ix_asst_turns_conversation_at", "conversation", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(BigInteger, unique=True)  # Rasa's events.id of the user message
    conversation: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    day: Mapped[date] = mapped_column(Date)  # Asia/Jakarta
    intent: Mapped[str | None] = mapped_column(String(64))
    topic: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    response_ms: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str | None] = mapped_column(Text)


class UserDay(Base):
    """One row per user per day they wrote: the basis of user counts, sessions and the funnel."""

    __tablename__ = f"{TABLE_PREFIX}user_days"
    __table_args__ = (Index("ix_asst_user_days_day_source", "day", "source"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    conversation: Mapped[str] = mapped_column(String(64), primary_key=True)
    source: Mapped[str | None] = mapped_column(String(64))
    new: Mapped[bool] = mapped_column(Boolean, default=False)  # first message ever on this day
    messages: Mapped[int] = mapped_column(Integer, default=0)
    sessions: Mapped[int] = mapped_column(Integer, default=0)
    calculator: Mapped[bool] = mapped_column(Boolean, default=False)
    obligation: Mapped[bool] = mapped_column(Boolean, default=False)
    guide: Mapped[bool] = mapped_column(Boolean, default=False)
    link: Mapped[bool] = mapped_column(Boolean, default=False)


class DailyCount(Base):
    """Pre-added daily counters (topics, outcomes, ratings, response-time buckets) for fast pages."""

    __tablename__ = f"{TABLE_PREFIX}daily_counts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    source: Mapped[str] = mapped_column(String(64), primary_key=True)  # "" when unknown
    metric: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class IngestState(Base):
    """How far the ingester has read Rasa's events table."""

    __tablename__ = f"{TABLE_PREFIX}ingest_state"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_event_id: Mapped[int] = mapped_column(BigInteger, default=0)


# Tables holding per-conversation records, cleared by /hapusdata and by the retention purge: every
# mapped table with a `conversation` column, read from the metadata so a new table cannot be missed.
PER_CONVERSATION: tuple[type[Base], ...] = tuple(
    sorted(
        (m.class_ for m in Base.registry.mappers if "conversation" in m.local_table.c),
        key=lambda cls: cls.__tablename__,
    )
)

# How the retention purge treats each of our tables (assistant_core/privacy.py, delete_expired):
# the column whose age deletes a row, or why the table's rows are not deleted by age. The purge
# refuses to run on a table missing here, and a test checks that this covers Base.metadata.
PURGE_BY_AGE: dict[str, str] = {
    UnansweredQuestion.__tablename__: "asked_at",
    Feedback.__tablename__: "rated_at",
    Turn.__tablename__: "at",
    UserDay.__tablename__: "day",
}
NOT_PURGED_BY_AGE: dict[str, str] = {
    ChatUser.__tablename__: "the conversation's last activity: deleted with the conversation (purge_inactive)",
    Reminder.__tablename__: "a subscription the user asked for; kept until stopped (/privasi says so)",
    DailyCount.__tablename__: "anonymous daily totals, no conversation id (what the purge keeps of old turns)",
    IngestState.__tablename__: "the ingester's position in Rasa's events, no user data",
    CallbackPayload.__tablename__: "the assistant's own button payloads, shared by every chat, no conversation id",
}

# The row every ingestion batch and every deletion of a conversation's records claims first
# (serialise_with_ingestion).
SERIAL_ROW = "serial:ingest-delete"


def serialise_with_ingestion(session: Session) -> None:
    """Claim the row that serialises the ingester with deletions, until the session's transaction ends.

    Without it, /hapusdata during an ingestion batch left rows: the batch read the conversation's
    events, Rasa and then our records were deleted, and the batch wrote its turns afterwards. One
    statement for both databases: an upsert of one row. On PostgreSQL it locks that row until
    commit (a second claimant waits); on SQLite it is a write, which takes the database's write
    lock until commit (across processes too), and the reads after it see one consistent snapshot.
    """
    from sqlalchemy.dialects import postgresql, sqlite

    table: Any = IngestState.__table__
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    statement = insert.values(name=SERIAL_ROW, last_event_id=0)
    session.execute(
        statement.on_conflict_do_update(index_elements=["name"], set_={"last_event_id": table.c.last_event_id})
    )


def make_engine(database_url: str) -> Engine:
    """Engine with pre-ping (survives database restarts); SQLite waits for Rasa's writes. SQL errors
    never carry bound parameters (user text, chat ids) into logs or tracebacks."""
    if database_url.startswith("sqlite"):
        engine = create_engine(database_url, connect_args={"timeout": 15}, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            # Metrics read hundreds of thousands of rows: a 64 MB page cache and memory-mapped reads.
            cursor.execute("PRAGMA cache_size=-65536")
            cursor.execute("PRAGMA mmap_size=268435456")
            cursor.close()

        return engine
    return create_engine(database_url, pool_pre_ping=True, hide_parameters=True)


VERSION_TABLE = f"{TABLE_PREFIX}alembic_version"
# The newest revision in migrations/versions; a test checks it is Alembic's head.
HEAD_REVISION = "0003"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def create_tables(engine: Engine) -> None:
    """Bring our (prefixed) tables to the latest Alembic revision. Rasa's tables are never touched.

    A database made before migrations existed (tables, no version table) is stamped at the
    baseline first, so its tables are not created twice.
    """
    names = set(inspect(engine).get_table_names())
    if VERSION_TABLE in names:
        with engine.connect() as conn:
            current = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()  # noqa: S608 (a constant table name)
        if current == HEAD_REVISION:
            return  # up to date: skip loading Alembic (it costs a few hundred ms per process start)
    from alembic import command

    config = alembic_config(engine)
    if VERSION_TABLE not in names and f"{TABLE_PREFIX}callback_payloads" in names:
        Base.metadata.create_all(engine, tables=[t for t in Base.metadata.sorted_tables if t.name in BASELINE_TABLES])
        command.stamp(config, "0001")
    command.upgrade(config, "head")


# The tables revision 0001 creates (the schema before analytics).
BASELINE_TABLES = frozenset(
    f"{TABLE_PREFIX}{name}"
    for name in ("callback_payloads", "unanswered_questions", "chat_users", "feedback", "reminders")
)
