"""Reminder subscriptions and the exactly-once-per-month claim, on SQLite and (when up) PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from assistant_core.db import create_tables, make_engine
from assistant_core.reminders import ReminderStore, in_window, month_key
from tests.core.pg import fresh_database

DEC = date(2026, 12, 10)
T = TypeVar("T")


def run(engine: Engine, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """One call in its own transaction, as the bot makes them: the caller owns the session."""
    with Session(engine) as session, session.begin():
        return work(session, *args, **kwargs)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        created = make_engine(f"sqlite:///{tmp_path / 'r.db'}")
        create_tables(created)
        yield created
        return
    with fresh_database("rem") as created:
        create_tables(created)
        yield created


def test_subscribe_is_idempotent_and_unsubscribe_stops(engine: Engine) -> None:
    store = ReminderStore()
    assert run(engine, store.subscribe, "c1", 1001) is True
    assert run(engine, store.subscribe, "c1", 1001) is False
    assert run(engine, store.is_subscribed, "c1")
    assert run(engine, store.unsubscribe, "c1") is True and not run(engine, store.is_subscribed, "c1")
    assert run(engine, store.unsubscribe, "c1") is False


def test_claim_is_once_per_month_and_release_gives_it_back(engine: Engine) -> None:
    store = ReminderStore()
    run(engine, store.subscribe, "c1", 1001)
    assert [d.chat_id for d in run(engine, store.pending, DEC)] == [1001]
    assert run(engine, store.claim, "c1", DEC) is True
    assert run(engine, store.claim, "c1", DEC) is False and run(engine, store.pending, DEC) == []
    run(engine, store.release, "c1", DEC)
    assert run(engine, store.claim, "c1", DEC) is True
    assert run(engine, store.claim, "c1", date(2027, 1, 10)) is True, "a new month is a new reminder"


def test_concurrent_claims_have_exactly_one_winner(engine: Engine) -> None:
    for n in range(20):
        run(engine, ReminderStore().subscribe, f"c{n}", 2000 + n)
    wins: list[str] = []
    lock = threading.Lock()

    def sender() -> None:
        store = ReminderStore()  # one per replica
        for due in run(engine, store.pending, DEC):
            if run(engine, store.claim, due.conversation, DEC):
                with lock:
                    wins.append(due.conversation)

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(wins) == sorted(f"c{n}" for n in range(20))


@pytest.mark.parametrize(("day", "due"), [(9, False), (10, True), (14, True), (15, False), (28, False)])
def test_window_is_from_the_send_day_until_the_deadline(day: int, due: bool) -> None:
    assert in_window(date(2026, 12, day), 10, 15) is due


def test_month_key() -> None:
    assert month_key(date(2027, 1, 3)) == "2027-01"
