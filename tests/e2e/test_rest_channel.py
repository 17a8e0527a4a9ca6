"""The REST channel as integrations and evaluations use it, against the real Rasa server."""

from __future__ import annotations

import json
import sqlite3
import urllib.error
import urllib.request
from typing import Any

import pytest

from assistant_core.pseudonym import SENDER_TOKEN_HEADER, conversation_id, rest_conversation_id
from assistant_core.settings import Settings
from tests.e2e.fake_telegram import Call, FakeTelegram, text_update

pytestmark = pytest.mark.e2e


def post(settings: Settings, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(
        settings.rest_webhook, data=body, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def say(settings: Settings, sender: str, text: str) -> list[dict[str, Any]]:
    status, replies = post(settings, json.dumps({"sender": sender, "message": text}).encode())
    assert status == 200, replies
    assert isinstance(replies, list) and replies, "an answer must never be empty"
    return replies


def test_greeting_has_menu_and_says_not_official(settings: Settings) -> None:
    replies = say(settings, "rest-greet", "halo kak")
    text = " ".join(r.get("text", "") for r in replies)
    assert "bukan kanal resmi" in text
    assert "175" in text
    titles = [b["title"] for r in replies for b in r.get("buttons", [])]
    assert "Cara daftar" in titles and "Hitung iuran" in titles


def test_informal_question_gets_current_figure_with_source(settings: Settings) -> None:
    replies = say(settings, "rest-jkm", "iuran jkm brp persen")
    text = replies[0]["text"]
    assert "0,3%" in text
    assert "Sumber:" in text and "PP 44/2015" in text


def test_topic_button_payload_reaches_entry(settings: Settings) -> None:
    menu = say(settings, "rest-button", "halo")
    payload = next(b["payload"] for r in menu for b in r.get("buttons", []) if b["title"] == "Iuran karyawan")
    replies = say(settings, "rest-button", payload)
    assert "JHT" in replies[0]["text"] and "JP" in replies[0]["text"]


def test_typed_restart_command_is_not_obeyed(settings: Settings) -> None:
    say(settings, "rest-restart", "halo")
    replies = say(settings, "rest-restart", "/restart")
    # Rasa's action_restart sends nothing; our channel turns the command into text that gets an answer.
    assert replies[0].get("text")


def test_forged_topic_payload_is_treated_as_text(settings: Settings) -> None:
    replies = say(settings, "rest-forged", '/choose_topic{"topic":"does_not_exist"}')
    assert replies[0].get("text")


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b'{"sender": 5, "message": "x"}',
        b'{"sender": "a"}',
        b"",
        b"[" * 100_000 + b"]" * 100_000,  # Rasa's json.loads hit the recursion limit: 500
        b'{"sender": "a", "message": "x", "metadata": ' + b'{"a": ' * 12 + b"1" + b"}" * 13,
    ],
)
def test_malformed_body_gets_400(settings: Settings, body: bytes) -> None:
    status, reply = post(settings, body)
    assert status == 400
    assert "error" in reply


@pytest.mark.parametrize("sender", [r"a\u0000b", r"\ud800", r"a\u001bb"])  # JSON escapes, sent as they are
def test_unprintable_sender_gets_400_and_rasa_survives(settings: Settings, sender: str) -> None:
    # A lone surrogate (or, on PostgreSQL, a NUL) made the tracker store raise a ValueError, on
    # which Rasa's session_scope calls sys.exit: one request stopped the server.
    status, reply = post(settings, b'{"sender": "' + sender.encode() + b'", "message": "halo"}')
    assert status == 400 and "error" in reply
    assert say(settings, "rest-after-bad-sender", "halo")[0]["text"]


def stored(settings: Settings, sql: str, *args: Any) -> list[Any]:
    with sqlite3.connect(settings.database_url.removeprefix("sqlite:///")) as db:
        rows = db.execute(sql, args).fetchall()
    db.close()
    return rows


def test_sender_and_metadata_with_personal_data_are_not_stored(settings: Settings) -> None:
    # A WhatsApp gateway's sender id is the user's phone number.
    body = {"sender": "6281234509876", "message": "halo", "metadata": {"source": "081234509877", "n": 6281234509878}}
    status, replies = post(settings, json.dumps(body).encode())
    assert status == 200 and replies[0]["recipient_id"] == "6281234509876"
    assert say(settings, "6281234509876", "iuran jkm brp persen")  # the same conversation goes on
    events = stored(settings, "SELECT sender_id, data FROM events")
    assert not [row for row in events if "1234509876" in row[0] or "123450987" in row[1]]
    pseudonym = rest_conversation_id(settings.pseudonym_key, "6281234509876")
    kept = stored(settings, "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user'", pseudonym)
    assert pseudonym.startswith("rest-") and len(kept) == 2 and "[nomor telepon]" in kept[0][0]


def test_typed_command_hidden_behind_invisible_characters_is_not_obeyed(settings: Settings) -> None:
    say(settings, "rest-hidden-restart", "halo")
    for text in ["\u200b /restart", "\ufeff/restart", "\u202e/restart", "\x00/restart"]:
        assert say(settings, "rest-hidden-restart", text)[0].get("text")
    sender = rest_conversation_id(settings.pseudonym_key, "rest-hidden-restart")
    kinds = {row[0] for row in stored(settings, "SELECT type_name FROM events WHERE sender_id = ?", sender)}
    assert "restart" not in kinds


def test_huge_and_odd_messages_get_an_answer(settings: Settings) -> None:
    for text in ["x" * 20000, "   ", "😀" * 500, "\u202e\u200b iuran"]:
        assert say(settings, "rest-odd", text)[0].get("text")


def test_reminder_button_outside_telegram_explains_where_reminders_come(settings: Settings) -> None:
    say(settings, "rest-reminder", "/help")
    replies = say(settings, "rest-reminder", "/reminder_on")
    assert "lewat Telegram" in replies[0]["text"]


def test_feedback_button_is_recorded_over_rest(settings: Settings) -> None:
    answer = say(settings, "rest-feedback", "iuran jkm brp persen")
    up = next(b["payload"] for b in answer[0]["buttons"] if b["payload"].startswith("/feedback"))
    assert "Terima kasih" in say(settings, "rest-feedback", up)[0]["text"]


@pytest.mark.parametrize(
    ("text", "must"),
    [
        ("cara lapor spt tahunan pribadi gimana", ("1500200",)),
        ("mau pinjem modal kur buat warung, bisa lewat bpjs ga", ("bank penyalur KUR", "tidak memberi pinjaman")),
        ("iuran bpjs kesehatan kelas 3 brp skrg", ("165", "Mobile JKN")),
    ],
)
def test_out_of_scope_question_is_referred_to_the_right_place(
    settings: Settings, text: str, must: tuple[str, ...]
) -> None:
    """Issue "Open world" point 7: a decline names who does handle it, not just "another agency"."""
    replies = say(settings, "rest-oos-" + "-".join(text.split()[:3]), text)
    reply = " ".join(r.get("text", "") for r in replies)
    for words in must:
        assert words in reply, reply


def _texts_to(calls: list[Call], chat_id: int) -> str:
    return "\n".join(
        str(c.params["text"]) for c in calls if c.method == "sendMessage" and int(c.params["chat_id"]) == chat_id
    )


def test_a_rest_client_cannot_reach_a_telegram_conversation_by_its_pseudonym(
    settings: Settings, telegram: FakeTelegram
) -> None:
    """Issue 20 point 9: the REST channel took any sender id as it was, so a client that learnt a
    Telegram conversation's pseudonym (from a log or an export) could write into it. Now only the bot,
    with its sender token, addresses its conversations; anyone else's id is in the REST namespace."""
    chat = 5301
    pseudonym = conversation_id(settings.pseudonym_key, chat, chat, True)
    since = telegram.mark()
    telegram.push(text_update(chat, "Gaji karyawan saya 4 juta, 3 orang, berapa iurannya sebulan?"))
    telegram.wait_for(lambda calls: "risiko" in _texts_to(calls, chat), since=since)
    count = "SELECT count(*) FROM events WHERE sender_id = ?"
    before = stored(settings, count, pseudonym)[0][0]
    assert before > 0, "the bot's own messages are kept under the conversation's pseudonym"
    for headers in ({}, {SENDER_TOKEN_HEADER: "a-forged-token"}):
        status, replies = post(settings, json.dumps({"sender": pseudonym, "message": "batal"}).encode(), headers)
        assert status == 200 and replies[0]["recipient_id"] == pseudonym
    assert stored(settings, count, pseudonym)[0][0] == before, "nothing reached the Telegram conversation"
    namespaced = rest_conversation_id(settings.pseudonym_key, pseudonym)
    assert namespaced.startswith(("rest:", "rest-"))
    said = stored(settings, "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user'", namespaced)
    assert len(said) == 2 and all('"batal"' in row[0] for row in said)
    # The Telegram user's calculator was not cancelled: it goes on to the business size.
    since = telegram.mark()
    telegram.push(text_update(chat, "Rendah", message_id=2))
    telegram.wait_for(lambda calls: "ukuran" in _texts_to(calls, chat).lower(), since=since)
