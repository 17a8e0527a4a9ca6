"""What the calculator understands from first messages, answers and corrections."""

from __future__ import annotations

from datetime import date

import pytest

from assistant_core.calculator import (
    corrections,
    prefill,
    read_income,
    read_month,
    read_risk,
    read_sector,
    read_size,
    read_target,
    read_wages,
    read_yes_no,
)

TODAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Gaji karyawan saya 3,5 juta, 4 orang, berapa iurannya sebulan?",
            {"calc_target": "pu", "calc_workers": 4.0, "calc_wages": [3500000] * 4},
        ),
        (
            "sy punya 3 karyawan gajinya 3jt, 3,5jt, 4jt bayar brp",
            {"calc_target": "pu", "calc_workers": 3.0, "calc_wages": [3000000, 3500000, 4000000]},
        ),
        ("hitung iuran", {}),
        ("kalau saya daftar mandiri penghasilan 2 juta bayar brp", {"calc_target": "bpu", "calc_income": 2000000.0}),
        ("usaha saya mikro, 5 pegawai", {"calc_target": "pu", "calc_workers": 5.0, "calc_size": "mikro"}),
        (
            "hitung iuran 2 org gaji 4jt utk bulan januari 2027",
            {"calc_target": "pu", "calc_workers": 2.0, "calc_wages": [4000000, 4000000], "calc_month": "2027-01-01"},
        ),
        # A full amount needs no unit: grouped thousands or plain digits (issue "Open world" point 6).
        (
            "hitungin iuran bpjs ketenagakerjaan 5 karyawan gaji 2.800.000",
            {"calc_target": "pu", "calc_workers": 5.0, "calc_wages": [2800000] * 5},
        ),
        ("gaji 2800000 3 orang", {"calc_target": "pu", "calc_workers": 3.0, "calc_wages": [2800000] * 3}),
        # A phone number or NIK is not a wage.
        ("hp 081234567890 gaji 3jt", {"calc_target": "pu", "calc_wages": [3000000]}),
        ("nik 3174012345678901 iuran brp", {}),
    ],
)
def test_prefill_from_first_message(text: str, expected: dict[str, object]) -> None:
    assert prefill(text, TODAY) == expected


def test_wages_one_for_all_or_one_each() -> None:
    assert read_wages("3,5 juta", 3).value == [3500000] * 3
    assert read_wages("3jt, 3,5jt dan 4jt", 3).value == [3000000, 3500000, 4000000]
    assert read_wages("3jt, 4jt", 3).reason == "wage_count_mismatch"
    assert read_wages("UMR", 3).reason == "minimum_wage"
    assert read_wages("3 atau 4 juta", 3).reason == "ambiguous"


def test_income_minimum_for_bpu() -> None:
    assert read_income("900rb", 1_000_000).reason == "below_bpu_minimum"
    assert read_income("1,5 jt", 1_000_000).value == 1_500_000


@pytest.mark.parametrize(
    ("text", "value"),
    [("Sangat rendah", "very_low"), ("tinggi", "high"), ("yg sedang aja", "medium"), ("gak tau", "unknown")],
)
def test_risk(text: str, value: str) -> None:
    assert read_risk(text).value == value


def test_other_answers() -> None:
    assert read_size("Kecil").value == "kecil" and read_size("gatau").reason == "size_unknown"
    assert read_target("Untuk karyawan").value == "pu" and read_target("Saya sendiri (pemilik)").value == "bpu"
    assert read_yes_no("Ya, dengan JHT").value is True and read_yes_no("Tanpa JHT").value is False
    assert read_yes_no("nggak usah").value is False and read_yes_no("hmm").reason == "not_yes_no"
    assert read_sector("Transportasi (ojol, kurir, sopir)").value == "transport"
    assert read_sector("Lainnya (pedagang, petani, pemilik usaha)").value == "other"


def test_corrections_while_answering_something_else() -> None:
    assert corrections("eh gajinya 4 juta", "calc_risk", 2) == {"calc_wages": [4000000, 4000000]}
    assert corrections("salah, karyawannya 6 orang", "calc_risk", 2) == {"calc_workers": 6.0}
    assert corrections("sedang", "calc_risk", 2) == {}


def test_month() -> None:
    assert read_month("untuk bulan januari", TODAY) == date(2027, 1, 1)
    assert read_month("bulan desember", TODAY) == date(2026, 12, 1)
    assert read_month("periode 2027-03", TODAY) == date(2027, 3, 1)
    assert read_month("iuran bulan ini", TODAY) is None
