"""The real bot process against a fake Telegram Bot API, with the real Rasa and action servers."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from assistant_core.settings import Settings
from tests.e2e.conftest import TOKEN
from tests.e2e.fake_telegram import Call, FakeTelegram, callback_update, sticker_update, text_update

pytestmark = pytest.mark.e2e


def sent_to(chat_id: int):  # type: ignore[no-untyped-def]
    def predicate(calls: list[Call]) -> bool:
        return any(c.method == "sendMessage" and int(c.params["chat_id"]) == chat_id for c in calls)

    return predicate


def messages(calls: list[Call], chat_id: int) -> list[Call]:
    return [c for c in calls if c.method == "sendMessage" and int(c.params["chat_id"]) == chat_id]


def test_commands_registered_in_indonesian(telegram: FakeTelegram) -> None:
    calls = telegram.wait_for(lambda cs: any(c.method == "setMyCommands" for c in cs))
    commands = next(c for c in calls if c.method == "setMyCommands").params["commands"]
    assert {"command": "menu", "description": "Pilihan topik"} in commands


def test_start_greets_with_inline_menu(telegram: FakeTelegram) -> None:
    since = telegram.mark()
    telegram.push(text_update(5001, "/start"))
    # First contact: the privacy notice, then the greeting.
    calls = telegram.wait_for(lambda cs: len(messages(cs, 5001)) >= 2, since=since)
    greeting = messages(calls, 5001)[-1]
    assert "bukan kanal resmi" in greeting.params["text"]
    assert greeting.params.get("parse_mode") == "HTML"
    keyboard = greeting.params["reply_markup"]["inline_keyboard"]
    data = [b["callback_data"] for row in keyboard for b in row]
    assert data and all(len(d.encode()) <= 64 for d in data)
    assert any(c.method == "sendChatAction" for c in calls)


def test_typed_question_and_button_press(telegram: FakeTelegram) -> None:
    since = telegram.mark()
    telegram.push(text_update(5002, "iuran jht karyawan brp"))
    calls = telegram.wait_for(lambda cs: len(messages(cs, 5002)) >= 2, since=since)
    answer = messages(calls, 5002)[-1]
    assert "3,7%" in answer.params["text"] and "2%" in answer.params["text"]
    # The first button starts the calculator (offer_calculator); the last is a related topic.
    rows = answer.params["reply_markup"]["inline_keyboard"]
    button = [b for row in rows for b in row if not b["text"].startswith(("👍", "👎"))][-1]

    since = telegram.mark()
    telegram.push(callback_update(5002, button["callback_data"], query_id="press-1"))
    calls = telegram.wait_for(lambda cs: len(messages(cs, 5002)) >= 2, since=since)
    assert any(c.method == "answerCallbackQuery" and c.params["callback_query_id"] == "press-1" for c in calls)
    chosen, reply = messages(calls, 5002)[:2]
    assert button["text"] in chosen.params["text"]
    assert "Sumber:" in reply.params["text"]


def test_unknown_button_gets_expired_notice_and_menu(telegram: FakeTelegram) -> None:
    since = telegram.mark()
    telegram.push(callback_update(5003, "p:unknown-id", query_id="stale-1"))
    calls = telegram.wait_for(lambda cs: len(messages(cs, 5003)) >= 2, since=since)
    assert any(c.method == "answerCallbackQuery" and c.params["callback_query_id"] == "stale-1" for c in calls)
    assert "kedaluwarsa" in messages(calls, 5003)[0].params["text"]


def test_sticker_gets_friendly_text(telegram: FakeTelegram) -> None:
    since = telegram.mark()
    telegram.push(sticker_update(5004))
    calls = telegram.wait_for(sent_to(5004), since=since)
    assert "pesan teks" in messages(calls, 5004)[0].params["text"]


def test_token_never_logged(telegram: FakeTelegram, bot_log: Path) -> None:
    since = telegram.mark()
    telegram.push(text_update(5005, "halo"))
    telegram.wait_for(sent_to(5005), since=since)
    log = bot_log.read_text()
    assert "getUpdates" in log or "Starting Telegram bot" in log  # the log is really written
    assert TOKEN not in log and TOKEN.split(":")[1] not in log


@pytest.mark.parametrize(
    ("chat_id", "command"), [(5006, "/help"), (5007, "/restart"), (5008, '/iuran{"calc_workers": 9}')]
)
def test_unknown_command_gets_the_menu(telegram: FakeTelegram, chat_id: int, command: str) -> None:
    # Telegram users type /help; it and any other command we do not have got no answer at all.
    since = telegram.mark()
    telegram.push(text_update(chat_id, command))
    calls = telegram.wait_for(lambda cs: len(messages(cs, chat_id)) >= 2, since=since)
    menu = messages(calls, chat_id)[-1]
    assert "Saya bisa membantu" in menu.params["text"] and menu.params.get("reply_markup")


def test_typed_start_with_a_phone_number_is_not_kept_as_the_source(telegram: FakeTelegram, settings: Settings) -> None:
    since = telegram.mark()
    telegram.push(text_update(5009, "/start 081234509871"))
    telegram.wait_for(lambda cs: len(messages(cs, 5009)) >= 2, since=since)
    with sqlite3.connect(settings.database_url.removeprefix("sqlite:///")) as db:
        sources = db.execute("SELECT source FROM asst_chat_users").fetchall()
        events = db.execute("SELECT data FROM events WHERE data LIKE '%081234509871%'").fetchall()
    db.close()
    assert ("081234509871",) not in sources and not events
