"""The real-question grading table counts what tests/real/GRADING.md defines."""

from __future__ import annotations

from pathlib import Path

import yaml

from scripts.real_grades import IN_SCOPE, OUT_OF_SCOPE, main, table
from scripts.real_split import bucket, norm

ROOT = Path(__file__).resolve().parents[2]


def item(grade: str | None, scope: str = "in") -> dict[str, object]:
    return {"q": f"q{id(object())}", "scope": scope, "grade": grade}


def test_the_table_counts_in_scope_and_out_of_scope_apart() -> None:
    items = [item("right")] * 6 + [item("useful_offer"), item("bad_offer"), item("wrong_fact"), item("fallback")]
    items += [item("oos_right", "kesehatan"), item("oos_wrong", "pajak")]
    result = table(items)
    assert result["in_scope"] == 10
    assert result["right"] == 0.6
    assert result["right_or_useful_offer"] == 0.7
    assert result["wrong_topic_or_fact"] == 0.1
    assert result["offers"] == 0.2
    assert result["offers_with_a_right_topic"] == 0.5
    assert result["out_of_scope_right"] == 0.5
    assert result["out_of_scope_by_kind"] == {"kesehatan": {"oos_right": 1}, "pajak": {"oos_wrong": 1}}


def test_an_ungraded_or_unknown_grade_fails_the_table(tmp_path: Path) -> None:
    path = tmp_path / "t.yml"
    path.write_text(yaml.safe_dump([item("right"), item(None), item("right", "kur")]))
    assert table(yaml.safe_load(path.read_text()))["grades_not_in_the_rule"]
    assert main([str(path)]) == 1


def test_every_grade_of_the_rule_is_counted() -> None:
    rule = (ROOT / "tests" / "real" / "GRADING.md").read_text()
    for grade in IN_SCOPE + OUT_OF_SCOPE:
        assert f"| `{grade}` |" in rule


def test_the_split_ignores_case_punctuation_and_spacing() -> None:
    assert norm("Iuran JKM  brp??") == "iuran jkm brp"
    assert bucket("Iuran JKM  brp??") == bucket("iuran jkm brp")
    assert 0 <= bucket("apa saja") < 100
