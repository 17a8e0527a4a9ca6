"""Issue "Open world" point 4 through the real trained model: a message that asks two things gets
both answered; a story with one question, or a follow-up about the same thing, gets one answer."""

from __future__ import annotations

import re
from typing import Any

import pytest

from assistant_core.settings import Settings
from tests.e2e.test_rest_channel import say

pytestmark = pytest.mark.e2e

RATED = re.compile(r'"topic":\s*"([a-z0-9_]+)"')


def answered(replies: list[dict[str, Any]]) -> list[str]:
    """The entries answered, in order: each answer carries its own 👍/👎 buttons naming it."""
    keys: list[str] = []
    for reply in replies:
        for button in reply.get("buttons") or []:
            match = RATED.search(button.get("payload", ""))
            if match and button["payload"].startswith("/feedback") and match.group(1) not in keys:
                keys.append(match.group(1))
    return keys


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "kalau telat bayar iuran dendanya berapa? terus kalau karyawan kecelakaan pas nunggak gimana?",
            ["batas_bayar_denda", "kecelakaan_menunggak"],
        ),
        (
            "Pak saya buka usaha laundry dengan 2 pegawai. Mau tanya, program apa saja yang wajib untuk "
            "usaha mikro? Dan sanksinya apa kalau tidak daftar?",
            ["wajib_program_ukuran", "sanksi"],
        ),
        ("batas upah jp tahun ini berapa? dan iuran jp berapa persen?", ["batas_upah_jp", "iuran_jp_pu"]),
    ],
)
def test_two_questions_get_two_answers_in_the_order_asked(settings: Settings, text: str, expected: list[str]) -> None:
    replies = say(settings, f"two-{expected[0]}", text)
    assert answered(replies) == expected
    texts = [r.get("text", "") for r in replies if r.get("text")]
    assert len(texts) == 2 and texts[0] != texts[1]


def test_a_story_with_one_question_gets_one_answer(settings: Settings) -> None:
    replies = say(
        settings,
        "two-story",
        "Saya punya toko kelontong, karyawan 3 orang, gajinya di bawah UMR. Kemarin ada yang bilang "
        "usaha kecil tidak usah ikut. Apakah saya tetap wajib mendaftarkan mereka ke BPJS Ketenagakerjaan?",
    )
    assert len(answered(replies)) == 1


def test_a_follow_up_about_the_same_thing_is_not_a_second_answer(settings: Settings) -> None:
    # Scored alone, "berapa iuran maksimalnya per bulan?" drifts to the BPU contribution entry.
    replies = say(
        settings,
        "two-followup",
        "Bagaimana perhitungan iuran Jaminan Pensiun bagi pekerja penerima upah dan berapa iuran "
        "maksimalnya per bulan?",
    )
    assert answered(replies) == ["iuran_jp_pu"]
