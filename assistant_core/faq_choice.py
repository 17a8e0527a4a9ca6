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
