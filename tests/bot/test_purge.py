"""Issue 20 point 8: the retention purge visits every conversation and re-checks under its lock."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from assistant_core.analytics.ingest import RASA_EVENTS
from assistant_core.db import Turn
from assistant_core.privacy import UserRegistry
from bot.database import Database
from bot.purge import purge_inactive
from bot.rasa_client import ConversationActive
from tests.core.test_analytics import Events

DAYS = 180
NOW = datetime.now(tz=timezone.utc)
OLD = NOW - timedelta(days=DAYS + 20)


class RasaStandIn:
    """Records the conversations the purge asks Rasa to forget (and deletes their events, as Rasa does)."""

    def __init__(self, engine: Engine) -> None:
        self.engine, self.forgotten = engine, []  # type: list[str]

    async def forget(self, sender: str, inactive_before: datetime | None = None) -> int:
        self.forgotten.append(sender)
        with self.engine.begin() as conn:
            return int(conn.execute(RASA_EVENTS.delete().where(RASA_EVENTS.c.sender_id == sender)).rowcount)


async def test_the_purge_forgets_idle_rest_conversations_it_never_registered(engine: Engine) -> None:
    events = Events(engine)
    events.clock = OLD.timestamp()
    events.turn("rest:idle", "halo", "greet", ["utter_greet"])
    events.clock = NOW.timestamp() - 60
    events.turn("rest:busy", "halo", "greet", ["utter_greet"])
    with Session(engine) as session, session.begin():  # a turn the ingester stored for the idle one
        session.add(Turn(event_id=1, conversation="rest:idle", at=OLD, day=OLD.date(), outcome="other"))
    rasa = RasaStandIn(engine)
    assert await purge_inactive(Database(engine), UserRegistry(), rasa, DAYS) == 1  # type: ignore[arg-type]
    assert rasa.forgotten == ["rest:idle"]
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Turn)) == 0


async def test_a_conversation_that_wrote_while_the_purge_waited_for_its_lock_is_kept(engine: Engine) -> None:
    users, db = UserRegistry(), Database(engine)
    db.run(users.seen, "tg-1", now=OLD)
    held = asyncio.Lock()
    await held.acquire()  # the bot is handling a message of tg-1 right now
    rasa = RasaStandIn(engine)
    purge = asyncio.create_task(purge_inactive(db, users, rasa, DAYS, lock_for=lambda _c: held))  # type: ignore[arg-type]
    for _ in range(200):
        await asyncio.sleep(0.01)
        if held._waiters:  # the purge listed tg-1 and waits for its lock
            break
    db.run(UserRegistry().seen, "tg-1", now=datetime.now(tz=timezone.utc))  # that message's activity
    held.release()
    assert await purge == 0
    assert rasa.forgotten == [], "a conversation active again was deleted"
    assert db.run(users.source_of, "tg-1") is None and db.run(users.last_activity, "tg-1") is not None


async def test_a_conversation_rasa_finds_active_under_its_lock_keeps_its_records(engine: Engine) -> None:
    """A REST message reaches Rasa without passing the bot's lock: Rasa re-checks the cutoff itself."""

    class ActiveInRasa(RasaStandIn):
        async def forget(self, sender: str, inactive_before: datetime | None = None) -> int:
            assert inactive_before is not None, "the purge sends its cutoff"
            self.forgotten.append(sender)
            raise ConversationActive(sender)

    users, db = UserRegistry(), Database(engine)
    db.run(users.seen, "rest:x", now=OLD)
    rasa = ActiveInRasa(engine)
    assert await purge_inactive(db, users, rasa, DAYS) == 0  # type: ignore[arg-type]
    assert rasa.forgotten == ["rest:x"] and db.run(users.last_activity, "rest:x") is not None


async def test_hapusdata_while_rasa_refuses_for_its_local_lock_tells_the_user_nothing_was_deleted(
    tmp_path: Path,
) -> None:
    """/forget's 503 while Redis is down (rasa_components/channel.py) reaches the user politely."""
    import httpx

    from tests.bot.test_application import CHAT, MENU, running_bot, sender
    from tests.e2e.fake_telegram import callback_update, text_update

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/forget"):
            return httpx.Response(503, json={"error": "the conversation lock store (Redis) is unavailable"})
        return httpx.Response(200, json=MENU)

    async with running_bot(tmp_path) as bot:
        data = bot.application.bot_data
        rasa = data.conversation.rasa
        await rasa._client.aclose()
        rasa._client = httpx.AsyncClient(transport=httpx.MockTransport(answer))
        await bot.send(text_update(CHAT, "halo"))
        await bot.send(text_update(CHAT, "/hapusdata"))
        await bot.send(callback_update(CHAT, bot.button(data.content.text("forget_yes"))))
        assert bot.texts()[-1] == data.content.text("forget_failed")
        assert "Tidak ada yang terhapus" in bot.texts()[-1]
        assert data.database.run(UserRegistry().last_activity, sender(bot)) is not None, "our rows are kept"
