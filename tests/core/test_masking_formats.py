"""Personal data as these users type it is masked before anything is stored or logged (issue 20, point 2);
what the calculator needs is not."""

from __future__ import annotations

import re
import time

import pytest

from assistant_core.masking import mask_personal_data

# (message, the digits or text that must not survive)
FORMATS = [
    # KPJ membership numbers: 11 digits, and any number after "KPJ"
    ("no kpj saya 19023456789", "19023456789"),
    ("kpj:19023456789 mau cek saldo", "19023456789"),
    ("KPJ 1902 3456 789", "1902 3456 789"),
    ("kpj sy 14.033.456.789", "14.033.456.789"),
    ("nomor KPJ nya 21012345", "21012345"),
    ("saldo jht kpj no. 0912345678 berapa", "0912345678"),
    ("sy punya 2 kartu 19023456789 dan 17034567890", "17034567890"),
    ("cek 19023456789 dong", "19023456789"),
    # NIK / KK
    ("nik 3174012345678901", "3174012345678901"),
    ("nik 317401 234567 8901", "317401 234567 8901"),
    ("nik 317401-234567-8901", "317401-234567-8901"),
    ("NIK 32.01.12.345678.9012", "32.01.12.345678.9012"),
    ("kk 3201123456 789012", "3201123456 789012"),
    ("no kk 3201.1234.5678.9012", "3201.1234.5678.9012"),
    ("nik 3174 0123 4567 8901", "3174 0123 4567 8901"),
    # Mobile numbers
    ("hp 0812-3456-7890", "0812-3456-7890"),
    ("wa 0812/3456/7890", "0812/3456/7890"),
    ("hub 0812 / 3456 / 7890", "3456"),
    ("wa +62 812 3456 7890", "812 3456 7890"),
    ("telp (0812) 3456-7890", "3456-7890"),
    ("hp 0812.3456.7890", "0812.3456.7890"),
    ("nomor 6281234567890", "6281234567890"),
    # Landlines
    ("kantor 021 1234567", "1234567"),
    ("telp (021) 765-4321", "765-4321"),
    ("hubungi 0274 512345", "512345"),
    ("kantor 021-29191919", "29191919"),
    ("telepon +62 21 1234567", "1234567"),
    ("telp 0361/234567", "234567"),
    # Foreign numbers
    ("saya di malaysia +60 12-345 6789", "345 6789"),
    ("call +1 415 555 0100", "555 0100"),
    ("hk +852 9123 4567", "9123 4567"),
    ("no sy +6012 3456789", "3456789"),
    # NPWP
    ("npwp 01.234.567.8-901.000", "01.234.567.8-901.000"),
    ("npwp 012345678901000", "012345678901000"),
    ("npwp baru 3174012345678901", "3174012345678901"),
    # Bank accounts near "rek", "rekening" or a bank's name
    ("rek BCA 1234567890", "1234567890"),
    ("no rekening: 123-456-7890 atas nama saya", "123-456-7890"),
    ("rekening bri 0123 0100 1234 567", "0123 0100 1234 567"),
    ("tf ke mandiri 1370012345678", "1370012345678"),
    ("norek 7123456789 bsi", "7123456789"),
    ("bank jateng 2003123456", "2003123456"),
    ("saldo masuk ke rek saya 0987654321 kok blm", "0987654321"),
    # Cards
    ("kartu 4111 1111 1111 1111", "4111 1111 1111 1111"),
    ("amex 3782 822463 10005", "3782 822463 10005"),
    ("kartu 3782-822463-10005", "3782-822463-10005"),
    # E-mail
    ("email budi.santoso@gmail.com", "budi.santoso"),
    ("email budi @ gmail.com", "budi"),
    ("email budi[at]gmail.com", "budi"),
    ("email budi (at) gmail (dot) com", "budi"),
    ("emailnya budi.s @gmail .com ya", "budi.s"),
    # Spelled out
    ("hp nol delapan satu dua tiga empat lima enam tujuh delapan", "tiga empat lima"),
    ("nik tiga satu tujuh empat nol satu dua", "tujuh empat nol"),
    ("Nol Delapan Satu Tiga, Dua Dua, Satu Satu", "Dua Dua, Satu Satu"),
    # Hidden by invisible characters or other scripts
    ("kpj 1902\u200b3456789", "3456789"),
    ("hp ０８１２３４５６７８９０", "８１２３４５６７８９０"),
]

KEPT = [
    "gaji 1500 1500 1500",
    "gaji 1500000 1500000 2000000",
    "masa iuran 2024-2025-2026",
    "12 orang",
    "Rp3.500.000",
    "gaji 3500000 per bulan",
    "gaji 3.500.000",
    "omzet rp62800000000",
    "omzet 62.800.000.000",
    "omzet 15000000000 setahun",
    "aset 2500000000",
    "tanggal 08-12-2024",
    "tahun 2026",
    "iuran 0,24% dari upah",
    "3 karyawan gaji 2,5 jt",
    "penghasilan 12000000000 rupiah",
    "2 kpj",
    "umur 56 tahun, masa kerja 10 tahun",
    "dua tiga orang",
]


@pytest.mark.parametrize(("text", "hidden"), FORMATS)
def test_personal_data_formats_are_masked(text: str, hidden: str) -> None:
    masked = mask_personal_data(text)
    assert hidden not in masked, masked
    assert re.search(r"\[[^\]]+\]", masked), masked
    # No run of 5 digits is left of any identifier.
    assert not re.search(r"\d(?:[ .\-/]?\d){4}", masked), masked


def test_the_table_is_large() -> None:
    assert len(FORMATS) >= 50


@pytest.mark.parametrize("text", KEPT)
def test_what_the_calculator_needs_is_kept(text: str) -> None:
    assert mask_personal_data(text) == text


@pytest.mark.parametrize(
    "text", ["kpj " * 30_000, "rek " + "1 " * 50_000, "satu " * 50_000, "+1" * 50_000, "budi @ " * 20_000]
)
def test_masking_stays_linear(text: str) -> None:
    started = time.perf_counter()
    mask_personal_data(text)
    assert time.perf_counter() - started < 1.5
