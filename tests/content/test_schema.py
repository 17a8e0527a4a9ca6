"""Content schemas: an unknown key or a wrong type is reported with file, line and an Indonesian fix."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from assistant_core.content.check import check_content

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 12, 7)


def broken(tmp_path: Path, name: str, old: str, new: str) -> list[str]:
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    target = content / name
    text = target.read_text(encoding="utf-8")
    assert old in text, f"{name} no longer contains {old!r}: update the breakage"
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return [str(p) for p in check_content(content, TODAY)]


@pytest.mark.parametrize(
    ("name", "old", "new", "expected"),
    [
        (
            "faq/programs.yml",
            "    related:",
            "    relatd:",
            r"content/faq/programs.yml:\d+ \[\w+\]: kunci 'relatd' tidak dikenal di entri '\w+'.*"
            r"\n    Perbaikan: ganti 'relatd' dengan 'related'",
        ),
        (
            "calculator.yml",
            "\nquestions:",
            "\nquestons:",
            r"content/calculator.yml:\d+: kunci 'questons' tidak dikenal di bagian utama file.*"
            r"\n    Perbaikan: ganti 'questons' dengan 'questions'",
        ),
        (
            "guide.yml",
            "  ask_who:",
            "  ask_whom:",
            r"content/guide.yml:\d+ \[registration\]: kunci 'ask_whom' tidak dikenal di bagian 'registration'.*"
            r"\n    Perbaikan: ganti 'ask_whom' dengan 'ask_who'",
        ),
        (
            "faq/contributions.yml",
            "    offer_calculator: true",
            "    offer_calculator: ya",
            r"content/faq/contributions.yml:\d+ \[\w+\]: 'offer_calculator' di entri '\w+' harus true atau false, "
            r"bukan 'ya'\n    Perbaikan: tulis true atau false",
        ),
        (
            "texts.yml",
            "  menu_button:",
            "  menu_buton:",
            r"content/texts.yml:\d+ \[texts\]: kunci 'menu_buton' tidak dikenal.*"
            r"\n    Perbaikan: ganti 'menu_buton' dengan 'menu_button'",
        ),
    ],
)
def test_unknown_key_or_wrong_type_is_named_with_line_and_fix(
    tmp_path: Path, name: str, old: str, new: str, expected: str
) -> None:
    found = broken(tmp_path, name, old, new)
    assert any(re.fullmatch(expected, m, re.S) for m in found), "\n".join(found)


def test_real_content_is_clean() -> None:
    assert [str(p) for p in check_content(ROOT / "content", TODAY)] == []


def test_an_entry_left_out_for_a_typo_is_reported_once(tmp_path: Path) -> None:
    """The entry with the typo is left out; the entries that name it in `related` are not reported too."""
    found = broken(tmp_path, "faq/contributions.yml", "    related:", "    relatd:")
    assert len([p for p in found if "relatd" in p]) == 1
    assert not [p for p in found if "related menyebut" in p], found
