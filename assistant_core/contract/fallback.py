"""Misses: ask to rephrase once; on the second miss in a row, hand off and record the question."""

from __future__ import annotations

from assistant_core.contract.base import Feature

ACTION = "action_fallback"
RASA_FALLBACK = "action_default_fallback"  # Rasa's own
NLU_FALLBACK = "nlu_fallback"  # Rasa's FallbackClassifier intent
MISSES = "misses"
UTTER_DEFAULT = "utter_default"
UTTER_HANDOFF = "utter_handoff"
HANDOFF_AFTER = 2

FEATURE = Feature(
    name="fallback",
    actions=(ACTION,),
    slots=(MISSES,),
    responses=(UTTER_DEFAULT, UTTER_HANDOFF),
)
