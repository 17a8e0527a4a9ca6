"""Loaded before every test module: the tests never read a developer's `.env` (issue 20 point 5).

ENV_FILE="" turns `.env` off in this process and in every server a test starts (they inherit it);
the test of the documented `.env` path (tests/e2e/test_dotenv_dashboard.py) removes it on purpose.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

os.environ["ENV_FILE"] = ""


@pytest.fixture()
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A fresh SQLite database holding Rasa's events table beside ours, as the embedded default has
    them (a test module may define its own `engine` instead)."""
    from assistant_core.analytics.ingest import RASA_EVENTS
    from assistant_core.db import create_tables, make_engine

    created = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    RASA_EVENTS.metadata.create_all(created)
    create_tables(created)
    yield created
    created.dispose()
