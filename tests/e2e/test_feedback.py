"""👍/👎 under FAQ answers through the real bot, Rasa and action servers."""

from __future__ import annotations

import sqlite3

import pytest

from assistant_core.settings import Settings
from tests.e2e.fake_telegram import FakeTelegram
from tests.e2e.test_privacy import ask, press, sender_of

pytestmark = pytest.mark.e2e


def last_keyboard(telegram: FakeTelegram, chat_id: int) -> list[list[dict[str, str]]]:
    sent = [c for c in telegram.calls if c.method == "sendMessage" and int(c.params["chat_id"]) == chat_id]
    return list(sent[-1].params["reply_markup"]["inline_keyboard"])


def feedback_rows(settings: Settings, sender: str) -> list[tuple[str, str]]:
    with sqlite3.connect(settings.database_url.removeprefix("sqlite:///")) as db:
        return list(db.execute("SELECT topic, rating FROM asst_feedback WHERE conversation = ?", (sender,)))


def test_thumbs_down_is_recorded_with_the_topic_and_offers_a_way_forward(
    telegram: FakeTelegram, settings: Settings
) -> None:
    ask(telegram, 6101, "iuran jkm brp persen", replies=2)
    rating_row = last_keyboard(telegram, 6101)[-1]
    assert [b["text"] for b in rating_row] == ["👍 Membantu", "👎 Kurang membantu"]
    reply = press(telegram, 6101, rating_row[1]["callback_data"], replies=2)
    assert "kata lain" in reply[-1] and "175" in reply[-1]
    assert feedback_rows(settings, sender_of(settings, 6101)) == [("iuran_jkm_pu", "down")]
    titles = [b["text"] for row in last_keyboard(telegram, 6101) for b in row]
    assert "Menu utama" in titles


def test_thumbs_up_thanks(telegram: FakeTelegram, settings: Settings) -> None:
    ask(telegram, 6102, "iuran jht karyawan brp", replies=2)
    reply = press(telegram, 6102, last_keyboard(telegram, 6102)[-1][0]["callback_data"], replies=2)
    assert "Terima kasih" in reply[-1]
    assert [r[1] for r in feedback_rows(settings, sender_of(settings, 6102))] == ["up"]
