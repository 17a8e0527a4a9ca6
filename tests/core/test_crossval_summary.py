"""`scripts/crossval_summary.py` turns Rasa's cross-validation reports into the figures we quote."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "crossval_summary.py"


def _run(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), str(folder)], capture_output=True, text=True, check=False)


def test_prints_figures_and_the_most_confused_pairs_across_intents_and_faq_entries(
    tmp_path: Path,
) -> None:
    def report(accuracy: float, f1: float, **classes: dict[str, float]) -> dict[str, object]:
        return {"accuracy": accuracy, "macro avg": {"f1-score": f1}, **classes}

    (tmp_path / "intent_report.json").write_text(
        json.dumps(report(0.9, 0.85, out_of_scope={"precision": 0.75, "recall": 0.5, "support": 4}))
    )
    (tmp_path / "response_selection_report.json").write_text(
        json.dumps(
            report(
                0.8,
                0.7,
                **{
                    "faq/a": {"precision": 1, "recall": 1, "support": 3},
                    "faq/b": {"precision": 1, "recall": 1, "support": 2},
                },
            )
        )
    )
    wrong_intent = {"text": "x", "intent": "greet", "intent_prediction": {"name": "faq"}}
    (tmp_path / "intent_errors.json").write_text(json.dumps([wrong_intent]))
    wrong_entry = {
        "text": "y",
        "intent_response_key_target": "faq/a",
        "intent_response_key_prediction": {"name": "faq/b", "confidence": 0.4},
    }
    (tmp_path / "response_selection_errors.json").write_text(json.dumps([wrong_entry] * 2))

    result = _run(tmp_path)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any("intent accuracy" in line and "90.0%" in line for line in lines)
    assert any("out-of-scope recall" in line and "50.0%" in line for line in lines)
    assert any("FAQ entry accuracy (5 FAQ phrasings)" in line and "80.0%" in line for line in lines)
    pairs = lines[lines.index(next(line for line in lines if "confused" in line)) + 1 :]
    assert pairs[0].split() == ["faq/a", "->", "faq/b", "2"]
    assert pairs[1].split() == ["greet", "->", "faq", "1"]


def test_says_what_to_run_when_there_are_no_reports(tmp_path: Path) -> None:
    result = _run(tmp_path)
    assert result.returncode == 1
    assert "make crossval" in result.stderr
