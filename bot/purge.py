"""Retention: conversations inactive for RETENTION_DAYS are deleted the same way /hapusdata does it.

The bot runs this every few hours; `python -m bot.purge` (or `make purge`) runs it once, for cron.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from assistant_core.db import Reminder, UnansweredQuestion
from assistant_core.privacy import UserRegistry, retention_cutoff
from bot.rasa_client import RasaClient

log = logging.getLogger(__name__)

BATCH = 200
EVERY_SECONDS = 6 * 3600


async def purge_inactive(
    users: UserRegistry,
    rasa: RasaClient,
    days: int,
    now: datetime | None = None,
    lock_for: Callable[[str], AbstractAsyncContextManager[object]] | None = None,
) -> int:
    """Delete every conversation with no activity in `days` days; returns how many went.

    Stops at the first Rasa failure (RasaUnavailable propagates): what is left is retried next time.
    """
    cutoff = retention_cutoff(days, now)
    purged = 0
    while batch := await asyncio.to_thread(users.inactive_since, cutoff, BATCH):
        for conversation in batch:
            async with lock_for(conversation) if lock_for else nullcontext():
                await rasa.forget(conversation)
                # A reminder subscription outlives the conversation: the user asked for it and stops it.
                await asyncio.to_thread(users.delete_records, conversation, (Reminder,))
            purged += 1
    # Records of conversations the bot never registered (the REST channel) go by age alone.
    await asyncio.to_thread(_delete_old_unanswered, users, cutoff)
    return purged


def _delete_old_unanswered(users: UserRegistry, cutoff: datetime) -> None:
    with Session(users.engine) as session, session.begin():
        session.execute(delete(UnansweredQuestion).where(UnansweredQuestion.asked_at < cutoff))


def main() -> None:
    from assistant_core.db import create_tables, make_engine
    from assistant_core.pseudonym import forget_token
    from assistant_core.settings import load_settings

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    settings = load_settings()
    engine = make_engine(settings.database_url)
    create_tables(engine)
    rasa = RasaClient(settings.rest_webhook, settings.rasa_timeout, forget_token=forget_token(settings.pseudonym_key))

    async def run() -> int:
        try:
            return await purge_inactive(UserRegistry(engine), rasa, settings.retention_days)
        finally:
            await rasa.close()

    purged = asyncio.run(run())
    print(f"Deleted {purged} conversation(s) inactive for more than {settings.retention_days} days.")


if __name__ == "__main__":
    main()
