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


def intents() -> frozenset[str]:
    return frozenset(i for f in FEATURES for i in f.intents)


def actions() -> frozenset[str]:
    return frozenset(a for f in FEATURES for a in f.actions)


def slots() -> frozenset[str]:
    return frozenset(s for f in FEATURES for s in f.slots)


def entities() -> frozenset[str]:
    return frozenset(e for f in FEATURES for e in f.entities)


def forms() -> frozenset[str]:
    return frozenset(x for f in FEATURES for x in f.forms)


def responses() -> frozenset[str]:
    return frozenset(r for f in FEATURES for r in f.responses)


def bot_texts() -> dict[str, frozenset[str]]:
    """Every key looked up in content/texts.yml, with the placeholders it may use."""
    found: dict[str, frozenset[str]] = {}
    for feature in FEATURES:
        found.update(feature.texts)
    return found


def guide_texts() -> dict[str, frozenset[str]]:
    """Every fixed key looked up in content/guide.yml, with the variables the code passes."""
    found: dict[str, frozenset[str]] = {}
    for feature in FEATURES:
        found.update(feature.guide_texts)
    return found


__all__ = [
    "ALWAYS_ALLOWED_PAYLOADS",
    "FEATURES",
    "Feature",
    "actions",
    "bot_texts",
    "calculator",
    "entities",
    "fallback",
    "faq",
    "feedback",
    "forms",
    "guide_texts",
    "intents",
    "is_payload",
    "obligation",
    "parse_payload",
    "payload",
    "privacy",
    "registration",
    "reminders",
    "responses",
    "scope",
    "slots",
    "smalltalk",
]
