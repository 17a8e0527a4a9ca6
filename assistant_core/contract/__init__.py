"""The conversation contract, declared once per feature.

Every name that two sides must agree on lives here: intents and entities (NLU and domain), custom
actions and slots (domain and action server), button payloads (actions, bot, Rasa channel), text
keys with their placeholders (code and content/), and the calculator's reason codes. The bot, the
actions, the Rasa-side components, the content checker and the analytics ingester import it;
`tests/core/test_contract.py` checks that domain.yml, stories, rules, content/ and the action
server agree with it.

Standard library only: the Rasa environment imports it too (rasa_components).
"""

from __future__ import annotations

from assistant_core.contract import (
    calculator,
    fallback,
    faq,
    feedback,
    obligation,
    privacy,
    registration,
    reminders,
    scope,
    smalltalk,
)
from assistant_core.contract.base import Feature, is_payload, parse_payload, payload

FEATURES: tuple[Feature, ...] = (
    smalltalk.FEATURE,
    faq.FEATURE,
    calculator.FEATURE,
    obligation.FEATURE,
    registration.FEATURE,
    feedback.FEATURE,
    reminders.FEATURE,
    privacy.FEATURE,
    fallback.FEATURE,
    scope.FEATURE,
)

# Payloads any client may send without having been offered them: the entry points that Telegram
# commands and menus map to. Everything else starting with "/" must have been offered as a button.
ALWAYS_ALLOWED_PAYLOADS: frozenset[str] = frozenset(p for f in FEATURES for p in f.entry_payloads)


def _union(part: str) -> frozenset[str]:
    return frozenset(name for feature in FEATURES for name in getattr(feature, part))


INTENTS = _union("intents")
ACTIONS = _union("actions")
SLOTS = _union("slots")
ENTITIES = _union("entities")
FORMS = _union("forms")
RESPONSES = _union("responses")


def bot_texts() -> dict[str, frozenset[str]]:
    """Every key looked up in content/texts.yml, with the placeholders it may use."""
    return {key: values for feature in FEATURES for key, values in feature.texts.items()}


def guide_texts() -> dict[str, frozenset[str]]:
    """Every fixed key looked up in content/guide.yml, with the variables the code passes."""
    return {key: values for feature in FEATURES for key, values in feature.guide_texts.items()}


__all__ = [
    "ACTIONS",
    "ALWAYS_ALLOWED_PAYLOADS",
    "ENTITIES",
    "FEATURES",
    "FORMS",
    "INTENTS",
    "RESPONSES",
    "SLOTS",
    "Feature",
    "bot_texts",
    "calculator",
    "fallback",
    "faq",
    "feedback",
    "guide_texts",
    "is_payload",
    "obligation",
    "parse_payload",
    "payload",
    "privacy",
    "registration",
    "reminders",
    "scope",
    "smalltalk",
]
