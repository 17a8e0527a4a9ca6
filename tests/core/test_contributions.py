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
FACTS = build_snapshot(ROOT / "content").facts


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
        FACTS, month(example["month"]), example["income"], example["programs"], example["sector"]
    )
    expected = example["expected"]
    for program in ("jkk", "jkm", "jht"):
        assert result.lines.get(program, 0) == expected[program], program
    assert result.total == expected["total"]


def test_sources_name_the_regulations() -> None:
    result = pu_contributions(FACTS, date(2026, 11, 1), [5_000_000], "medium", ["jkk", "jkm", "jht", "jp"])
    assert {"PP 44/2015", "PP 46/2015", "PP 45/2015"} <= set(result.sources)
    bpu = bpu_contributions(FACTS, date(2026, 11, 1), 1_000_000, ["jkk", "jkm"], "other")
    assert "PP 50/2025" in bpu.sources


@pytest.mark.parametrize("bad", [{"risk": "extreme"}, {"programs": ["jkp"]}, {"wages": [0]}, {"wages": []}])
def test_invalid_inputs_are_refused(bad: dict[str, Any]) -> None:
    args: dict[str, Any] = {"wages": [3_000_000], "risk": "low", "programs": ["jkk"]} | bad
    with pytest.raises(ValueError):
        pu_contributions(FACTS, date(2026, 11, 1), args["wages"], args["risk"], args["programs"])


def test_bpu_income_below_minimum_is_refused() -> None:
    with pytest.raises(ValueError):
        bpu_contributions(FACTS, date(2026, 11, 1), 900_000, ["jkk", "jkm"], "other")
