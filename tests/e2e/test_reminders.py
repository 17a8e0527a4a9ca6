"""Payment reminders: opt-in through the real bot; sending once per month with two senders at once."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import date

import pytest
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, Defaults, ExtBot

from assistant_core.content import ContentRepository
from assistant_core.db import make_engine
from assistant_core.reminders import ReminderStore
from assistant_core.settings import Settings
from bot.callbacks import CallbackStore
from bot.reminders import send_due_reminders
from tests.e2e.conftest import TOKEN
from tests.e2e.fake_telegram import FakeTelegram
from tests.e2e.test_feedback import last_keyboard
from tests.e2e.test_privacy import ask, press

pytestmark = pytest.mark.e2e


def subscribed_chats(settings: Settings) -> set[int]:
    with sqlite3.connect(settings.database_url.removeprefix("sqlite:///")) as db:
        return {int(row[0]) for row in db.execute("SELECT chat_id FROM asst_reminders")}


def button(telegram: FakeTelegram, chat_id: int, title: str) -> str:
    return next(b["callback_data"] for row in last_keyboard(telegram, chat_id) for b in row if b["text"] == title)


def test_opt_in_from_the_menu_and_stop(telegram: FakeTelegram, settings: Settings) -> None:
    ask(telegram, 6201, "/menu", replies=2)
    on = press(telegram, 6201, button(telegram, 6201, "🔔 Pengingat iuran"), replies=2)
    assert "pengingat aktif" in on[-1] and f"tanggal {settings.reminder_day}" in on[-1]
    assert 6201 in subscribed_chats(settings)

    ask(telegram, 6201, "/menu")
    again = press(telegram, 6201, button(telegram, 6201, "🔔 Pengingat iuran"), replies=2)
    assert "sudah aktif" in again[-1]

    off = press(telegram, 6201, button(telegram, 6201, "Berhenti pengingat"), replies=2)
    assert "dihentikan" in off[-1]
    assert 6201 not in subscribed_chats(settings)


# PTB's rate limiter reads RetryAfter.retry_after, which warns about a future type change.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
def test_each_subscriber_gets_one_reminder_a_month_with_two_senders(telegram: FakeTelegram, settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    store, repo, callbacks = ReminderStore(engine), ContentRepository(settings.content_dir), CallbackStore(engine)
    ok, blocked, flooded = 6301, 6302, 6303
    for chat in (ok, blocked, flooded):
        store.subscribe(f"reminder-test-{chat}", chat)
    telegram.blocked.add(blocked)
    telegram.flood_once.add(flooded)
    december = date(2026, 12, 10)

    async def two_replicas() -> list[int]:
        bots = [
            ExtBot(
                TOKEN,
                base_url=telegram.base_url,
                defaults=Defaults(parse_mode=ParseMode.HTML),
                rate_limiter=AIORateLimiter(max_retries=2),
            )
            for _ in range(2)
        ]
        for bot in bots:
            await bot.initialize()
        try:
            return list(
                await asyncio.gather(
                    *(send_due_reminders(b, ReminderStore(engine), repo, callbacks, 10, december) for b in bots)
                )
            )
        finally:
            for bot in bots:
                await bot.shutdown()

    since = telegram.mark()
    sent = asyncio.run(two_replicas())
    calls = telegram.calls[since:]
    delivered = [int(c.params["chat_id"]) for c in calls if c.method == "sendMessage"]
    assert sorted(delivered) == [ok, flooded], "one message each; the blocked chat gets none"
    assert sum(sent) == 2
    attempts = [int(c.params["chat_id"]) for c in calls if c.method == "sendMessage:attempt"]
    assert attempts.count(flooded) == 2, "RetryAfter was honoured and the send retried"
    text = next(c.params["text"] for c in calls if c.method == "sendMessage")
    assert "15 Desember 2026" in text and "November 2026" in text
    assert blocked not in subscribed_chats(settings), "a user who blocked the bot is unsubscribed"

    # Later the same month: nothing more. Outside the window: nothing either.
    since = telegram.mark()
    assert asyncio.run(_once(telegram, store, repo, callbacks, date(2026, 12, 12))) == 0
    assert asyncio.run(_once(telegram, store, repo, callbacks, date(2026, 12, 20))) == 0
    assert not [c for c in telegram.calls[since:] if c.method == "sendMessage"]
    for chat in (ok, flooded):
        store.unsubscribe(f"reminder-test-{chat}")


async def _once(
    telegram: FakeTelegram, store: ReminderStore, repo: ContentRepository, callbacks: CallbackStore, day: date
) -> int:
    bot = ExtBot(TOKEN, base_url=telegram.base_url)
    await bot.initialize()
    try:
        return await send_due_reminders(bot, store, repo, callbacks, 10, day)
    finally:
        await bot.shutdown()
