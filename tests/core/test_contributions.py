"""Contribution rules against worked examples computed by hand from the reference (not by this code)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import yaml

from assistant_core.content.repository import build_snapshot
from assistant_core.contributions import bpu_contributions, pu_contributions
from assistant_core.settings import ROOT

EXAMPLES = yaml.safe_load((ROOT / "tests" / "core" / "contribution_examples.yml").read_text())["examples"]
SNAPSHOT = build_snapshot(ROOT / "content")
FACTS = SNAPSHOT.facts
BRACKETS = SNAPSHOT.tables["bpu_income_brackets"]


def month(text: str) -> date:
    year, mon = text.split("-")
    return date(int(year), int(mon), 1)


def test_table_is_large_enough() -> None:
    assert len(EXAMPLES) >= 30


@pytest.mark.parametrize("example", [e for e in EXAMPLES if e["kind"] == "pu"], ids=lambda e: e["name"])
def test_employee_contributions(example: dict[str, Any]) -> None:
    result = pu_contributions(FACTS, month(example["month"]), example["workers"], example["risk"], example["programs"])
    expected = example["expected"]
    for program in example["programs"]:
        line = result.lines[program]
        assert (line.employer, line.worker) == (expected[program]["employer"], expected[program]["worker"]), program
    assert (result.total.employer, result.total.worker) == (expected["total"]["employer"], expected["total"]["worker"])
    assert set(result.lines) == set(example["programs"])


@pytest.mark.parametrize("example", [e for e in EXAMPLES if e["kind"] == "bpu"], ids=lambda e: e["name"])
def test_self_employed_contributions(example: dict[str, Any]) -> None:
    result = bpu_contributions(
        FACTS, BRACKETS, month(example["month"]), example["income"], example["programs"], example["sector"]
    )
    expected = example["expected"]
    for program in ("jkk", "jkm", "jht"):
        assert result.lines.get(program, 0) == expected[program], program
    assert result.total == expected["total"]


def test_sources_name_the_regulations() -> None:
    result = pu_contributions(FACTS, date(2026, 11, 1), [5_000_000], "medium", ["jkk", "jkm", "jht", "jp"])
    assert {"PP 44/2015", "PP 46/2015", "PP 45/2015"} <= set(result.sources)
    bpu = bpu_contributions(FACTS, BRACKETS, date(2026, 11, 1), 1_000_000, ["jkk", "jkm"], "other")
    assert "PP 50/2025" in bpu.sources


@pytest.mark.parametrize("bad", [{"risk": "extreme"}, {"programs": ["jkp"]}, {"wages": [0]}, {"wages": []}])
def test_invalid_inputs_are_refused(bad: dict[str, Any]) -> None:
    args: dict[str, Any] = {"wages": [3_000_000], "risk": "low", "programs": ["jkk"]} | bad
    with pytest.raises(ValueError):
        pu_contributions(FACTS, date(2026, 11, 1), args["wages"], args["risk"], args["programs"])


def test_bpu_income_below_minimum_is_refused() -> None:
    with pytest.raises(ValueError):
        bpu_contributions(FACTS, BRACKETS, date(2026, 11, 1), 900_000, ["jkk", "jkm"], "other")


def test_table_has_bpu_cases_across_brackets() -> None:
    bpu = [e for e in EXAMPLES if e["kind"] == "bpu"]
    bases = {BRACKETS.find(e["income"]).base for e in bpu}  # type: ignore[union-attr]
    assert len(bpu) >= 30 and len(bases) >= 10
    assert {e["sector"] for e in bpu} == {"transport", "other"}
    assert any("jht" in e["programs"] for e in bpu) and any("jht" not in e["programs"] for e in bpu)


@pytest.mark.parametrize(
    ("income", "lower", "upper", "base"),
    [
        (1_000_000, 1_000_000, 1_099_999, 1_000_000),
        (1_099_999, 1_000_000, 1_099_999, 1_000_000),
        (1_100_000, 1_100_000, 1_299_999, 1_200_000),  # the official example: JKK Rp12.000
        (1_500_000, 1_500_000, 1_699_999, 1_600_000),
        (2_700_000, 2_700_000, 3_199_999, 2_950_000),
        (3_200_000, 3_200_000, 3_699_999, 3_450_000),  # first 500.000 step
        (8_199_999, 7_700_000, 8_199_999, 7_950_000),  # last 500.000 step
        (8_200_000, 8_200_000, 9_199_999, 8_700_000),
        (9_200_000, 9_200_000, 10_199_999, 9_700_000),  # first 1.000.000 step
        (20_199_999, 19_200_000, 20_199_999, 19_700_000),
        (20_200_000, 20_200_000, None, 20_700_000),
        (50_000_000, 20_200_000, None, 20_700_000),
    ],
)
def test_bracket_finder(income: int, lower: int, upper: int | None, base: int) -> None:
    bracket = BRACKETS.find(income)
    assert bracket is not None and (bracket.lower, bracket.upper, bracket.base) == (lower, upper, base)


def test_bracket_table_is_contiguous_and_below_the_minimum_is_none() -> None:
    assert BRACKETS.find(999_999) is None
    for earlier, later in zip(BRACKETS.brackets, BRACKETS.brackets[1:], strict=False):
        assert earlier.upper == later.lower - 1 and earlier.base < later.lower
    assert len(BRACKETS.brackets) == 33 and BRACKETS.source == "PP 44/2015 Lampiran II"


def test_bpu_result_names_its_bracket() -> None:
    result = bpu_contributions(FACTS, BRACKETS, date(2025, 6, 1), 50_000_000, ["jkk", "jkm", "jht"], "other")
    assert (result.bracket.base, result.lines["jkk"], result.lines["jht"]) == (20_700_000, 207_000, 414_000)
    assert "PP 44/2015 Lampiran II" in result.sources
