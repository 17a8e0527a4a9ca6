"""Short ids for button payloads, kept in the database so they survive restarts and replicas."""

from __future__ import annotations

import base64
import hashlib

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assistant_core.db import CallbackPayload

PREFIX = "p:"


def short_id(payload: str, title: str) -> str:
    """Deterministic, so the same button always gets the same id and the table does not grow per message."""
    digest = hashlib.sha256(f"{payload}\x1f{title}".encode()).digest()
    return base64.urlsafe_b64encode(digest[:12]).decode().rstrip("=")


class CallbackStore:
    """Takes the caller's session and never commits: the caller owns the transaction."""

    def __init__(self) -> None:
        # Ids this process has stored: a button sent again costs no database round trip.
        self._known: set[str] = set()

    def register(self, session: Session, payload: str, title: str) -> str:
        """Store the payload and return the callback_data (well under Telegram's 64 bytes)."""
        ident = short_id(payload, title)
        if ident not in self._known:
            if session.get(CallbackPayload, ident) is None:
                try:
                    with session.begin_nested():
                        session.add(CallbackPayload(id=ident, payload=payload, title=title))
                except IntegrityError:
                    pass  # another replica stored the same button at the same moment: the same row
            self._known.add(ident)
        return PREFIX + ident

    def register_all(self, session: Session, buttons: list[tuple[str, str]]) -> list[str]:
        """callback_data for each (payload, title), in one transaction for a whole keyboard."""
        return [self.register(session, payload, title) for payload, title in buttons]

    def resolve(self, session: Session, data: str | None) -> tuple[str, str] | None:
        """(payload, title) for a callback_data, or None if unknown or malformed."""
        if not data or not data.startswith(PREFIX):
            return None
        row = session.get(CallbackPayload, data[len(PREFIX) :])
        return (row.payload, row.title) if row else None
