"""Finding the questions in a message (assistant_core/segments.py) and deciding whether a second
one is answered too (assistant_core/faq_choice.decide), on parse data shaped as Rasa returns it."""

from __future__ import annotations

from typing import Any

import pytest

from assistant_core.faq_choice import PARTS, decide
from assistant_core.segments import question_parts


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        (
            "iuran jkk berapa persen? terus cara daftarnya bagaimana?",
            ["iuran jkk berapa persen?", "terus cara daftarnya bagaimana?"],
        ),
        ("iuran jkk berapa terus cara daftarnya bagaimana", ["iuran jkk berapa", "cara daftarnya bagaimana"]),
        # A story, then one question: nothing to split.
        ("saya punya warung. karyawan 3 orang. apakah wajib daftar bpjs?", []),
        # "dan" inside one question joins two things asked as one.
        ("apakah wna dapat ikut program jaminan pensiun dan program jkp?", []),
        ("", []),
        ('/choose_topic{"topic":"jht_apa"}', []),
        ("berapa? kapan?", []),  # too short to stand on their own
    ],
)
def test_question_parts(text: str, parts: list[str]) -> None:
    assert question_parts(text) == parts


def test_question_parts_caps_a_rambling_message() -> None:
    text = " ".join(f"pertanyaan nomor {i} ini apa?" for i in range(30))
    assert len(question_parts(text)) == 4


def parse(whole: list[tuple[str, float]], parts: list[list[tuple[str, float]]] | None = None) -> dict[str, Any]:
    ranking = [{"intent_response_key": f"faq/{k}", "confidence": c} for k, c in whole]
    data: dict[str, Any] = {
        "intent": {"name": "faq", "confidence": 0.9},
        "response_selector": {"faq": {"response": ranking[0], "ranking": ranking}},
    }
    if parts is not None:
        data[PARTS] = [
            {"text": f"part {i}", "intent": "faq", "ranking": [{"key": k, "confidence": c} for k, c in p]}
            for i, p in enumerate(parts)
        ]
    return data


def test_one_question_is_answered_as_before() -> None:
    assert decide(parse([("a", 0.9), ("b", 0.05)])).answers == ("a",)
    assert decide(parse([("a", 0.3), ("b", 0.25), ("c", 0.1)])).offers == ("a", "b", "c")


def test_a_second_question_sure_on_its_own_and_supported_is_answered_in_order() -> None:
    decision = decide(parse([("a", 0.8), ("b", 0.1)], [[("b", 0.95), ("x", 0.01)], [("a", 0.9), ("y", 0.05)]]))
    assert decision.answers == ("b", "a")


def test_a_part_that_drifts_alone_is_not_answered() -> None:
    # Sure alone, but the whole message does not rank it: a follow-up of the first question.
    assert decide(parse([("a", 0.9), ("b", 0.05)], [[("a", 0.9)], [("z", 0.95), ("a", 0.01)]])).answers == ("a",)
    # Ranked by the whole, but the part itself is unsure.
    assert decide(parse([("a", 0.8), ("b", 0.1)], [[("a", 0.9)], [("b", 0.5), ("a", 0.3)]])).answers == ("a",)
    # The first answer is not what any part asks on its own.
    assert decide(parse([("a", 0.8), ("b", 0.1)], [[("c", 0.9)], [("b", 0.95)]])).answers == ("a",)


def test_an_unsure_whole_offers_what_each_question_asks() -> None:
    decision = decide(parse([("a", 0.3), ("b", 0.25), ("c", 0.1), ("d", 0.05)], [[("a", 0.9)], [("d", 0.9)]]))
    assert decision.answers == () and decision.offers == ("a", "b", "c", "d")


def test_at_most_two_answers() -> None:
    whole = [("a", 0.6), ("b", 0.2), ("c", 0.1)]
    parts = [[("a", 0.9)], [("b", 0.9)], [("c", 0.9)]]
    assert decide(parse(whole, parts)).answers == ("a", "b")
