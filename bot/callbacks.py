"""Short ids for button payloads, kept in the database so they survive restarts and replicas."""

from __future__ import annotations

import base64
import hashlib

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assistant_core.db import CallbackPayload

PREFIX = "p:"


def short_id(payload: str, title: str) -> str:
    """Deterministic, so the same button always gets the same id and the table does not grow per message."""
    digest = hashlib.sha256(f"{payload}\x1f{title}".encode()).digest()
    return base64.urlsafe_b64encode(digest[:12]).decode().rstrip("=")


class CallbackStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._known: set[str] = set()

    def register(self, payload: str, title: str) -> str:
        """Store the payload and return the callback_data (well under Telegram's 64 bytes)."""
        ident = short_id(payload, title)
        if ident not in self._known:
            with Session(self._engine) as session, session.begin():
                if session.get(CallbackPayload, ident) is None:
                    session.add(CallbackPayload(id=ident, payload=payload, title=title))
            self._known.add(ident)
        return PREFIX + ident

    def resolve(self, data: str | None) -> tuple[str, str] | None:
        """(payload, title) for a callback_data, or None if unknown or malformed."""
        if not data or not data.startswith(PREFIX):
            return None
        with Session(self._engine) as session:
            row = session.execute(select(CallbackPayload).where(CallbackPayload.id == data[len(PREFIX) :])).scalar()
            return (row.payload, row.title) if row else None


def register_safely(store: CallbackStore, payload: str, title: str) -> str:
    """Concurrent replicas may insert the same id at once; the loser just reuses it."""
    try:
        return store.register(payload, title)
    except IntegrityError:
        return PREFIX + short_id(payload, title)
