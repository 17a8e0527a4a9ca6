"""👍/👎 under FAQ answers, recorded with the entry they rate."""

from __future__ import annotations

from typing import Literal, get_args

from assistant_core.contract.base import Feature, keys, payload

INTENT = "feedback"
ACTION = "action_feedback"
RATING = "rating"
TOPIC = "topic"
Rating = Literal["up", "down"]
RATINGS: tuple[Rating, ...] = get_args(Rating)
PREFIX = "/" + INTENT  # the bot keeps these buttons together on the last row


def rating_payload(rating: Rating, topic: str) -> str:
    return payload(INTENT, **{RATING: rating, TOPIC: topic})


FEATURE = Feature(
    name="feedback",
    intents=(INTENT,),
    entities=(RATING, TOPIC),
    actions=(ACTION,),
    texts=keys("feedback_up_button", "feedback_down_button", "feedback_thanks", "feedback_sorry"),
)
