"""Editors' command line: check content, build training data, preview an answer for a date."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from assistant_core.clock import today_jakarta
from assistant_core.content.build import write_training_file
from assistant_core.content.check import check_all
from assistant_core.content.freshness import WINDOW_DAYS, review_items
from assistant_core.content.render import RenderError, render_entry, tanggal
from assistant_core.content.repository import build_snapshot

ROOT = Path(__file__).resolve().parents[2]


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"'{text}' bukan tanggal TTTT-BB-HH") from exc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m assistant_core.content", description="Periksa, bangun dan pratinjau konten asisten."
    )
    parser.add_argument("--content", type=Path, default=ROOT / "content", help="folder konten")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="periksa semua konten dan sebutkan setiap kesalahan")
    check.add_argument("--date", type=_date, default=None, help="anggap hari ini tanggal ini")
    check.add_argument(
        "--as-of",
        type=_date,
        default=None,
        help="daftar fakta yang lewat atau dalam 30 hari dari review_by pada tanggal ini (default: hari ini)",
    )
    build = sub.add_parser("build", help="buat data latih Rasa dari konten (nlu/generated/)")
    build.add_argument("--out", type=Path, default=ROOT / "nlu" / "generated")
    preview = sub.add_parser("preview", help="tampilkan jawaban satu entri untuk suatu tanggal")
    preview.add_argument("key")
    preview.add_argument("--date", type=_date, default=None, help="tanggal pertanyaan (default: hari ini WIB)")
    preview.add_argument("--upah", type=int, default=None, help="upah/penghasilan yang disebut penanya, mis. 4000000")
    sub.add_parser("list", help="daftar semua key entri dan judulnya")
    args = parser.parse_args(argv)

    snapshot = build_snapshot(args.content)
    if args.command == "check":
        today = args.date or today_jakarta()
        problems = check_all(snapshot, today)
        # The calendar never fails the check: facts due for review are listed for editors, not errors.
        as_of = args.as_of or today
        due = review_items(snapshot.facts, as_of)
        if due:
            print(
                f"Fakta yang perlu ditinjau per {tanggal(as_of)} (lewat atau dalam {WINDOW_DAYS} hari dari review_by):"
            )
            for item in due:
                print(f"  {item}")
            print()
        else:
            print(f"Tidak ada fakta yang jatuh tempo ditinjau dalam {WINDOW_DAYS} hari dari {tanggal(as_of)}.\n")
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print(f"\n{len(problems)} kesalahan di konten.", file=sys.stderr)
            return 1
        print(
            f"Konten baik: {len(snapshot.entries)} entri, {len(snapshot.facts)} fakta, {len(snapshot.tables)} tabel, "
            f"{sum(len(e.questions) for e in snapshot.entries.values())} contoh pertanyaan."
        )
        return 0
    if args.command == "build":
        if snapshot.problems:
            for problem in snapshot.problems:
                print(problem, file=sys.stderr)
            return 1
        print(f"Ditulis: {write_training_file(snapshot, args.out)}")
        return 0
    if args.command == "list":
        for key in sorted(snapshot.entries):
            print(f"{key:28} {snapshot.entries[key].title}")
        return 0
    entry = snapshot.entries.get(args.key)
    template = snapshot.templates.get(args.key)
    if entry is None or template is None:
        print(f"Tidak ada entri '{args.key}'. Lihat daftar: python -m assistant_core.content list", file=sys.stderr)
        return 1
    on = args.date or today_jakarta()
    try:
        answer = render_entry(
            template.environment,
            template,
            entry,
            snapshot.facts,
            snapshot.titles,
            on,
            snapshot.texts,
            snapshot.tables,
            args.upah,
        )
    except RenderError as exc:
        print(f"Gagal: {exc}", file=sys.stderr)
        return 1
    print(f"--- {entry.key} pada {on} ({entry.file}) ---\n{answer.text}")
    if answer.related:
        print("\nTombol: " + " | ".join(title for _, title in answer.related))
    return 0


if __name__ == "__main__":
    sys.exit(main())
