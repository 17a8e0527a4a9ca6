"""FAQ answers: the retrieval intent `faq/<key>`, topic buttons, "Maksud Anda…?" offers."""

from __future__ import annotations

from assistant_core.contract.base import Feature, keys, payload

INTENT = "faq"  # the retrieval intent; its response keys are faq/<entry key>
CHOOSE_TOPIC = "choose_topic"  # a topic button: the entry named by the `topic` entity
TOPIC = "topic"
ACTION = "action_answer_faq"
UTTER_CONTENT_UNAVAILABLE = "utter_content_unavailable"


def topic_payload(key: str) -> str:
    return payload(CHOOSE_TOPIC, **{TOPIC: key})


FEATURE = Feature(
    name="faq",
    intents=(INTENT, CHOOSE_TOPIC),
    entities=(TOPIC,),
    actions=(ACTION,),
    responses=(UTTER_CONTENT_UNAVAILABLE,),
    texts=keys(
        "did_you_mean",
        "did_you_mean_none",
        "fact_status_current(since, update_note)",
        "fact_status_stale(since, update_note)",
        "stale_fact_notice(label, value, since, update_note, review_by)",
    ),
)
