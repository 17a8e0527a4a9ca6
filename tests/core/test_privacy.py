"""Who we have seen, deleting our rows about one conversation, and finding inactive ones."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from assistant_core import unanswered
from assistant_core.db import ChatUser, UnansweredQuestion, create_tables, make_engine
from assistant_core.masking import mask_personal_data
from assistant_core.privacy import UserRegistry, retention_cutoff
from assistant_core.pseudonym import conversation_id, forget_token, local_conversation_id, rest_conversation_id

NOW = datetime(2026, 11, 26, 8, 0, tzinfo=timezone.utc)
T = TypeVar("T")


def registry(tmp_path: Path) -> tuple[UserRegistry, Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    create_tables(engine)
    return UserRegistry(), engine


def run(engine: Engine, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """One call in its own transaction, as the bot makes them: the caller owns the session."""
    with Session(engine) as session, session.begin():
        return work(session, *args, **kwargs)


def count(engine: Engine, table: type) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_first_contact_is_reported_once_and_source_kept(tmp_path: Path) -> None:
    users, engine = registry(tmp_path)
    assert run(engine, users.seen, "c1", "perisai_123", now=NOW) is True
    assert run(engine, users.seen, "c1", now=NOW + timedelta(minutes=1)) is False
    assert run(engine, users.seen, "c1", now=NOW + timedelta(days=3)) is False
    assert run(engine, users.source_of, "c1") == "perisai_123"
    # A second registry (another replica) sees the row too.
    assert run(engine, UserRegistry().seen, "c1", now=NOW) is False


def test_later_deep_link_fills_a_missing_source_but_never_overwrites(tmp_path: Path) -> None:
    users, engine = registry(tmp_path)
    run(engine, users.seen, "c1", now=NOW)
    run(engine, users.seen, "c1", "kemenkop", now=NOW)
    run(engine, users.seen, "c1", "lain", now=NOW)
    assert run(engine, users.source_of, "c1") == "kemenkop"


def test_delete_records_removes_only_that_conversation(tmp_path: Path) -> None:
    users, engine = registry(tmp_path)
    run(engine, users.seen, "c1", now=NOW)
    run(engine, users.seen, "c2", now=NOW)
    with Session(engine) as session, session.begin():
        unanswered.record(session, "c1", "pesan tiket pesawat", "out_of_scope", [])
        unanswered.record(session, "c2", "resep rendang", "out_of_scope", [])
    assert run(engine, users.delete_records, "c1") == 2
    assert count(engine, ChatUser) == 1 and count(engine, UnansweredQuestion) == 1
    assert run(engine, users.seen, "c1", now=NOW) is True, "after deletion the next message is a first contact again"


def test_inactive_since_uses_last_activity(tmp_path: Path) -> None:
    users, engine = registry(tmp_path)
    run(engine, users.seen, "old", now=NOW - timedelta(days=200))
    run(engine, users.seen, "active", now=NOW - timedelta(days=200))
    run(engine, users.seen, "active", now=NOW - timedelta(days=2))
    assert run(engine, users.inactive_since, retention_cutoff(180, NOW)) == ["old"]


def test_forget_token_depends_on_the_key() -> None:
    assert forget_token(b"k" * 20) == forget_token(b"k" * 20)
    assert forget_token(b"k" * 20) != forget_token(b"j" * 20)
    assert len(forget_token(b"k" * 20)) == 64


def test_delete_can_keep_a_reminder_subscription(tmp_path: Path) -> None:
    from assistant_core.db import Reminder
    from assistant_core.reminders import ReminderStore

    users, engine = registry(tmp_path)
    run(engine, users.seen, "c1", now=NOW)
    run(engine, ReminderStore().subscribe, "c1", 42)
    run(engine, users.delete_records, "c1", keep=(Reminder,))
    assert run(engine, ReminderStore().is_subscribed, "c1") and count(engine, ChatUser) == 0
    run(engine, users.delete_records, "c1")
    assert not run(engine, ReminderStore().is_subscribed, "c1")


KEY = b"k" * 32


@pytest.mark.parametrize("sender", ["6281234567890", "0812-3456-7890", "budi@gmail.com", "nik 3174012345678901"])
def test_rest_sender_carrying_personal_data_becomes_a_stable_pseudonym(sender: str) -> None:
    pseudonym = rest_conversation_id(KEY, sender)
    assert pseudonym.startswith("rest-") and pseudonym == rest_conversation_id(KEY, sender)
    assert len(pseudonym) == len("rest-") + 32 and pseudonym != rest_conversation_id(b"j" * 32, sender)


def test_public_rest_senders_are_namespaced_so_no_telegram_conversation_can_be_addressed() -> None:
    """Issue 20 point 9: a REST client sending a Telegram conversation's pseudonym as its sender id
    reached that conversation. Every id a public REST sender maps to starts with "rest:" or "rest-";
    the bot's own (conversation_id, local_conversation_id) are 32 hex digits and never do."""
    assert rest_conversation_id(KEY, "u1") == "rest:u1"
    telegram = [conversation_id(KEY, chat, chat, True) for chat in range(2000)]
    telegram += [conversation_id(KEY, -100, user, False) for user in range(200)]
    telegram += [local_conversation_id(KEY, "budi")]
    for pseudonym in telegram:
        assert not pseudonym.startswith(("rest:", "rest-"))
        # Sent as a REST sender, each lands in the REST namespace, never on the conversation itself;
        # pseudonyms whose hex digits look like a number are pseudonymised again, also apart.
        assert rest_conversation_id(KEY, pseudonym) not in telegram
        assert rest_conversation_id(KEY, pseudonym).startswith(("rest:", "rest-"))
    # The namespace cannot be escaped by sending it: "rest:u1" is another conversation than "u1".
    assert rest_conversation_id(KEY, "rest:u1") == "rest:rest:u1"
    assert mask_personal_data("rest:u1") == "rest:u1"
