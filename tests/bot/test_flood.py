"""Fair service under floods (issue 20 point 6): one chat sending a burst of messages gets at most
MAX_PENDING_PER_CHAT of them handled and one polite reply for the rest, and never holds the
concurrency slots other chats need.

Updates go through `application.update_queue`, the path polling and the webhook both use, so PTB's
update processor and its concurrency slots are the real ones. Telegram is the fake Bot API on
loopback; Rasa is a stand-in (httpx's mock transport) that answers every message after a delay."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from telegram import Update

from assistant_core.content import ContentRepository
from assistant_core.db import create_tables, make_engine
from assistant_core.settings import load_settings
from bot import telegram_app
from bot.context import BotApplication
from bot.conversation import Conversation
from bot.database import Database
from bot.flood import Admission, PendingTurns
from bot.rasa_client import RasaClient
from bot.telegram_app import build_application
from tests.e2e.fake_telegram import Call, FakeTelegram, text_update

TOKEN = "123456:flood-test-token"
KEY = "flood-test-pseudonym-key-0123"
LIMIT = 3  # MAX_PENDING_PER_CHAT in these tests
FLOODER, OTHER = 5001, 6001


@dataclass
class Running:
    application: BotApplication
    telegram: FakeTelegram
    rasa_messages: list[str]
    update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def push(self, update: dict[str, Any]) -> None:
        """Hand an update to the Application as polling or the webhook does."""
        data = {"update_id": next(self.update_ids), **update}
        self.application.update_queue.put_nowait(Update.de_json(data, self.application.bot))

    async def settle(self, timeout: float = 30) -> None:
        """Wait until every queued update has been processed."""
        await asyncio.wait_for(self.application.update_queue.join(), timeout)

    def texts_to(self, chat_id: int) -> list[str]:
        return [
            str(c.params["text"])
            for c in self.telegram.calls
            if c.method == "sendMessage" and int(c.params["chat_id"]) == chat_id
        ]

    def flood_replies(self, chat_id: int) -> int:
        wait = self.application.bot_data.content.text("flood_wait")
        return self.texts_to(chat_id).count(wait)


@asynccontextmanager
async def running_bot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rasa_delay: float) -> AsyncIterator[Running]:
    monkeypatch.setattr(telegram_app, "JOBS", ())  # no reminder or purge round in the middle of a test
    telegram = FakeTelegram(TOKEN).start()
    settings = load_settings(
        {
            "VAR_DIR": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
            "PSEUDONYM_KEY": KEY,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": telegram.base_url,
            "MAX_PENDING_PER_CHAT": str(LIMIT),
        }
    )
    engine = make_engine(settings.database_url)
    create_tables(engine)
    messages: list[str] = []

    async def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        messages.append(str(body["message"]))
        await asyncio.sleep(rasa_delay)
        return httpx.Response(200, json=[{"recipient_id": body["sender"], "text": f"Jawaban: {body['message']}"}])

    content = ContentRepository(settings.content_dir)
    client = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    rasa = RasaClient(settings.rest_webhook, 30, client=client, forget_token="t")
    application = build_application(settings, Conversation(rasa, content), content, Database(engine))
    try:
        async with application:
            await application.start()  # processes update_queue through PTB's update processor
            try:
                yield Running(application, telegram, messages)
            finally:
                await application.stop()
    finally:
        await rasa.close()
        telegram.stop()
        engine.dispose()


async def test_a_burst_gets_at_most_the_cap_answered_and_one_polite_reply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_bot(tmp_path, monkeypatch, rasa_delay=0.05) as bot:
        for i in range(30):
            bot.push(text_update(FLOODER, f"pesan {i}"))
        await bot.settle()
        assert bot.rasa_messages == [f"pesan {i}" for i in range(LIMIT)], "the first messages, in order"
        answers = [t for t in bot.texts_to(FLOODER) if t.startswith("Jawaban: ")]
        assert answers == [f"Jawaban: pesan {i}" for i in range(LIMIT)]
        assert bot.flood_replies(FLOODER) == 1, "one reply for the 27 messages not handled, not one each"

        # The burst is over once its answers are out: the next message is answered as usual...
        bot.push(text_update(FLOODER, "pertanyaan baru"))
        await bot.settle()
        assert bot.rasa_messages[-1] == "pertanyaan baru"
        assert bot.flood_replies(FLOODER) == 1
        # ...and a second burst is a second episode, told once again.
        for i in range(10):
            bot.push(text_update(FLOODER, f"lagi {i}"))
        await bot.settle()
        assert bot.rasa_messages[-LIMIT:] == [f"lagi {i}" for i in range(LIMIT)]
        assert bot.flood_replies(FLOODER) == 2


async def test_another_chat_is_answered_promptly_during_a_flood(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before the cap, 3 x 150 waiting updates filled PTB's 256 slots and the other chat's message
    waited for them (seconds, at 0.1 s a turn); with the cap it waits for nobody."""
    flooders = [FLOODER, FLOODER + 1, FLOODER + 2]
    async with running_bot(tmp_path, monkeypatch, rasa_delay=0.1) as bot:
        for i in range(150):
            for chat in flooders:
                bot.push(text_update(chat, f"banjir {i}"))
        await asyncio.sleep(0.2)  # the flood is being handled
        sent = time.monotonic()
        bot.push(text_update(OTHER, "iuran jkm berapa"))

        def answered_other(calls: list[Call]) -> list[float]:
            return [
                c.at
                for c in calls
                if c.method == "sendMessage"
                and int(c.params["chat_id"]) == OTHER
                and str(c.params["text"]).startswith("Jawaban")
            ]

        # The fake's wait blocks its thread, so it waits off the event loop the bot runs on.
        calls = await asyncio.to_thread(bot.telegram.wait_for, answered_other, 30)
        answered = answered_other(calls)[0]
        assert answered - sent < 1.0, f"the other chat waited {answered - sent:.2f} s behind the flood"
        await bot.settle(timeout=120)
        assert all(bot.flood_replies(chat) == 1 for chat in flooders)


def test_the_cap_is_a_setting_and_zero_turns_it_off(tmp_path: Path) -> None:
    env = {"VAR_DIR": str(tmp_path), "PSEUDONYM_KEY": KEY}
    assert load_settings(env).max_pending_per_chat == 4
    assert load_settings({**env, "MAX_PENDING_PER_CHAT": "2"}).max_pending_per_chat == 2
    off = PendingTurns(load_settings({**env, "MAX_PENDING_PER_CHAT": "0"}).max_pending_per_chat)
    assert all(off.admit("s") is Admission.ADMITTED for _ in range(500))
    capped = PendingTurns(2)
    assert [capped.admit("s") for _ in range(4)] == [Admission.ADMITTED] * 2 + [Admission.TELL, Admission.DROP]
    assert capped.admit("other") is Admission.ADMITTED, "per conversation"
    capped.done("s")
    assert capped.admit("s") is Admission.ADMITTED, "room again once one is handled, same burst"
    assert capped.admit("s") is Admission.DROP, "and told only once in it"
