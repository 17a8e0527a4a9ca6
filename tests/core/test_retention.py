"""Issue 20 point 8: retention and deletion cover every store.

Every table of ours has a retention rule read from the models' metadata; the purge finds
conversations in Rasa's events (REST ones included), not only those the bot registered; and the
ingester is serialised with deletions, so /hapusdata during ingestion leaves no rows.
"""

from __future__ import annotations

import threading
import time
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, delete, func, select, text
from sqlalchemy.orm import Session

from assistant_core.analytics.ingest import RASA_EVENTS, Ingester
from assistant_core.db import (
    NOT_PURGED_BY_AGE,
    PER_CONVERSATION,
    PURGE_BY_AGE,
    Base,
    Feedback,
    Turn,
    UnansweredQuestion,
    UserDay,
    create_tables,
)
from assistant_core.privacy import UserRegistry, retention_cutoff
from tests.core.pg import fresh_database
from tests.core.test_analytics import Events

NOW = datetime(2026, 11, 26, 8, 0, tzinfo=timezone.utc)
CUTOFF = retention_cutoff(180, NOW)
OLD = NOW - timedelta(days=200)
RECENT = NOW - timedelta(days=2)


def rows_about(engine: Engine, conversation: str) -> dict[str, int]:
    found: dict[str, int] = {}
    with Session(engine) as session:
        for table in PER_CONVERSATION:
            column = table.__table__.c.conversation
            n = int(session.scalar(select(func.count()).select_from(table).where(column == conversation)) or 0)
            if n:
                found[table.__tablename__] = n
    return found


def test_every_table_in_the_metadata_has_a_retention_rule() -> None:
    tables = set(Base.metadata.tables)
    assert set(PURGE_BY_AGE) | set(NOT_PURGED_BY_AGE) == tables, "a table with no retention rule"
    assert not set(PURGE_BY_AGE) & set(NOT_PURGED_BY_AGE)
    for name, column in PURGE_BY_AGE.items():
        assert column in Base.metadata.tables[name].c, f"{name}.{column}"
    with_conversation = {t.name for t in Base.metadata.sorted_tables if "conversation" in t.c}
    assert {cls.__tablename__ for cls in PER_CONVERSATION} == with_conversation


def test_expired_rows_go_from_every_table_purged_by_age_whoever_they_are_about(engine: Engine) -> None:
    # A REST conversation: the bot never registered it, so nothing in asst_chat_users points at it.
    def rows(at: datetime, conversation: str, event_id: int) -> list[Base]:
        day = at.date()
        return [
            UnansweredQuestion(conversation=conversation, text="resep", asked_at=at),
            Feedback(conversation=conversation, topic="jkm", rating="up", rated_at=at),
            Turn(event_id=event_id, conversation=conversation, at=at, day=day, outcome="answered"),
            UserDay(day=day, conversation=conversation, messages=1),
        ]

    with Session(engine) as session, session.begin():
        session.add_all(rows(OLD, "rest:old", 1) + rows(RECENT, "rest:new", 2))
    with Session(engine) as session, session.begin():
        deleted = UserRegistry().delete_expired(session, CUTOFF)
    assert deleted == 4
    assert rows_about(engine, "rest:old") == {}
    assert rows_about(engine, "rest:new") == {name: 1 for name in PURGE_BY_AGE}


def test_inactive_conversations_come_from_rasa_events_too(engine: Engine) -> None:
    users = UserRegistry()
    with Session(engine) as session, session.begin():
        users.seen(session, "tg-idle", now=OLD)
        users.seen(session, "tg-busy", now=OLD)  # last_seen is old, but it wrote to Rasa lately
    events = Events(engine)
    events.clock = OLD.timestamp()
    events.turn("rest:idle", "halo", "greet", ["utter_greet"])
    events.turn("tg-idle", "halo", "greet", ["utter_greet"])
    events.clock = RECENT.timestamp()
    events.turn("rest:busy", "halo", "greet", ["utter_greet"])
    events.turn("tg-busy", "halo", "greet", ["utter_greet"])
    with Session(engine) as session:
        assert users.inactive_since(session, CUTOFF) == ["rest:idle", "tg-idle"]
        assert users.inactive_since(session, CUTOFF, after="rest:idle") == ["tg-idle"]
        assert users.last_activity(session, "tg-busy") == datetime.fromtimestamp(events.clock, tz=timezone.utc)
        assert users.last_activity(session, "nobody") is None


def test_forgetting_during_an_ingestion_batch_leaves_no_rows_on_postgresql(monkeypatch: pytest.MonkeyPatch) -> None:
    """/hapusdata while the ingester is between reading a batch of events and writing its turns."""
    with fresh_database("retention") as engine:
        RASA_EVENTS.metadata.create_all(engine)
        create_tables(engine)
        events = Events(engine)
        events.turn("victim", "iuran jkm brp", "faq", ["action_answer_faq"], [{"text": "0,3%"}], faq="iuran_jkm")
        events.turn("other", "halo", "greet", ["utter_greet"], [{"text": "Halo"}])
        read, go_on = threading.Event(), threading.Event()
        turns = Ingester._turns

        def slow_turns(rows):  # type: ignore[no-untyped-def]
            read.set()  # the batch has read the victim's events
            assert go_on.wait(20)
            return turns(rows)

        monkeypatch.setattr(Ingester, "_turns", staticmethod(slow_turns))
        now = datetime.fromtimestamp(events.clock + 1, tz=timezone.utc)
        ingester = threading.Thread(target=Ingester(engine).run, kwargs={"now": now})
        ingester.start()
        assert read.wait(20)

        # /hapusdata: Rasa deletes the events (under its own lock), then the bot deletes our records.
        with engine.begin() as conn:
            conn.execute(delete(RASA_EVENTS).where(RASA_EVENTS.c.sender_id == "victim"))

        def forget() -> None:
            with Session(engine) as session, session.begin():
                UserRegistry().delete_records(session, "victim")

        deleter = threading.Thread(target=forget)
        deleter.start()
        deadline = time.monotonic() + 3
        with engine.connect() as conn:  # wait until the deletion waits on the ingester's lock (or finished)
            while deleter.is_alive() and time.monotonic() < deadline:
                waiting = conn.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
                ).scalar()
                if waiting:
                    break
                time.sleep(0.05)
        go_on.set()
        ingester.join(30)
        deleter.join(30)
        assert not ingester.is_alive() and not deleter.is_alive()
        assert rows_about(engine, "victim") == {}, "a forgotten conversation's turns were written after it"
        assert rows_about(engine, "other") != {}, "the other conversation was ingested"
        with Session(engine) as session:
            assert session.scalar(select(func.count()).select_from(UserDay).where(UserDay.day >= date(2026, 1, 1)))
