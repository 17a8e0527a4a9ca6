"""`make metrics`: read new conversations, then print the metrics for a date range and export CSV.

python -m assistant_core.analytics [--dari 2026-11-01] [--sampai 2026-11-30] [--sumber perisai_123]
                                   [--csv var/metrics] [--tanpa-baca]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from assistant_core.analytics.export import read_titles, write_csv
from assistant_core.analytics.ingest import Ingester
from assistant_core.analytics.metrics import FUNNEL_GUIDE, Metrics, compute
from assistant_core.clock import question_date
from assistant_core.db import create_tables, make_engine
from assistant_core.settings import apply_dotenv, load_settings

LABELS = {
    "first_contact": "Kontak pertama",
    "calculator_or_obligation": "Kalkulator atau cek kewajiban",
    FUNNEL_GUIDE: "Panduan daftar",
    "registration_link": "Tautan pendaftaran dibuka",
}


def cell(value: int | None) -> str:
    return "<5" if value is None else str(value)


def summary(metrics: Metrics, titles: dict[str, str]) -> str:
    lines = [
        f"Metrik {metrics.start.isoformat()} s.d. {metrics.end.isoformat()}"
        + (f", sumber {metrics.source}" if metrics.source else ""),
        f"Pengguna: {metrics.users} (baru {metrics.new_users}, kembali {metrics.returning_users})",
        f"Sesi percakapan: {metrics.sessions}; pesan: {metrics.messages}",
        f"Tidak dipahami: {metrics.not_understood_share:.1%}; di luar cakupan: {metrics.out_of_scope_share:.1%}; "
        f"dialihkan ke kanal resmi: {metrics.handoffs}",
        f"Pengingat iuran: {metrics.reminders_active} aktif, {metrics.reminders_new} baru dalam rentang",
        "Waktu jawab: "
        + (
            f"median ≤{metrics.response_p50_ms} ms, p95 ≤{metrics.response_p95_ms} ms"
            if metrics.response_p50_ms is not None
            else "-"
        ),
        "Corong (orang yang pertama kali datang di rentang ini):",
        *[f"  {LABELS[step]}: {count}" for step, count in metrics.funnel],
        "Topik teratas:",
        *[f"  {count:6d}  {titles.get(key, key)}" for key, count in metrics.topics[:10]],
        "Penilaian 👍/👎 per topik:",
        *[f"  {up:4d} / {down:<4d} {titles.get(key, key)}" for key, (up, down) in list(metrics.ratings.items())[:10]],
        "Sumber (sel di bawah 5 orang ditulis <5):",
        *[
            f"  {row.source}: pengguna {cell(row.users)}, baru {cell(row.new_users)}, "
            f"panduan daftar {cell(row.reached_guide)}, tautan {cell(row.opened_link)}"
            for row in metrics.sources
        ],
        f"Pertanyaan belum terjawab: {sum(c.count for c in metrics.unanswered)} "
        f"dalam {len(metrics.unanswered)} kelompok",
        *[
            f"  {c.count:5d}  {c.examples[0]}" + (f"  (entri terdekat: {c.nearest_topic})" if c.nearest_topic else "")
            for c in metrics.unanswered[:10]
        ],
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    apply_dotenv()  # before question_date(): ASSISTANT_TODAY may come from .env
    today = question_date()
    parser = argparse.ArgumentParser(prog="make metrics", description="Ringkasan metrik percakapan dan ekspor CSV.")
    parser.add_argument("--dari", type=date.fromisoformat, default=today - timedelta(days=29), help="tanggal awal")
    parser.add_argument("--sampai", type=date.fromisoformat, default=today, help="tanggal akhir (termasuk)")
    parser.add_argument("--sumber", default=None, help="hanya pengguna dari sumber (deep link) ini")
    parser.add_argument("--csv", type=Path, default=None, help="folder untuk file CSV")
    parser.add_argument("--tanpa-baca", action="store_true", help="jangan baca percakapan baru dulu")
    args = parser.parse_args(argv)
    if args.dari > args.sampai:
        parser.error("--dari harus sebelum atau sama dengan --sampai")
    settings = load_settings()
    engine = make_engine(settings.database_url)
    create_tables(engine)
    started = time.monotonic()
    if not args.tanpa_baca:
        Ingester(engine).run()
    metrics = compute(engine, args.dari, args.sampai, args.sumber)
    titles = read_titles(settings.content_dir)
    print(summary(metrics, titles))
    if args.csv:
        written = write_csv(metrics, titles, args.csv)
        print("CSV: " + ", ".join(str(p) for p in written))
    print(f"({time.monotonic() - started:.2f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
