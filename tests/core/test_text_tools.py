"""Masking of personal data, slang normalisation and the FAQ confidence decision."""

from __future__ import annotations

import pytest

from assistant_core.faq_choice import choose
from assistant_core.masking import mask_personal_data
from assistant_core.normalise import load_lexicon, normalise
from assistant_core.settings import ROOT


@pytest.mark.parametrize(
    ("text", "hidden", "placeholder"),
    [
        ("nik saya 3174012345678901 mau cek", "3174012345678901", "[NIK/KK]"),
        ("hp 0812-3456-7890 ya", "0812-3456-7890", "[nomor telepon]"),
        ("wa +6281234567890", "+6281234567890", "[nomor telepon]"),
        ("email budi.santoso@gmail.com", "budi.santoso@gmail.com", "[email]"),
        ("kartu 4111 1111 1111 1111", "4111 1111 1111 1111", "[nomor kartu]"),
    ],
)
def test_personal_data_is_masked(text: str, hidden: str, placeholder: str) -> None:
    masked = mask_personal_data(text)
    assert hidden not in masked
    assert placeholder in masked


@pytest.mark.parametrize("text", ["gaji 3500000 per bulan", "iuran 0,24% dari upah", "tahun 2026", "3 karyawan"])
def test_ordinary_numbers_are_kept(text: str) -> None:
    assert mask_personal_data(text) == text


def test_normalise_with_real_lexicon() -> None:
    lexicon = load_lexicon(ROOT / "content" / "lexicon.yml")
    assert normalise("Iuran JKM brp?", lexicon) == "iuran jkm berapa?"
    assert "bpjs ketenagakerjaan" in normalise("daftar jamsostek gmn", lexicon)
    assert normalise('/choose_topic{"topic":"iuran_bpu"}', lexicon) == '/choose_topic{"topic":"iuran_bpu"}'


def selector(top: tuple[str, float], *rest: tuple[str, float]) -> dict[str, object]:
    ranking = [{"intent_response_key": f"faq/{k}", "confidence": c} for k, c in (top, *rest)]
    return {
        "intent": {"name": "faq"},
        "response_selector": {
            "faq": {"response": {"intent_response_key": f"faq/{top[0]}", "confidence": top[1]}, "ranking": ranking}
        },
    }


def test_confident_choice_is_answered() -> None:
    assert choose(selector(("iuran_jkm_pu", 0.9), ("jkm_apa", 0.05))).key == "iuran_jkm_pu"


def test_unsure_choice_offers_candidates() -> None:
    choice = choose(selector(("iuran_jkm_pu", 0.40), ("jkm_apa", 0.35), ("jkm_klaim", 0.1)))
    assert choice.key is None
    assert choice.candidates == ("iuran_jkm_pu", "jkm_apa", "jkm_klaim")


def test_close_call_offers_candidates() -> None:
    assert choose(selector(("jkm_apa", 0.50), ("jkm_klaim", 0.46))).key is None


def test_topic_button_wins() -> None:
    parse = {"intent": {"name": "choose_topic"}, "entities": [{"entity": "topic", "value": "iuran_bpu"}]}
    assert choose(parse).key == "iuran_bpu"
