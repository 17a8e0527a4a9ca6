"""Alembic migrations: they build our tables, match the models, and never touch Rasa's tables."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text

from assistant_core.db import Base, alembic_config, create_tables, make_engine
from tests.core.pg import fresh_database

RASA_EVENTS = "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255), data TEXT)"


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        yield make_engine(f"sqlite:///{tmp_path / 'm.db'}")
        return
    with fresh_database("mig") as created:
        yield created


def test_upgrade_builds_every_table_and_leaves_rasa_alone(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text(RASA_EVENTS))
        conn.execute(text("INSERT INTO events (id, sender_id, data) VALUES (1, 'x', '{}')"))
    create_tables(engine)
    create_tables(engine)  # idempotent
    names = set(inspect(engine).get_table_names())
    assert {t.name for t in Base.metadata.sorted_tables} <= names
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM events")).scalar() == 1


def test_migrations_match_the_models(engine: Engine) -> None:
    create_tables(engine)
    command.check(alembic_config(engine))  # raises if the models changed without a migration


def test_a_database_from_before_migrations_is_stamped_not_rebuilt(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    Base.metadata.tables["asst_callback_payloads"].create(engine)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO asst_callback_payloads VALUES ('a', '/help', 'Menu', '2026-11-01')"))
    create_tables(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM asst_callback_payloads")).scalar() == 1
    assert "asst_turns" in inspect(engine).get_table_names()


def test_head_constant_is_alembic_head(tmp_path: Path) -> None:
    from alembic.script import ScriptDirectory

    from assistant_core.db import HEAD_REVISION

    script = ScriptDirectory.from_config(alembic_config(make_engine(f"sqlite:///{tmp_path / 'h.db'}")))
    assert script.get_current_head() == HEAD_REVISION
