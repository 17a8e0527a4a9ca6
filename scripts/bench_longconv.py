"""Cost of a message in a long conversation against a fresh one, through the REST channel.

For each tracker store (SQLite, the embedded default; PostgreSQL, what replicas use), starts the
action server and Rasa (supervisor.stack, as `make serve`), grows LONG conversations to about
TARGET events, then alternates: the 2nd message of a fresh conversation (about 10 events stored)
and the next message of a long one (about TARGET). Both get the same questions, so the only
difference is the conversation's length. Empty replies are counted, not fatal.

Usage: make bench-long [ARGS="--stores sqlite --samples 40"]
Prints a table and writes var/bench/longconv.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import sqlalchemy as sa  # noqa: E402

from assistant_core.settings import apply_dotenv, load_settings  # noqa: E402
from scripts.bench_serve import free_port  # noqa: E402
from supervisor.stack import Stack  # noqa: E402

TARGET = 500  # events in the long conversations' session when measuring
# How the long conversations grow: what a user says in one long chat (FAQ answers, the
# calculator run to its result, small talk). Nothing is left open, so a measured question is
# handled the same way in a long and in a fresh conversation.
GROW = [
    "iuran jkm brp persen",
    "jht bisa dicairin kapan aja",
    "sy punya warung, pegawai 2 org, wajib daftar ga?",
    "oke makasih",
    "bpu tuh apa",
    "jp itu pensiun ya? nanti dapet brp",
    "kalo telat bayar iuran ada dendanya gak",
    "hitung iuran dong, 3 karyawan gaji 4 juta",
    "Rendah",
    "Kecil",
    "apa itu jkp",
    "nomor cs bpjs tk berapa",
]
# What is measured, in the fresh and in the long conversations alike: questions answered in one
# turn, so both sides do the same work and only the length of the conversation differs.
ASK = [
    "iuran jkm brp persen",
    "jht bisa dicairin kapan aja",
    "bpu tuh apa",
    "jp itu pensiun ya? nanti dapet brp",
    "kalo telat bayar iuran ada dendanya gak",
    "apa itu jkp",
    "nomor cs bpjs tk berapa",
    "jkk itu apa",
    "cara daftar bpjs tk",
    "iuran jht berapa persen",
]
LIMIT = 1.2  # issue "Speed": median at ~500 events <= 1.2 x the median at ~10


@dataclass
class Sample:
    ms: list[float] = field(default_factory=list)
    events: list[int] = field(default_factory=list)
    empty: int = 0
    failed: int = 0


def post(url: str, sender: str, text: str) -> tuple[float, bool]:
    """Send one message; (milliseconds, answered). A non-200 or empty reply is not answered."""
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})  # noqa: S310
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (loopback URL we built)
            replies = json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError):
        return 1000 * (time.perf_counter() - started), False
    return 1000 * (time.perf_counter() - started), isinstance(replies, list) and bool(replies)


def events_of(engine: sa.Engine) -> Callable[[], dict[str, int]]:
    def count() -> dict[str, int]:
        with engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT sender_id, count(*) FROM events GROUP BY sender_id")).all()
        return {str(sender): int(n) for sender, n in rows}

    return count


def long_conversation(
    url: str,
    count_events: Callable[[], dict[str, int]],
    samples: int,
    longs: int = 3,
    tag: str = "ours",
    grow: list[str] | None = None,
    ask: list[str] | None = None,
) -> dict[str, Any]:
    """The measurement itself; also used by scripts/bench.py for both assistants."""
    grow, ask = grow or GROW, ask or ASK
    short, long = Sample(), Sample()
    grow_started = time.monotonic()
    senders = [f"{tag}-long-{i}" for i in range(longs)]
    turn = 0
    for sender in senders:
        before = set(count_events())
        turn = 0
        while True:
            post(url, sender, grow[turn % len(grow)])
            turn += 1
            new = {s: n for s, n in count_events().items() if s not in before}
            # Stop at the end of a round of GROW, so no flow is left open (a calculator waiting
            # for its next answer would make the measured questions do more work).
            if new and max(new.values()) >= TARGET - 60 and turn % len(grow) == 0:
                break
    grown = time.monotonic() - grow_started
    for i in range(samples):
        text = ask[i % len(ask)]
        fresh = f"{tag}-short-{i}"
        post(url, fresh, "halo")  # first message: the session starts
        ms, ok = post(url, fresh, text)
        short.ms.append(ms)
        short.empty += not ok
        ms, ok = post(url, senders[i % longs], text)
        long.ms.append(ms)
        long.empty += not ok
    counts = sorted(count_events().values())
    short_median, long_median = statistics.median(short.ms), statistics.median(long.ms)
    return {
        "samples": samples,
        "fresh_median_ms": round(short_median, 1),
        "long_median_ms": round(long_median, 1),
        "ratio": round(long_median / short_median, 2),
        "fresh_p95_ms": round(sorted(short.ms)[int(0.95 * samples) - 1], 1),
        "long_p95_ms": round(sorted(long.ms)[int(0.95 * samples) - 1], 1),
        "long_events_at_end": counts[-longs:],
        "empty_replies": short.empty + long.empty,
        "grow_seconds": round(grown, 1),
    }


def run_store(store: str, samples: int, postgres: str) -> dict[str, Any]:
    var = Path(tempfile.mkdtemp(prefix=f"bench-long-{store}-"))
    if store == "sqlite":
        database_url = f"sqlite:///{var / 'assistant.db'}"
    else:
        from supervisor.cluster import ensure_database

        database_url = postgres
        ensure_database(database_url)
        engine = sa.create_engine(database_url)
        with engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE IF EXISTS events"))
        engine.dispose()
    env = {
        "VAR_DIR": str(var),
        "DATABASE_URL": database_url,
        "RASA_PORT": str(free_port()),
        "ACTION_PORT": str(free_port()),
        "PSEUDONYM_KEY": "bench-long-key-0123456789",
    }
    stack = Stack(load_settings({**os.environ, **env}), extra_env=env)
    engine = sa.create_engine(database_url)
    try:
        stack.start_actions()
        stack.start_rasa()
        url = stack.settings.rest_webhook
        for text in GROW:  # warm-up
            post(url, "warm-up", text)
        return long_conversation(url, events_of(engine), samples)
    finally:
        engine.dispose()
        stack.stop()


def main(argv: list[str] | None = None) -> int:
    apply_dotenv()  # .env, which make no longer reads (issue 20 point 5)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stores", default="sqlite,postgresql")
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/umkm_bench_long"),
    )
    args = parser.parse_args(argv)
    results = {store: run_store(store, args.samples, args.postgres) for store in args.stores.split(",")}
    out = ROOT / "var" / "bench" / "longconv.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"{'store':<12}{'~10 events':>12}{'~500 events':>13}{'ratio':>8}{'p95 10/500 (ms)':>18}{'empty':>7}")
    worst = 0.0
    for store, r in results.items():
        print(
            f"{store:<12}{r['fresh_median_ms']:>10.1f}ms{r['long_median_ms']:>11.1f}ms{r['ratio']:>7.2f}x"
            f"{r['fresh_p95_ms']:>10.0f}/{r['long_p95_ms']:<7.0f}{r['empty_replies']:>7}"
        )
        worst = max(worst, r["ratio"])
    print(f"median latency at ~{TARGET} events / at ~10 events: worst {worst:.2f}x (target <= {LIMIT}x); {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
