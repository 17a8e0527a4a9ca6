"""The REST channel as integrations and evaluations use it, against the real Rasa server."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from assistant_core.settings import Settings

pytestmark = pytest.mark.e2e


def post(settings: Settings, body: bytes) -> tuple[int, Any]:
    request = urllib.request.Request(settings.rest_webhook, data=body, headers={"Content-Type": "application/json"})
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


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"sender": 5, "message": "x"}', b'{"sender": "a"}', b""])
def test_malformed_body_gets_400(settings: Settings, body: bytes) -> None:
    status, reply = post(settings, body)
    assert status == 400
    assert "error" in reply


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
