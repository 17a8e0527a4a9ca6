"""The real held-out set (questions people typed, tests/real/heldout.yml) stays frozen and untrained.

It was drawn once by scripts/real_split.py; the hash covers its questions, so a reviewer may correct
an item's `answer_must` or source, but adding, dropping or rewording a question fails here. None of
its questions may appear, even with other case or punctuation, in anything the model or the
FAQ ranker learns from: nlu/, content/ entries, or the drafts waiting in content/drafts/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from assistant_core.settings import ROOT
from scripts.real_split import norm, questions_digest

REAL = ROOT / "tests" / "real"
KEYS = {"q", "source", "who", "scope", "topic", "answer_must", "answer_source"}
SCOPES = {"in", "kesehatan", "pajak", "kur", "bsu", "other_out"}


def heldout() -> list[dict[str, Any]]:
    items = yaml.safe_load((REAL / "heldout.yml").read_text(encoding="utf-8"))
    assert isinstance(items, list)
    return items


def test_real_heldout_questions_are_frozen() -> None:
    assert questions_digest(heldout()) == (REAL / "heldout.sha256").read_text().split()[0], (
        "tests/real/heldout.yml lost, gained or reworded a question; it is frozen (new questions go to "
        "the pool: scripts/real_split.py --pool-only)"
    )


def test_real_heldout_is_large_enough_and_well_formed() -> None:
    items = heldout()
    assert len(items) >= 150
    for item in items:
        assert item.keys() >= KEYS, item["q"]
        assert item["scope"] in SCOPES, item["q"]
        assert item["who"] in {"public", "editor"}, item["q"]
        assert str(item["source"]).strip() and str(item["answer_must"]).strip(), item["q"]


def test_pool_and_heldout_do_not_share_a_question() -> None:
    pool = yaml.safe_load((REAL / "pool.yml").read_text(encoding="utf-8")) or []
    assert not {norm(t["q"]) for t in heldout()} & {norm(t["q"]) for t in pool}


def _yaml_strings(node: object) -> set[str]:
    """Every string in a YAML document, with list-style example blocks split into their lines."""
    found: set[str] = set()
    if isinstance(node, str):
        found.add(norm(node))
        found |= {norm(line.lstrip("- ")) for line in node.splitlines()}
    elif isinstance(node, dict):
        for value in node.values():
            found |= _yaml_strings(value)
    elif isinstance(node, list):
        for value in node:
            found |= _yaml_strings(value)
    return found


def trained_texts() -> set[str]:
    texts: set[str] = set()
    paths: list[Path] = [*(ROOT / "nlu").rglob("*.yml"), *(ROOT / "content").rglob("*.yml")]
    for path in paths:
        texts |= _yaml_strings(yaml.safe_load(path.read_text(encoding="utf-8")))
    return texts


def test_no_real_heldout_question_is_trained_on() -> None:
    leaked = {norm(t["q"]) for t in heldout()} & trained_texts()
    assert not leaked, f"real held-out questions found in nlu/ or content/: {sorted(leaked)[:5]}"
