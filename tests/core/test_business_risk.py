"""Business type -> JKK risk group suggestions, from the real content/business_risk.yml."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from assistant_core.business_risk import AskType, BusinessType, parse_table
from assistant_core.content.check import check_content
from assistant_core.content.repository import build_snapshot
from assistant_core.settings import ROOT
from tests.core.test_content_check import TODAY

TABLE = build_snapshot(ROOT / "content").business


@pytest.mark.parametrize(
    ("text", "risk"),
    [
        ("usaha saya laundry kiloan", "low"),
        ("saya buka warung makan padang", "low"),
        ("jualan bakso", "low"),
        ("toko kelontong", "very_low"),
        ("konveksi kaos sablon", "very_low"),
        ("Salon kecantikan", "very_low"),
        ("kontraktor renovasi rumah", "very_high"),
        ("percetakan undangan", "medium"),
        ("angkutan truk pasir", "high"),
        ("kos-kosan 20 kamar", "low"),
        ("Servis kendaraan", "medium"),
        ("Warung sembako (jual barang)", "very_low"),
    ],
)
def test_named_business_gets_its_group(text: str, risk: str) -> None:
    found = TABLE.match(text)
    assert isinstance(found, BusinessType) and found.risk == risk


@pytest.mark.parametrize(("text", "ask"), [("warung", "warung"), ("bengkel motor", "bengkel"), ("nelayan", "nelayan")])
def test_business_in_two_groups_gets_a_question(text: str, ask: str) -> None:
    found = TABLE.match(text)
    assert isinstance(found, AskType) and found.key == ask
    assert all(TABLE.match(c.button) == TABLE.types[c.type] for c in found.choices)


@pytest.mark.parametrize("text", ["saya mau tahu dulu", "laundry dan bengkel mesin", "apa itu", "", "rendah"])
def test_nothing_or_conflict_is_not_guessed(text: str) -> None:
    assert TABLE.match(text) is None


def test_every_type_cites_the_lampiran_and_a_known_group() -> None:
    assert len(TABLE.types) >= 30
    for business in TABLE.types.values():
        assert business.lampiran and business.risk in TABLE.risk_names


def test_broken_table_is_reported(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    target = content / "business_risk.yml"
    text = target.read_text().replace(
        'risk: low\n    lampiran: "Perusahaan binatu', 'risk: rendah\n    lampiran: "Perusahaan binatu'
    )
    text = text.replace("words: [salon,", "words: [kelontong, salon,")
    target.write_text(text)
    found = [str(p) for p in check_content(content, TODAY)]
    assert any(re.match(r"content/business_risk.yml:\d+ \[laundry\]: nilai 'rendah' untuk 'risk'", m) for m in found)
    assert any("kata 'kelontong' juga dipakai" in m for m in found)


def test_choice_button_must_read_back_as_its_type() -> None:
    _, problems = parse_table(
        {
            "risk_names": {"very_low": "a", "low": "b", "medium": "c", "high": "d", "very_high": "e"},
            "types": {
                "toko": {"label": "t", "risk": "very_low", "lampiran": "x", "confidence": "tinggi", "words": ["toko"]}
            },
            "ask": {
                "w": {"question": "q", "words": ["warung"], "choices": [{"button": "Jual barang", "type": "toko"}]}
            },
        }
    )
    assert any("Jual barang" in message for _, message, _ in problems)
