"""The Application as PTB's idioms build it: typed bot_data, jobs on the JobQueue, the database off the
event loop. Against a fake Telegram Bot API on loopback, a stand-in Rasa (httpx's mock transport)
and a real SQLite database."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from telegram import Update
from telegram.ext import CallbackContext

from assistant_core.clock import question_date
from assistant_core.content import ContentRepository
from assistant_core.contract import calculator
from assistant_core.db import create_tables, make_engine
from assistant_core.privacy import UserRegistry
from assistant_core.pseudonym import conversation_id
from assistant_core.settings import load_settings
from bot import purge, reminders
from bot.context import BotApplication, BotData
from bot.conversation import Conversation
from bot.database import Database
from bot.rasa_client import RasaClient
from bot.telegram_app import build_application
from tests.e2e.fake_telegram import FakeTelegram, callback_update, text_update

TOKEN = "123456:unit-test-token"
KEY = "unit-test-pseudonym-key-0123"
CHAT = 4242
MENU = [
    {
        "recipient_id": "x",
        "text": "Pilih topik:",
        "buttons": [
            {"title": "Hitung iuran", "payload": calculator.START_PAYLOAD},
            {"title": "🔔 Pengingat iuran", "payload": reminders.REMINDER_ON},
        ],
    }
]


@dataclass
class Bot:
    application: BotApplication
    telegram: FakeTelegram
    rasa_calls: list[dict[str, Any]]

    update_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    async def send(self, update: dict[str, Any]) -> None:
        """What polling or the webhook does with an update Telegram sent."""
        data = {"update_id": next(self.update_ids), **update}
        await self.application.process_update(Update.de_json(data, self.application.bot))

    def texts(self, since: int = 0) -> list[str]:
        return [str(c.params["text"]) for c in self.telegram.calls[since:] if c.method == "sendMessage"]

    def button(self, title: str) -> str:
        """The callback_data of the newest button with this title the bot sent."""
        for call in reversed(self.telegram.calls):
            markup = call.params.get("reply_markup") if call.method == "sendMessage" else None
            for row in (markup or {}).get("inline_keyboard", []):
                for b in row:
                    if b["text"] == title:
                        return str(b["callback_data"])
        raise AssertionError(f"no button {title!r} sent")


def rasa_stand_in(calls: list[dict[str, Any]]) -> httpx.AsyncClient:
    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        calls.append({"path": request.url.path, **body})
        if request.url.path.endswith("/forget"):
            return httpx.Response(200, json={"deleted": 3})
        return httpx.Response(200, json=MENU)

    return httpx.AsyncClient(transport=httpx.MockTransport(answer))


@asynccontextmanager
async def running_bot(tmp_path: Path) -> AsyncIterator[Bot]:
    telegram = FakeTelegram(TOKEN).start()
    settings = load_settings(
        {
            "VAR_DIR": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
            "PSEUDONYM_KEY": KEY,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": telegram.base_url,
        }
    )
    engine = make_engine(settings.database_url)
    create_tables(engine)
    calls: list[dict[str, Any]] = []
    content = ContentRepository(settings.content_dir)
    rasa = RasaClient(settings.rest_webhook, 5, client=rasa_stand_in(calls), forget_token="t")
    application = build_application(settings, Conversation(rasa, content), content, Database(engine))
    try:
        async with application:  # initialize() and shutdown(): the bot, not the updater or the JobQueue
            yield Bot(application, telegram, calls)
    finally:
        await rasa.close()
        telegram.stop()
        engine.dispose()


def sender(bot: Bot) -> str:
    return conversation_id(bot.application.bot_data.settings.pseudonym_key, CHAT, CHAT, True)


async def test_handlers_share_a_typed_bot_data_not_a_dict(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        data = bot.application.bot_data
        assert type(data) is BotData and bot.application.context_types.bot_data is BotData
        assert not isinstance(data, dict)
        await bot.send(text_update(CHAT, "/privasi"))
        assert f"{data.settings.retention_days} hari" in bot.texts()[-1]
        # A job's context carries the same object.
        assert CallbackContext(bot.application).bot_data is data


async def test_reminders_and_purge_are_named_jobs_on_the_job_queue(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        job_queue = bot.application.job_queue
        assert job_queue is not None
        jobs = {job.name: job for job in job_queue.jobs()}
        assert set(jobs) == {reminders.JOB_NAME, purge.JOB_NAME}
        assert jobs[reminders.JOB_NAME].callback is reminders.remind
        assert jobs[purge.JOB_NAME].callback is purge.purge
        assert jobs[reminders.JOB_NAME].job.trigger.interval == timedelta(seconds=reminders.CHECK_EVERY_SECONDS)
        assert jobs[purge.JOB_NAME].job.trigger.interval == timedelta(seconds=purge.EVERY_SECONDS)
        assert reminders.CHECK_EVERY_SECONDS == 900 and purge.EVERY_SECONDS == 6 * 3600


async def test_the_reminder_job_sends_once_a_month_and_only_in_the_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_bot(tmp_path) as bot:
        await bot.send(text_update(CHAT, "/menu"))
        await bot.send(callback_update(CHAT, bot.button("🔔 Pengingat iuran")))
        assert "pengingat aktif" in bot.texts()[-1]
        context = CallbackContext(bot.application)

        monkeypatch.setenv("ASSISTANT_TODAY", "2026-12-10")
        since = bot.telegram.mark()
        assert await reminders.remind(context) == 1
        assert "15 Desember 2026" in bot.texts(since)[-1]
        assert await reminders.remind(context) == 0, "once a month"
        monkeypatch.setenv("ASSISTANT_TODAY", "2026-12-20")
        assert await reminders.remind(context) == 0, "after the deadline"
        monkeypatch.setenv("ASSISTANT_TODAY", "2027-01-03")
        assert await reminders.remind(context) == 0, "before the window"


async def test_the_purge_job_forgets_inactive_conversations(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        await bot.send(text_update(CHAT, "halo"))
        data = bot.application.bot_data
        old = datetime.now(tz=timezone.utc) - timedelta(days=data.settings.retention_days + 1)
        data.database.run(data.users.mark_seen_at, sender(bot), old)
        assert await purge.purge(CallbackContext(bot.application)) == 1
        assert [c["sender"] for c in bot.rasa_calls if c["path"].endswith("/forget")] == [sender(bot)]
        assert data.database.run(UserRegistry().source_of, sender(bot)) is None
        assert await purge.purge(CallbackContext(bot.application)) == 0


class OnThreads:
    """Wraps a store; records which thread ran each of its methods."""

    def __init__(self, store: object, record: Callable[[str], None]) -> None:
        self._store, self._record = store, record

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._store, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            self._record(name)
            return method(*args, **kwargs)

        return call


async def test_no_store_is_called_on_the_event_loop_thread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loop_thread = threading.get_ident()
    threads: dict[str, set[int]] = {}

    def record(name: str) -> None:
        threads.setdefault(name, set()).add(threading.get_ident())

    async with running_bot(tmp_path) as bot:
        data = bot.application.bot_data
        data.users = OnThreads(data.users, record)  # type: ignore[assignment]
        data.reminders = OnThreads(data.reminders, record)  # type: ignore[assignment]
        data.callbacks = OnThreads(data.callbacks, record)  # type: ignore[assignment]

        await bot.send(text_update(CHAT, "halo"))  # first contact, Rasa's buttons stored
        await bot.send(callback_update(CHAT, bot.button("Hitung iuran")))  # a button for Rasa
        await bot.send(callback_update(CHAT, bot.button("🔔 Pengingat iuran")))  # subscribe
        monkeypatch.setenv("ASSISTANT_TODAY", "2026-12-10")
        await reminders.remind(CallbackContext(bot.application))
        stop = data.content.render_guide("reminder.stop_button", question_date())
        await bot.send(callback_update(CHAT, bot.button(stop)))  # unsubscribe
        await bot.send(text_update(CHAT, "/hapusdata"))
        await bot.send(callback_update(CHAT, bot.button(data.content.text("forget_yes"))))  # the bot's own button
        data.database.run(UserRegistry().seen, "someone-else", now=datetime(2020, 1, 1, tzinfo=timezone.utc))
        await purge.purge(CallbackContext(bot.application))

    expected = {
        "seen",
        "register_all",
        "resolve",
        "subscribe",
        "pending",
        "claim",
        "unsubscribe",
        "delete_records",
        "inactive_since",
        "delete_expired",
        "last_activity",
    }
    assert expected <= set(threads), f"not exercised: {expected - set(threads)}"
    on_loop = sorted(name for name, idents in threads.items() if loop_thread in idents)
    assert on_loop == [], f"called on the event loop thread: {on_loop}"
