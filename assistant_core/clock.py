"""The question date: today in Asia/Jakarta, which decides which facts are in force."""

from __future__ import annotations

import os
from datetime import date, datetime
from zoneinfo import ZoneInfo

JAKARTA = ZoneInfo("Asia/Jakarta")


def today_jakarta(now: datetime | None = None) -> date:
    """Today's date in Asia/Jakarta (WIB); `now` lets tests freeze the clock."""
    moment = now if now is not None else datetime.now(tz=JAKARTA)
    if moment.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return moment.astimezone(JAKARTA).date()


def question_date() -> date:
    """The date whose facts apply: today in WIB, or ASSISTANT_TODAY (YYYY-MM-DD) to preview a date."""
    frozen = os.environ.get("ASSISTANT_TODAY", "").strip()
    return date.fromisoformat(frozen) if frozen else today_jakarta()
