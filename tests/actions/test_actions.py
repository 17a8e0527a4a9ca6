"""The FAQ and fallback actions with real content, a real rasa-sdk Tracker and a real SQLite database."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.orm import Session

from actions import services
from actions.fallback import ActionFallback
from actions.faq import ActionAnswerFaq
from actions.feedback import ActionFeedback
from assistant_core import unanswered
from assistant_core.db import Feedback, create_tables


@pytest.fixture(autouse=True)
def isolated_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'a.db'}")
    monkeypatch.setenv("PSEUDONYM_KEY", "k" * 20)
    monkeypatch.setenv("ASSISTANT_TODAY", "2026-11-26")
    services.engine.cache_clear()


def tracker(parse: dict[str, Any], misses: float = 0.0, text: str = "pertanyaan") -> Tracker:
    latest = {"text": text, **parse}
    return Tracker("conv-1", {"misses": misses}, latest, [], False, None, {}, "action_listen")


def faq_parse(*ranking: tuple[str, float]) -> dict[str, Any]:
    rank = [{"intent_response_key": f"faq/{k}", "confidence": c} for k, c in ranking]
    return {
        "intent": {"name": "faq", "confidence": 0.99},
        "entities": [],
        "response_selector": {"faq": {"response": rank[0], "ranking": rank}},
    }


def run(action: Any, t: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, {}))
    return dispatcher.messages, events


def test_confident_answer_renders_content_with_related_buttons() -> None:
    messages, events = run(ActionAnswerFaq(), tracker(faq_parse(("iuran_jkm_pu", 0.95), ("jkm_apa", 0.02))))
    assert "0,3%" in messages[0]["text"] and "Sumber:" in messages[0]["text"]
    calculator, *related, _up, _down = messages[0]["buttons"]
    assert calculator == {"title": "Hitung iuran saya", "payload": "/calc_iuran"}  # offer_calculator: true
    assert related and all(b["payload"].startswith('/choose_topic{"topic":') for b in related)
    assert events == [{"event": "slot", "timestamp": None, "name": "misses", "value": 0.0}]


def test_topic_button_answers_that_entry() -> None:
    parse = {"intent": {"name": "choose_topic"}, "entities": [{"entity": "topic", "value": "diskon_bpu_2026"}]}
    messages, _ = run(ActionAnswerFaq(), tracker(parse))
    assert "Rp8.400" in messages[0]["text"]


def test_unknown_topic_says_unavailable() -> None:
    parse = {"intent": {"name": "choose_topic"}, "entities": [{"entity": "topic", "value": "tidak_ada"}]}
    messages, _ = run(ActionAnswerFaq(), tracker(parse))
    assert messages[0]["response"] == "utter_content_unavailable"


def test_unsure_match_offers_topics_then_hands_off_and_records() -> None:
    unsure = faq_parse(("jkm_apa", 0.40), ("jkm_klaim", 0.38), ("beasiswa", 0.1))
    messages, events = run(ActionAnswerFaq(), tracker(unsure, misses=0))
    titles = [b["title"] for b in messages[0]["buttons"]]
    assert "Maksud Anda" in messages[0]["text"] and len(titles) == 4
    assert events[0]["value"] == 1.0

    messages, events = run(ActionAnswerFaq(), tracker(unsure, misses=1, text="nik 3174012345678901 jkm gmn"))
    assert messages[0]["response"] == "utter_handoff"
    assert events[0]["value"] == 0.0
    with Session(services.engine()) as session:
        rows = unanswered.recent(session)
    assert len(rows) == 1 and "3174012345678901" not in rows[0].text and rows[0].candidates
    assert rows[0].conversation == "conv-1"


def test_fallback_asks_to_rephrase_first() -> None:
    messages, events = run(ActionFallback(), tracker({"intent": {"name": "nlu_fallback"}}))
    assert messages[0]["response"] == "utter_default" and events[0]["value"] == 1.0


def test_faq_answer_carries_feedback_buttons_and_feedback_is_recorded() -> None:
    ranking = [{"intent_response_key": "faq/iuran_jkm_pu", "confidence": 0.93}]
    latest = {
        "text": "iuran jkm brp",
        "intent": {"name": "faq", "confidence": 0.9},
        "entities": [],
        "response_selector": {"faq": {"response": ranking[0], "ranking": ranking}},
    }
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionAnswerFaq().run(dispatcher, Tracker("fb-1", {}, latest, [], False, None, {}, ""), {}))
    buttons = dispatcher.messages[0]["buttons"]
    assert [b["title"] for b in buttons[-2:]] == ["👍 Membantu", "👎 Kurang membantu"]
    down = buttons[-1]["payload"]
    assert down == '/feedback{"rating":"down","topic":"iuran_jkm_pu"}'

    create_tables(services.engine())
    entities = [{"entity": "rating", "value": "down"}, {"entity": "topic", "value": "iuran_jkm_pu"}]
    pressed = {"text": down, "intent": {"name": "feedback", "confidence": 1.0}, "entities": entities}
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionFeedback().run(dispatcher, Tracker("fb-1", {}, pressed, [], False, None, {}, ""), {}))
    assert "kata lain" in dispatcher.messages[0]["text"] and "175" in dispatcher.messages[0]["text"]
    assert dispatcher.messages[0]["buttons"][-1]["payload"] == "/help"
    with Session(services.engine()) as session:
        rows = [(f.conversation, f.topic, f.rating) for f in session.scalars(select(Feedback))]
    assert rows == [("fb-1", "iuran_jkm_pu", "down")]


def test_two_questions_get_two_answers_each_with_its_own_rating() -> None:
    parse = faq_parse(("iuran_jkm_pu", 0.7), ("jkm_klaim", 0.2), ("jkm_apa", 0.05))
    parse["faq_parts"] = [
        {"text": "iuran jkm berapa?", "intent": "faq", "ranking": [{"key": "iuran_jkm_pu", "confidence": 0.95}]},
        {"text": "klaim jkm bagaimana?", "intent": "faq", "ranking": [{"key": "jkm_klaim", "confidence": 0.9}]},
    ]
    messages, events = run(ActionAnswerFaq(), tracker(parse))
    assert len(messages) == 2
    assert "0,3%" in messages[0]["text"] and messages[1]["text"] != messages[0]["text"]
    rated = [[b["payload"] for b in m["buttons"] if b["payload"].startswith("/feedback")] for m in messages]
    assert all('"iuran_jkm_pu"' in p for p in rated[0]) and len(rated[0]) == 2
    assert all('"jkm_klaim"' in p for p in rated[1]) and len(rated[1]) == 2
    # No related-topic buttons under either answer: two answers are enough to read on a phone.
    assert not any(b["payload"].startswith("/choose_topic") for m in messages for b in m["buttons"])
    assert events == [{"event": "slot", "timestamp": None, "name": "misses", "value": 0.0}]


def test_a_stated_wage_on_a_contribution_entry_starts_the_calculator_with_it() -> None:
    text = "gaji karyawan saya 8 juta, iuran jht nya berapa"
    messages, events = run(ActionAnswerFaq(), tracker(faq_parse(("iuran_jht_pu", 0.9), ("jht_apa", 0.05)), text=text))
    assert messages == []  # the calculator asks its next question itself
    assert {"event": "followup", "timestamp": None, "name": "calc_form"} in events
    wages = [e["value"] for e in events if e.get("name") == "calc_wages" and e.get("value") is not None]
    assert wages == [[8000000]]


def test_a_stated_wage_on_an_entry_that_computes_it_is_answered() -> None:
    text = "gaji saya 4 juta, kalau kena phk dapat jkp berapa"
    messages, events = run(ActionAnswerFaq(), tracker(faq_parse(("jkp_manfaat", 0.9), ("jkp_apa", 0.05)), text=text))
    assert "Rp4.000.000" in messages[0]["text"]
    assert not any(e.get("event") == "followup" for e in events)


def test_without_a_cost_question_a_stated_wage_answers_the_entry() -> None:
    text = "karyawan gaji 3 juta wajib ikut jht gak"
    messages, events = run(ActionAnswerFaq(), tracker(faq_parse(("iuran_jht_pu", 0.9), ("jht_apa", 0.05)), text=text))
    assert messages and not any(e.get("event") == "followup" for e in events)
