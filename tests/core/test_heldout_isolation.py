"""The held-out set stays frozen and never leaks into training data."""

from __future__ import annotations

import hashlib
import re

import yaml

from assistant_core.content.repository import build_snapshot
from assistant_core.settings import ROOT

HELDOUT = ROOT / "tests" / "heldout"


def norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def test_heldout_is_frozen() -> None:
    digest = hashlib.sha256((HELDOUT / "questions.yml").read_bytes()).hexdigest()
    assert digest == (HELDOUT / "questions.sha256").read_text().split()[0]


def evaluation_texts() -> set[str]:
    texts = set()
    for path in (HELDOUT / "questions.yml", ROOT / "tests" / "dev" / "questions.yml"):
        texts |= {norm(e["text"]) for e in yaml.safe_load(path.read_text())["examples"]}
    # The probes for amounts (point 6) and two questions (point 4) of issue "Open world".
    for path in (ROOT / "tests" / "dev" / "amounts.yml", ROOT / "tests" / "dev" / "two_questions.yml"):
        texts |= {norm(item["q"]) for item in yaml.safe_load(path.read_text())}
    return texts


def test_no_evaluation_question_is_trained_on() -> None:
    """Neither the frozen held-out set nor the dev set used for tuning may appear in training data."""
    heldout = evaluation_texts()
    trained = {norm(q) for e in build_snapshot(ROOT / "content").entries.values() for q in e.questions}
    for path in (ROOT / "nlu").rglob("*.yml"):
        for block in yaml.safe_load(path.read_text()).get("nlu") or []:
            trained |= {norm(line.lstrip("- ")) for line in str(block.get("examples", "")).splitlines()}
    assert not heldout & trained
