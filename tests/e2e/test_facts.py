"""Dated facts through the real trained model, Rasa server and action server, on pinned dates.

The action server decides which facts apply (ASSISTANT_TODAY), so each test restarts only the action
server with its date (the on_date fixture in conftest.py); Rasa and the trained model stay as they are.
"""

from __future__ import annotations

import itertools
import json
import urllib.request
from typing import Any

import pytest

from supervisor.stack import Stack

pytestmark = pytest.mark.e2e
_ids = itertools.count()


class Chat:
    def __init__(self, stack: Stack) -> None:
        self.url = stack.settings.rest_webhook
        self.sender = f"facts-{next(_ids)}"
        self.buttons: list[str] = []

    def say(self, text: str) -> str:
        body = json.dumps({"sender": self.sender, "message": text}).encode()
        request = urllib.request.Request(self.url, data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            replies: list[dict[str, Any]] = json.loads(response.read())
        assert replies, "every turn must be answered"
        self.buttons = [b["title"] for r in replies for b in r.get("buttons", [])]
        return "\n".join(r.get("text", "") for r in replies)


TODAY = "2026-12-05"
STALE = "2027-03-02"  # the day after the JP figures' review date, with no 2027 value in content


@pytest.mark.parametrize("on_date", [TODAY], indirect=True)
def test_jp_cap_and_jkp_condition_today(on_date: Stack) -> None:
    chat = Chat(on_date)
    cap = chat.say("batas upah jp brp skrg")
    assert "Rp11.086.300 per bulan" in cap and "berlaku sejak 1 Maret 2026" in cap
    assert "Rp221.726" in cap and "Rp110.863" in cap
    assert "angka terakhir yang kami ketahui" not in cap and "berlaku sekarang" not in cap
    jkp = chat.say("syarat klaim jkp apa aja")
    assert "12 bulan dalam 24 bulan" in jkp and "tidak harus berturut-turut" in jkp
    assert "sejauh ini tidak ada kabar perubahan" not in jkp


@pytest.mark.parametrize("on_date", [TODAY], indirect=True)
def test_owner_calculation_uses_the_income_bracket(on_date: Stack) -> None:
    chat = Chat(on_date)
    chat.say("/calc_iuran")
    chat.say("Untuk saya sendiri (pemilik)")
    chat.say("2,75 juta")
    chat.say("Ya, dengan JHT")
    reply = chat.say("Transportasi (ojol, kurir, sopir)")
    # Lampiran II: Rp2.700.000-Rp3.199.999 -> base Rp2.950.000; JKK 29.500 and JKM 6.800 halved
    # (transport, PP 50/2025, Dec 2026) = 14.750 + 3.400; JHT 2% of the base = 59.000.
    assert "masuk tingkat Rp2.700.000 - Rp3.199.999" in reply and "dasar iuran Rp2.950.000" in reply
    assert "JKK: Rp14.750" in reply and "JHT: Rp59.000" in reply
    assert "Total sebulan: Rp77.150" in reply


@pytest.mark.parametrize("on_date", [STALE], indirect=True)
def test_past_the_review_date_the_figure_is_the_last_known_one(on_date: Stack) -> None:
    chat = Chat(on_date)
    cap = chat.say("batas upah jp brp skrg")
    assert "Rp11.086.300" in cap and "angka terakhir yang kami ketahui" in cap
    assert "(berlaku sejak 1 Maret 2026;" not in cap  # never stated as simply current
    assert "175" in cap and "JMO" in cap and "bpjsketenagakerjaan.go.id" in cap
    chat.say("Gaji karyawan saya 15 juta, 1 orang, berapa iurannya sebulan?")
    chat.say("Sangat rendah")
    result = chat.say("Menengah")
    assert "JP: pemberi kerja Rp221.726, pekerja Rp110.863" in result  # still the last known cap
    assert "angka terakhir yang kami ketahui" in result and "Mohon dicek" in result


@pytest.mark.parametrize("on_date", [TODAY], indirect=True)
def test_a_wage_in_the_question_gets_the_users_own_figure(on_date: Stack) -> None:
    """Issue "Open world" point 6: a benefit or BPU question that states the wage is answered with the
    figure for that wage, computed from the facts in force (60% of min(wage, Rp5 juta) for JKP)."""
    chat = Chat(on_date)
    jkp = chat.say("gaji saya 4 juta, kalau kena phk dapat jkp berapa?")
    assert "Untuk upah Rp4.000.000 per bulan" in jkp and "Rp2.400.000 per bulan" in jkp and "Rp14.400.000" in jkp
    capped = chat.say("gaji 7 juta kena phk jkp nya brp")
    assert "Rp3.000.000 per bulan" in capped and "paling tinggi Rp5.000.000" in capped
    bpu = chat.say("penghasilan saya 2 juta sebulan dari jualan, ikut bpjs mandiri bayar berapa?")
    assert "Untuk penghasilan Rp2.000.000" in bpu and "Rp26.800" in bpu and "Rp13.400" in bpu
    jkk = chat.say("karyawan saya gajinya 5 juta, kalau meninggal karena kecelakaan kerja santunannya berapa")
    assert "Rp240.000.000" in jkk and "Rp280.000.000" in jkk
    general = chat.say("manfaat jkp apa aja")
    assert "Untuk upah" not in general
