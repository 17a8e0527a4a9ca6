"""CSV files of the metrics (the same figures the command prints and the dashboard shows)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from assistant_core.analytics.metrics import Metrics


def _cell(value: int | None) -> str:
    return "<5" if value is None else str(value)


def tables(metrics: Metrics, titles: dict[str, str]) -> dict[str, list[list[str]]]:
    """Every export as rows (the first row is the header), keyed by file name."""
    return {
        "ringkasan": [
            ["metrik", "nilai"],
            ["dari", metrics.start.isoformat()],
            ["sampai", metrics.end.isoformat()],
            ["sumber", metrics.source or "(semua)"],
            ["pengguna", str(metrics.users)],
            ["pengguna_baru", str(metrics.new_users)],
            ["pengguna_kembali", str(metrics.returning_users)],
            ["sesi", str(metrics.sessions)],
            ["pesan", str(metrics.messages)],
            ["tidak_dipahami_persen", f"{metrics.not_understood_share * 100:.1f}"],
            ["di_luar_cakupan_persen", f"{metrics.out_of_scope_share * 100:.1f}"],
            ["dialihkan_ke_kanal_resmi", str(metrics.handoffs)],
            ["pengingat_aktif", str(metrics.reminders_active)],
            ["pengingat_baru", str(metrics.reminders_new)],
            ["waktu_jawab_median_ms_paling_lama", str(metrics.response_p50_ms or "")],
            ["waktu_jawab_p95_ms_paling_lama", str(metrics.response_p95_ms or "")],
            *[[f"corong_{step}", str(count)] for step, count in metrics.funnel],
        ],
        "harian": [
            ["tanggal", "pengguna", "pengguna_baru", "sesi", "pesan"],
            *[
                [d.day.isoformat(), str(d.users), str(d.new_users), str(d.sessions), str(d.messages)]
                for d in metrics.days
            ],
        ],
        "topik": [
            ["key", "judul", "pesan", "suka", "tidak_suka"],
            *[
                [key, titles.get(key, key), str(count), *map(str, metrics.ratings.get(key, (0, 0)))]
                for key, count in metrics.topics
            ],
        ],
        "sumber": [
            ["sumber", "pengguna", "pengguna_baru", "panduan_daftar", "tautan_dibuka"],
            *[
                [r.source, _cell(r.users), _cell(r.new_users), _cell(r.reached_guide), _cell(r.opened_link)]
                for r in metrics.sources
            ],
        ],
        "belum_terjawab": [
            ["jumlah", "contoh_1", "contoh_2", "contoh_3", "entri_terdekat"],
            *[[str(c.count), *[*c.examples, "", "", ""][:3], c.nearest_topic or ""] for c in metrics.unanswered],
        ],
    }


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection"); the
# unanswered questions and /start sources in these files are typed by anyone.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?%?")


def safe_cell(value: str) -> str:
    """The cell as text a spreadsheet shows, never runs: a leading quote before a formula character."""
    if value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def to_csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([[safe_cell(str(cell)) for cell in row] for row in rows])
    return buffer.getvalue()


def write_csv(metrics: Metrics, titles: dict[str, str], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, rows in tables(metrics, titles).items():
        path = folder / f"{name}.csv"
        path.write_text(to_csv(rows), encoding="utf-8")
        written.append(path)
    return written


def read_titles(content_dir: Path) -> dict[str, str]:
    """Entry titles for display, read straight from content/faq/*.yml (without building all of
    content: the command must answer fast). A key without a readable title is shown as the key."""
    titles: dict[str, str] = {}
    for path in sorted(content_dir.glob("faq/*.yml")):
        key = None
        for line in path.read_text(encoding="utf-8").splitlines():
            stripped = line.strip()
            if stripped.startswith("- key:"):
                key = stripped[len("- key:") :].strip().strip("\"'")
            elif key and stripped.startswith("title:") and line.startswith("    ") and not line.startswith("     "):
                titles[key] = stripped[len("title:") :].strip().strip("\"'")
                key = None
    return titles
