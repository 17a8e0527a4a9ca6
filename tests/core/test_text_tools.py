"""Masking of personal data, slang normalisation and the FAQ confidence decision."""

from __future__ import annotations

import time

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
        # Ways people really write them, and ways a hostile input hides them.
        ("hubungi (0812) 3456-7890", "3456-7890", "[nomor telepon]"),
        ("hp 0812.3456.7890", "0812.3456.7890", "[nomor telepon]"),
        ("hp081234567890", "081234567890", "[nomor telepon]"),
        ("wa+6281234567890", "6281234567890", "[nomor telepon]"),
        ("wa6289512371806", "6289512371806", "[nomor telepon]"),
        ("nik 3174.0123.4567.8901", "3174.0123.4567.8901", "[nomor kartu]"),
        ("no ０８１２３４５６７８９０", "８１２３４５６７８９０", "[nomor telepon]"),
        ("nik 3174\u200b0123\u200b4567\u200b8901", "0123", "[NIK/KK]"),
        ("hp 0812\u00ad3456\u200e7890", "3456", "[nomor telepon]"),
    ],
)
def test_personal_data_is_masked(text: str, hidden: str, placeholder: str) -> None:
    masked = mask_personal_data(text)
    assert hidden not in masked
    assert placeholder in masked


@pytest.mark.parametrize(
    "text",
    [
        "gaji 3500000 per bulan",
        "iuran 0,24% dari upah",
        "tahun 2026",
        "3 karyawan",
        "gaji 3.500.000",
        "omzet rp62800000000",
        "omzet 62.800.000.000",
        "tanggal 08-12-2024",
    ],
)
def test_ordinary_numbers_are_kept(text: str) -> None:
    assert mask_personal_data(text) == text


def test_text_is_cleaned_of_what_hides_data_or_breaks_storage() -> None:
    # Invisible and control characters go, whitespace stays; a lone surrogate (which a database
    # refuses to encode) is replaced.
    assert mask_personal_data("a\u200bb\x00c\x1b[31m\td\ne") == "abc[31m\td\ne"
    assert mask_personal_data("\ud83d halo").encode() == b"? halo"
    assert mask_personal_data("iuran 😀 ℹ") == "iuran 😀 ℹ"


@pytest.mark.parametrize("text", ["a" * 100_000, "1" * 100_000, "0812-" * 20_000, "a." * 50_000])
def test_masking_time_grows_linearly(text: str) -> None:
    # The e-mail pattern once restarted at every letter of a long word: 38 s for 100,000 letters.
    started = time.perf_counter()
    mask_personal_data(text)
    assert time.perf_counter() - started < 1.0


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
