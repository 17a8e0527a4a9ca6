"""Lazily created services for actions: rasa-sdk instantiates actions at import with no arguments."""

from __future__ import annotations

import os
from datetime import date
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine

from assistant_core import clock
from assistant_core.content import ContentRepository
from assistant_core.db import create_tables, make_engine
from assistant_core.settings import ROOT, apply_dotenv, load_settings


@lru_cache(maxsize=1)
def content() -> ContentRepository:
    """The live content repository; tests may call `content.cache_clear()` to swap folders."""
    apply_dotenv()  # the action server is rasa-sdk's entry point, not ours: .env is read here
    return ContentRepository(Path(os.environ.get("CONTENT_DIR", str(ROOT / "content"))))


@lru_cache(maxsize=1)
def engine() -> Engine:
    """Our database (same DATABASE_URL as the bot), created on first use, tables ensured."""
    created = make_engine(load_settings().database_url)
    create_tables(created)
    return created


def question_date() -> date:
    """The date whose facts apply: today in WIB, or ASSISTANT_TODAY (YYYY-MM-DD) to preview a date."""
    apply_dotenv()  # once per process tree; cheap after that
    return clock.question_date()
