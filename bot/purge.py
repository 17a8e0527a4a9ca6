"""Retention: conversations inactive for RETENTION_DAYS are deleted the same way /hapusdata does it.

While the bot runs, a repeating job of PTB's JobQueue (added by bot.telegram_app) does it every EVERY_SECONDS;
`python -m bot.purge` (or `make purge`) runs it once, for cron.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from datetime import datetime

from assistant_core.analytics.ingest import Ingester
from assistant_core.db import Reminder
from assistant_core.privacy import UserRegistry, retention_cutoff
from bot.context import Context
from bot.database import Database
from bot.rasa_client import ConversationActive, RasaClient

log = logging.getLogger(__name__)

BATCH = 200
EVERY_SECONDS = 6 * 3600
JOB_NAME = "retention-purge"


async def purge_inactive(
    db: Database,
    users: UserRegistry,
    rasa: RasaClient,
    days: int,
    now: datetime | None = None,
    lock_for: Callable[[str], AbstractAsyncContextManager[object]] | None = None,
) -> int:
    """Delete every conversation with no activity in `days` days, then every row older than that;
    returns how many conversations went.

    Conversations are those the bot registered and every sender id in Rasa's events (REST ones
    included). Each one's last activity is read again while its lock is held: one who wrote since
    the list was made is kept. Stops at the first Rasa failure (RasaUnavailable propagates): what is
    left is retried next time.
    """
    cutoff = retention_cutoff(days, now)
    purged = 0
    after = ""
    while batch := await db.run_in_thread(users.inactive_since, cutoff, BATCH, after):
        after = batch[-1]
        for conversation in batch:
            async with lock_for(conversation) if lock_for else nullcontext():
                last = await db.run_in_thread(users.last_activity, conversation)
                if last is not None and last >= cutoff:
                    continue  # a message arrived since the list was read
                try:
                    # Rasa checks again under its own lock of the conversation (REST messages
                    # never pass through this bot's lock).
                    await rasa.forget(conversation, inactive_before=cutoff)
                except ConversationActive:
                    continue
                # A reminder subscription outlives the conversation: the user asked for it and stops it.
                await db.run_in_thread(users.delete_records, conversation, (Reminder,))
            purged += 1
    await db.run_in_thread(users.delete_expired, cutoff)
    return purged


async def purge(context: Context) -> int:
    """The job: ingest, then purge (a purge failure reaches the error handler; the next round retries)."""
    data = context.bot_data
    try:
        # Read conversations into the analytics tables first, so purging loses no counts.
        await asyncio.to_thread(Ingester(data.database.engine).run)
    except Exception:
        log.warning("Ingesting conversations failed; purging anyway, will retry", exc_info=True)
    purged = await purge_inactive(
        data.database, data.users, data.conversation.rasa, data.settings.retention_days, lock_for=data.lock_for
    )
    if purged:
        log.info("Retention: deleted %d inactive conversation(s)", purged)
    return purged


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
            return await purge_inactive(Database(engine), UserRegistry(), rasa, settings.retention_days)
        finally:
            await rasa.close()

    purged = asyncio.run(run())
    print(f"Deleted {purged} conversation(s) inactive for more than {settings.retention_days} days.")


if __name__ == "__main__":
    main()
