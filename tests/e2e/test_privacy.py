"""Privacy through the real bot, Rasa and action servers: notice, /privasi, /hapusdata, retention."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sqlite3
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from telegram.ext import CallbackContext

from assistant_core.content import ContentRepository
from assistant_core.db import make_engine
from assistant_core.privacy import UserRegistry
from assistant_core.pseudonym import FORGET_TOKEN_HEADER, conversation_id, forget_token
from assistant_core.settings import Settings
from bot import purge
from bot.context import BotApplication
from bot.conversation import Conversation
from bot.database import Database
from bot.rasa_client import RasaClient
from bot.telegram_app import build_application
from tests.e2e.conftest import TOKEN
from tests.e2e.fake_telegram import Call, FakeTelegram, callback_update, text_update

pytestmark = pytest.mark.e2e


def bot_application(settings: Settings, telegram: FakeTelegram) -> BotApplication:
    """Another replica of the bot, in this process, so a test can run its jobs directly."""
    settings = dataclasses.replace(settings, telegram_token=TOKEN, telegram_api_base_url=telegram.base_url)
    rasa = RasaClient(settings.rest_webhook, 10, forget_token=forget_token(settings.pseudonym_key))
    content = ContentRepository(settings.content_dir)
    return build_application(
        settings, Conversation(rasa, content), content, Database(make_engine(settings.database_url))
    )


def texts_to(calls: list[Call], chat_id: int) -> list[str]:
    return [str(c.params["text"]) for c in calls if c.method == "sendMessage" and int(c.params["chat_id"]) == chat_id]


def rasa_events(settings: Settings, sender: str) -> int:
    path = settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT count(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0])


def our_rows(settings: Settings, sender: str) -> int:
    path = settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        users = db.execute("SELECT count(*) FROM asst_chat_users WHERE conversation = ?", (sender,)).fetchone()[0]
        misses = db.execute(
            "SELECT count(*) FROM asst_unanswered_questions WHERE conversation = ?", (sender,)
        ).fetchone()[0]
    return int(users) + int(misses)


def sender_of(settings: Settings, chat_id: int) -> str:
    return conversation_id(settings.pseudonym_key, chat_id, chat_id, True)


def ask(telegram: FakeTelegram, chat_id: int, text: str, replies: int = 1) -> list[str]:
    since = telegram.mark()
    telegram.push(text_update(chat_id, text))
    calls = telegram.wait_for(lambda cs: len(texts_to(cs, chat_id)) >= replies, since=since)
    return texts_to(calls, chat_id)


def press(telegram: FakeTelegram, chat_id: int, data: str, replies: int = 1) -> list[str]:
    since = telegram.mark()
    telegram.push(callback_update(chat_id, data, query_id=f"q-{chat_id}-{since}"))
    calls = telegram.wait_for(lambda cs: len(texts_to(cs, chat_id)) >= replies, since=since)
    return texts_to(calls, chat_id)


def buttons_of(telegram: FakeTelegram, chat_id: int) -> dict[str, str]:
    last = [c for c in telegram.calls if c.method == "sendMessage" and int(c.params["chat_id"]) == chat_id][-1]
    rows = last.params["reply_markup"]["inline_keyboard"]
    return {b["text"]: b["callback_data"] for row in rows for b in row}


def test_notice_at_first_contact_only(telegram: FakeTelegram) -> None:
    first = ask(telegram, 6001, "iuran jkm brp persen", replies=2)
    assert "bukan kanal resmi" in first[0] and "/hapusdata" in first[0]
    assert "0,3%" in first[1]
    again = ask(telegram, 6001, "kalau jht brp")
    assert not any("/hapusdata" in t for t in again)


def test_privacy_command_states_retention(telegram: FakeTelegram, settings: Settings) -> None:
    reply = ask(telegram, 6002, "/privasi")
    assert f"{settings.retention_days} hari" in reply[0] and "/hapusdata" in reply[0]


def test_commands_include_privacy(telegram: FakeTelegram) -> None:
    calls = telegram.wait_for(lambda cs: any(c.method == "setMyCommands" for c in cs))
    names = {c["command"] for c in next(c for c in calls if c.method == "setMyCommands").params["commands"]}
    assert {"privasi", "hapusdata"} <= names


def test_deep_link_source_is_kept(telegram: FakeTelegram, settings: Settings) -> None:
    ask(telegram, 6003, "/start perisai_123", replies=2)
    db = Database(make_engine(settings.database_url))
    assert db.run(UserRegistry().source_of, sender_of(settings, 6003)) == "perisai_123"


def test_delete_after_confirmation_removes_rasa_events_and_our_rows(telegram: FakeTelegram, settings: Settings) -> None:
    sender = sender_of(settings, 6004)
    ask(telegram, 6004, "iuran jkm brp persen", replies=2)
    ask(telegram, 6004, "bisakah saya pesan tiket pesawat lewat sini")  # unanswered: recorded for editors
    assert rasa_events(settings, sender) > 0 and our_rows(settings, sender) >= 1

    confirm = ask(telegram, 6004, "/hapusdata")
    assert "tidak bisa dikembalikan" in confirm[0]
    assert rasa_events(settings, sender) > 0, "nothing is deleted before the user confirms"
    done = press(telegram, 6004, buttons_of(telegram, 6004)["Ya, hapus data saya"], replies=2)
    assert "sudah dihapus" in done[-1]
    assert rasa_events(settings, sender) == 0 and our_rows(settings, sender) == 0

    # A new start: the notice again, and the assistant still answers.
    after = ask(telegram, 6004, "halo", replies=2)
    assert "bukan kanal resmi" in after[0] and "/hapusdata" in after[0]


def test_declining_keeps_everything(telegram: FakeTelegram, settings: Settings) -> None:
    sender = sender_of(settings, 6005)
    ask(telegram, 6005, "iuran jkm brp persen", replies=2)
    before = rasa_events(settings, sender)
    ask(telegram, 6005, "/hapusdata")
    kept = press(telegram, 6005, buttons_of(telegram, 6005)["Tidak jadi"], replies=2)
    assert "tidak dihapus" in kept[-1]
    assert rasa_events(settings, sender) >= before > 0 and our_rows(settings, sender) == 1


def post_forget(settings: Settings, body: dict[str, Any], token: str | None) -> int:
    url = settings.rest_webhook.rsplit("/", 1)[0] + "/forget"
    headers = {"Content-Type": "application/json", **({FORGET_TOKEN_HEADER: token} if token is not None else {})}
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_forget_endpoint_refuses_without_the_token(telegram: FakeTelegram, settings: Settings) -> None:
    sender = sender_of(settings, 6006)
    ask(telegram, 6006, "iuran jkm brp persen", replies=2)
    events = rasa_events(settings, sender)
    assert post_forget(settings, {"sender": sender}, None) == 401
    assert post_forget(settings, {"sender": sender}, "forged-token") == 401
    assert post_forget(settings, {"sender": 5}, forget_token(settings.pseudonym_key)) == 400
    assert rasa_events(settings, sender) == events > 0


def test_retention_purge_deletes_only_inactive_conversations(telegram: FakeTelegram, settings: Settings) -> None:
    old, recent = sender_of(settings, 6007), sender_of(settings, 6008)
    ask(telegram, 6007, "iuran jkm brp persen", replies=2)
    ask(telegram, 6008, "iuran jkm brp persen", replies=2)
    db = Database(make_engine(settings.database_url))
    now = datetime.now(tz=timezone.utc)
    db.run(UserRegistry().mark_seen_at, old, now - timedelta(days=settings.retention_days + 1))
    # Last activity is also the conversation's newest Rasa event (issue 20 point 8): age those too.
    path = settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        shift = (settings.retention_days + 1) * 86400
        conn.execute("UPDATE events SET timestamp = timestamp - ? WHERE sender_id = ?", (shift, old))

    async def purge_job() -> int:
        # The JobQueue's job itself, as the bot runs it every few hours.
        application = bot_application(settings, telegram)
        try:
            return await purge.purge(CallbackContext(application))
        finally:
            await application.bot_data.conversation.rasa.close()

    assert asyncio.run(purge_job()) == 1
    assert rasa_events(settings, old) == 0 and our_rows(settings, old) == 0
    assert rasa_events(settings, recent) > 0 and our_rows(settings, recent) == 1
