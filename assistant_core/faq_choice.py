"""Decides which FAQ entry a parsed message asks for, judging the ResponseSelector's confidence.

Rasa's FallbackClassifier looks only at intent confidence; a confident "faq" intent can still
carry an unsure choice among entries, so the answer is given only when the selector is sure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant_core.contract import faq

# Chosen on the dev set (scripts/tune_threshold.py, never the held-out set), scoring a right answer
# +1, a "Maksud Anda…?" offer that contains the right topic +0.5 and a wrong answer -1 (people act
# on figures). With the FaqBlender in the pipeline (2026-11-27) the optimum is a plateau at a
# margin of 0.15 for any floor up to 0.25: 92.9% right, 2.5% wrong (Rasa's selector alone, with
# its own optimum of 0.45/0.08, gave 85.5% right and 3.4% wrong on the same set).
MIN_CONFIDENCE = 0.2
MIN_MARGIN = 0.15
CANDIDATES = 3


@dataclass(frozen=True)
class FaqChoice:
    key: str | None  # the entry to answer, or None when unsure
    confidence: float = 0.0
    candidates: tuple[str, ...] = field(default_factory=tuple)  # likeliest entries when unsure


def _strip(intent_response_key: Any) -> str | None:
    if isinstance(intent_response_key, str) and "/" in intent_response_key:
        return intent_response_key.split("/", 1)[1]
    return None


def choose(parse_data: dict[str, Any]) -> FaqChoice:
    """Pick the entry from a topic button's entity, or from the ResponseSelector if confident."""
    if (parse_data.get("intent") or {}).get("name") == faq.CHOOSE_TOPIC:
        for entity in parse_data.get("entities") or []:
            if entity.get("entity") == faq.TOPIC and isinstance(entity.get("value"), str):
                return FaqChoice(entity["value"], 1.0)
        return FaqChoice(None)
    selectors = parse_data.get("response_selector") or {}
    # "faq" when the selector is bound to the retrieval intent (ours); "default" in Rasa's defaults.
    selector = selectors.get(faq.INTENT) or selectors.get("default") or {}
    ranking = [r for r in selector.get("ranking") or [] if _strip(r.get("intent_response_key"))]
    top = selector.get("response") or {}
    key = _strip(top.get("intent_response_key"))
    confidence = float(top.get("confidence") or 0.0)
    second = float(ranking[1].get("confidence") or 0.0) if len(ranking) > 1 else 0.0
    if key and confidence >= MIN_CONFIDENCE and confidence - second >= MIN_MARGIN:
        return FaqChoice(key, confidence)
    candidates = tuple(k for k in (_strip(r.get("intent_response_key")) for r in ranking[:CANDIDATES]) if k)
    return FaqChoice(None, confidence, candidates or ((key,) if key else ()))


# The parts of a message that each ask something (assistant_core/segments.py), as the FAQ model
# scored them one by one: [{"text": ..., "intent": ..., "ranking": [{"key": ..., "confidence": ...}]}].
PARTS = "faq_parts"
MAX_ANSWERS = 2
# A second entry is answered only when the part that asks it is this sure of it on its own, and the
# whole message gives it at least this much. Chosen on both dev sets (no second answer on any of
# their 834 questions is wrong at these values; 0.0 support let two wrong ones through).
SECOND_PART = 0.7
SECOND_SUPPORT = 0.03
MAX_OFFERS = 4


@dataclass(frozen=True)
class FaqDecision:
    answers: tuple[str, ...] = ()  # entries to answer, in the order they were asked
    offers: tuple[str, ...] = ()  # entries to offer as "Maksud Anda…?" buttons
    confidence: float = 0.0


def _part_choice(part: dict[str, Any]) -> FaqChoice:
    if part.get("intent") != faq.INTENT:
        return FaqChoice(None)
    ranking = [r for r in part.get("ranking") or [] if isinstance(r.get("key"), str)]
    if not ranking:
        return FaqChoice(None)
    top = float(ranking[0].get("confidence") or 0.0)
    second = float(ranking[1].get("confidence") or 0.0) if len(ranking) > 1 else 0.0
    keys = tuple(str(r["key"]) for r in ranking[:CANDIDATES])
    if top >= MIN_CONFIDENCE and top - second >= MIN_MARGIN:
        return FaqChoice(keys[0], top)
    return FaqChoice(None, top, keys)


def _unique(keys: Any) -> tuple[str, ...]:
    return tuple(dict.fromkeys(k for k in keys if k))


def _whole_ranking(parse_data: dict[str, Any]) -> dict[str, float]:
    selectors = parse_data.get("response_selector") or {}
    selector = selectors.get(faq.INTENT) or selectors.get("default") or {}
    ranking = {}
    for r in selector.get("ranking") or []:
        key = _strip(r.get("intent_response_key"))
        if key:
            ranking[key] = float(r.get("confidence") or 0.0)
    return ranking


def decide(parse_data: dict[str, Any]) -> FaqDecision:
    """What to answer for a message that may ask more than one thing.

    The whole message decides as before (choose). When it asks two things, a second entry is
    answered too only if both agree on it: the part that asks it, scored on its own, is sure of
    it, and the whole message ranks it among its likeliest (at least SECOND_SUPPORT). A part
    scored alone, without the rest of the message, often drifts to a neighbouring entry; on the
    real dev set answering every sure part added more wrong answers than right ones.
    """
    whole = choose(parse_data)
    support = _whole_ranking(parse_data)
    parts = [_part_choice(p) for p in parse_data.get(PARTS) or [] if isinstance(p, dict)]
    second = _unique(
        p.key for p in parts if p.key and p.confidence >= SECOND_PART and support.get(p.key, 0.0) >= SECOND_SUPPORT
    )
    if whole.key is None:
        # Unsure of the whole: offer its likeliest entries and what each question asks on its own.
        offers = _unique([*whole.candidates, *second])[:MAX_OFFERS]
        return FaqDecision((), offers, whole.confidence)
    if whole.key not in {p.key for p in parts}:
        return FaqDecision((whole.key,), (), whole.confidence)  # no part asks the first on its own
    extra = [k for k in second if k != whole.key][: MAX_ANSWERS - 1]
    asked = [p.key for p in parts]
    # In the order the message asks them.
    answers = sorted((whole.key, *extra), key=lambda k: asked.index(k) if k in asked else len(asked))
    return FaqDecision(tuple(answers), (), whole.confidence)
