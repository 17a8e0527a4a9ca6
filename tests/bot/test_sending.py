"""What the user sees when something goes wrong on the way out: HTML Telegram rejects, and a
/hapusdata that fails after Rasa has deleted the conversation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from tests.bot import test_application as app
from tests.e2e.fake_telegram import FakeTelegram, callback_update, text_update


class PickyTelegram(FakeTelegram):
    """Telegram's HTML parser refusing what our sanitiser let through."""

    def _error_for(self, method: str, params: dict[str, Any]) -> dict[str, Any] | None:
        if method == "sendMessage" and params.get("parse_mode") == "HTML" and "<u>" in str(params.get("text")):
            return {"ok": False, "error_code": 400, "description": "Bad Request: can't parse entities: Unsupported"}
        return super()._error_for(method, params)


async def test_a_reply_whose_html_telegram_rejects_is_resent_as_plain_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app, "FakeTelegram", PickyTelegram)
    reply = {"recipient_id": "x", "text": "Iuran <u>JKK</u> &amp; <b>JKM</b>", "buttons": app.MENU[0]["buttons"]}
    monkeypatch.setattr(app, "MENU", [reply])
    async with app.running_bot(tmp_path) as bot:
        await bot.send(text_update(app.CHAT, "halo"))
        sent = [c for c in bot.telegram.calls if c.method == "sendMessage"]
        assert sent[-1].params["text"] == "Iuran JKK & JKM"
        assert "parse_mode" not in sent[-1].params
        assert [b["text"] for row in sent[-1].params["reply_markup"]["inline_keyboard"] for b in row] == [
            "Hitung iuran",
            "🔔 Pengingat iuran",
        ], "the buttons come with it"


async def test_a_pressed_button_title_with_markup_is_shown_as_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    buttons = [{"title": "<b>Hitung</b> iuran & JKK", "payload": "/ask_contribution"}]
    monkeypatch.setattr(app, "MENU", [{"recipient_id": "x", "text": "Pilih:", "buttons": buttons}])
    async with app.running_bot(tmp_path) as bot:
        await bot.send(text_update(app.CHAT, "/menu"))
        since = bot.telegram.mark()
        await bot.send(callback_update(app.CHAT, bot.button("Hitung iuran & JKK")))
        assert bot.texts(since)[0] == "<i>Anda memilih: Hitung iuran &amp; JKK</i>"


async def test_the_confirmation_names_every_store_it_deletes_from(tmp_path: Path) -> None:
    async with app.running_bot(tmp_path) as bot:
        await bot.send(text_update(app.CHAT, "/hapusdata"))
        text = bot.texts()[-1]
    for store in (
        "riwayat percakapan",  # Rasa's events
        "pertanyaan yang belum bisa dijawab",  # asst_unanswered_questions
        "penilaian 👍/👎",  # asst_feedback
        "pengingat iuran",  # asst_reminders
        "catatan pemakaian",  # asst_turns, asst_user_days
        "sumber kedatangan",  # asst_chat_users
    ):
        assert store in text, store


class FailingRecords:
    def __init__(self, real: object) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def delete_records(self, *args: Any) -> int:
        raise OperationalError("DELETE FROM asst_feedback", {}, Exception("database is locked"))


async def test_a_failure_after_rasa_deleted_the_conversation_is_told_to_the_user(tmp_path: Path) -> None:
    async with app.running_bot(tmp_path) as bot:
        data = bot.application.bot_data
        await bot.send(text_update(app.CHAT, "/hapusdata"))
        data.users = FailingRecords(data.users)  # type: ignore[assignment]
        since = bot.telegram.mark()
        await bot.send(callback_update(app.CHAT, bot.button(data.content.text("forget_yes"))))
        assert [c["sender"] for c in bot.rasa_calls if c["path"].endswith("/forget")] == [app.sender(bot)]
        said = bot.texts(since)
        assert said[-1] == data.content.text("forget_partial")
        assert data.content.text("forget_done") not in said
        assert "belum terhapus" in said[-1] and "/hapusdata" in said[-1]
