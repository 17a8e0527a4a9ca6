"""Summarise `rasa test nlu --cross-validation` reports (`make crossval` runs it after the folds).

Rasa pools the five test folds and writes intent and response-selection reports; this prints the
figures we quote beside the held-out evaluation: intent accuracy and macro F1, out-of-scope
precision and recall, the FAQ entry the ResponseSelector picks (accuracy, macro F1), and the ten
most confused pairs. Every example is predicted by a model that did not train on it, but the
examples are our training phrasings (short, misspelt and near-duplicate variants on purpose), not
users' questions: the held-out set (`make eval`) is the quality figure, this one shows which
entries' phrasings overlap.

Usage: python scripts/crossval_summary.py [var/results/crossval]
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from assistant_core.contract import scope


def _load(folder: Path, name: str) -> object:
    path = folder / name
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def main() -> int:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "var/results/crossval")
    intents = _load(folder, "intent_report.json")
    if not isinstance(intents, dict):
        print(f"no intent_report.json in {folder}: run `make crossval` first", file=sys.stderr)
        return 1
    responses = _load(folder, "response_selection_report.json")

    oos = intents.get(scope.OUT_OF_SCOPE, {})
    rows = [
        ("intent accuracy", f"{intents['accuracy']:.1%}"),
        ("intent macro F1", f"{intents['macro avg']['f1-score']:.3f}"),
        ("out-of-scope precision", f"{oos.get('precision', 0):.1%}"),
        ("out-of-scope recall", f"{oos.get('recall', 0):.1%}"),
    ]
    if isinstance(responses, dict):
        faq_count = sum(v["support"] for k, v in responses.items() if isinstance(v, dict) and "/" in k)
        rows += [
            (f"FAQ entry accuracy ({faq_count} FAQ phrasings)", f"{responses['accuracy']:.1%}"),
            ("FAQ entry macro F1", f"{responses['macro avg']['f1-score']:.3f}"),
        ]
    width = max(len(name) for name, _ in rows)
    print("5-fold cross-validation, pooled test folds")
    for name, value in rows:
        print(f"  {name:<{width}}  {value:>7}")

    pairs: Counter[tuple[str, str]] = Counter()
    for error in _load(folder, "intent_errors.json") or []:
        pairs[(error["intent"], error["intent_prediction"]["name"])] += 1
    for error in _load(folder, "response_selection_errors.json") or []:
        got = error["intent_response_key_prediction"]["name"]
        pairs[(error["intent_response_key_target"], got or "(none)")] += 1
    print("\nTen most confused pairs (expected -> got, count; intents and FAQ entries):")
    for (expected, got), count in pairs.most_common(10):
        print(f"    {expected:<32} -> {got:<32} {count}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
