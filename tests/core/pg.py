"""A throwaway PostgreSQL database per test (TEST_POSTGRES_URL), dropped afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, text

from assistant_core.db import make_engine


@contextmanager
def fresh_database(prefix: str) -> Iterator[Engine]:
    """An engine on a new, empty database; skips the test when no PostgreSQL is configured."""
    url = os.environ.get("TEST_POSTGRES_URL")
    if not url:
        pytest.skip("TEST_POSTGRES_URL not set (make test / .ci/run set it)")
    database = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = make_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {database}"))
    created = make_engine(url.rsplit("/", 1)[0] + f"/{database}")
    try:
        yield created
    finally:
        created.dispose()
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE {database}"))
        admin.dispose()
