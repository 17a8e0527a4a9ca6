"""Records questions the assistant could not answer (the caller owns the session and transaction)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant_core.db import UnansweredQuestion
from assistant_core.masking import mask_personal_data

MAX_TEXT = 1000


def record(session: Session, conversation: str, text: str, intent: str | None, candidates: Sequence[str]) -> None:
    # Masked again here: the REST channel masks too, but this table must never hold raw identifiers.
    session.add(
        UnansweredQuestion(
            conversation=conversation,
            text=mask_personal_data(text)[:MAX_TEXT],
            intent=intent,
            candidates=",".join(candidates) or None,
        )
    )


def recent(session: Session, limit: int = 100) -> list[UnansweredQuestion]:
    query = select(UnansweredQuestion).order_by(UnansweredQuestion.asked_at.desc()).limit(limit)
    return list(session.scalars(query))
