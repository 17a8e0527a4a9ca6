"""Indonesian money and head-count parsing against the table in parsing_examples.yml."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from assistant_core.parsing import parse_count, parse_money
from assistant_core.settings import ROOT

TABLE = yaml.safe_load((ROOT / "tests" / "core" / "parsing_examples.yml").read_text())


def check(parsed: Any, row: dict[str, Any]) -> None:
    if row["expected"] == "refuse":
        assert (parsed.value, parsed.reason) == (None, row["reason"]), row["text"]
    else:
        assert (parsed.value, parsed.reason) == (row["expected"], None), row["text"]


def test_table_size() -> None:
    assert len(TABLE["money"]) + len(TABLE["count"]) >= 50
    refused = [r for r in TABLE["money"] + TABLE["count"] if r["expected"] == "refuse"]
    assert len(refused) >= 10


@pytest.mark.parametrize("row", TABLE["money"], ids=lambda r: r["text"])
def test_money(row: dict[str, Any]) -> None:
    check(parse_money(row["text"]), row)


@pytest.mark.parametrize("row", TABLE["count"], ids=lambda r: r["text"])
def test_count(row: dict[str, Any]) -> None:
    check(parse_count(row["text"]), row)
