"""Dashboard and `make metrics` speed at campaign scale: 30 days, 1,000,000 messages, 50,000 users.

Fills a fresh SQLite file and a fresh PostgreSQL database (TEST_POSTGRES_URL, or the local server)
with generated analytics rows, then times every dashboard page and the command on each.
Target: every figure under 2 seconds.

Usage: make bench-metrics   (BENCH_MESSAGES=100000 for a quicker run)
"""

from __future__ import annotations

import asyncio
import http.cookiejar
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import tornado.httpserver  # noqa: E402
from sqlalchemy import Engine, insert, text  # noqa: E402

from assistant_core.analytics.ingest import UNANSWERED, WITH_TOPIC, Outcome, response_bucket  # noqa: E402
from assistant_core.contract import faq  # noqa: E402
from assistant_core.db import DailyCount, Turn, UserDay, create_tables, make_engine  # noqa: E402
from assistant_core.settings import apply_dotenv, load_settings  # noqa: E402
from dashboard.app import Dashboard, DashboardConfig, hash_password  # noqa: E402
from scripts.bench_serve import free_port  # noqa: E402

END = date(2026, 11, 26)
DAYS = 30
SOURCES = [None] * 6 + [f"perisai_{i}" for i in range(15)] + ["kemenkop", "poster_pasar", "radio"]
OUTCOMES = [Outcome.ANSWERED] * 70 + [Outcome.SMALLTALK] * 8 + [Outcome.CALCULATOR] * 8 + [Outcome.GUIDE] * 5
OUTCOMES += [Outcome.MISS] * 4 + [Outcome.OUT_OF_SCOPE] * 3 + [Outcome.HANDOFF] + [Outcome.FEEDBACK]
TOPICS = [f"topik_{i:02d}" for i in range(62)]
MISSES = [
    "cara {} bpjs {} lewat {}",
    "apakah {} bisa {} kalau {}",
    "{} {} gimana caranya {}",
]
WORDS = [
    "klaim",
    "cair",
    "saldo",
    "kartu",
    "hilang",
    "ganti",
    "nomor",
    "hp",
    "email",
    "lupa",
    "pin",
    "daftar",
    "ulang",
    "pindah",
    "kerja",
    "ojol",
    "kurir",
]
PASSWORD = "bench-password-123"  # noqa: S105 (a throwaway login for the benchmark)


def generate(engine: Engine, messages: int, users: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    start = END - timedelta(days=DAYS - 1)
    per_user = max(1, messages // users)
    turns, user_days, counts = [], {}, Counter()
    event_id = 0
    for _ in range(users):
        conversation = uuid.UUID(int=rng.getrandbits(128)).hex
        source = rng.choice(SOURCES)
        first = start + timedelta(days=rng.randrange(DAYS))
        day = first
        for m in range(per_user):
            if m and rng.random() < 0.15:
                day = min(END, day + timedelta(days=rng.randrange(1, 5)))
            event_id += 1
            outcome = rng.choice(OUTCOMES)
            topic = rng.choice(TOPICS) if outcome in WITH_TOPIC else None
            response = int(rng.lognormvariate(5.5, 0.5))
            at = datetime(day.year, day.month, day.day, 2, tzinfo=timezone.utc) + timedelta(seconds=m * 40)
            words = [rng.choice(WORDS) for _ in range(3)]
            turns.append(
                {
                    "event_id": event_id,
                    "conversation": conversation,
                    "at": at,
                    "day": day,
                    "intent": faq.INTENT,
                    "topic": topic,
                    "outcome": outcome,
                    "response_ms": response,
                    "source": source,
                    "text": rng.choice(MISSES).format(*words) if outcome in UNANSWERED else None,
                }
            )
            key = (day, conversation)
            row = user_days.setdefault(
                key,
                {
                    "day": day,
                    "conversation": conversation,
                    "source": source,
                    "new": day == first,
                    "messages": 0,
                    "sessions": 1,
                    "calculator": False,
                    "obligation": False,
                    "guide": False,
                    "link": False,
                },
            )
            row["messages"] += 1
            row["calculator"] |= outcome == "calculator"
            row["guide"] |= outcome == "guide" and rng.random() < 0.6
            row["link"] |= outcome == "guide" and rng.random() < 0.3
            src = source or ""
            counts[(day, src, "messages", "")] += 1
            counts[(day, src, "outcome", outcome)] += 1
            if outcome == "answered" and topic:
                counts[(day, src, "topic", topic)] += 1
            if outcome == Outcome.FEEDBACK and topic:
                counts[(day, src, rng.choice(["rating_up", "rating_down"]), topic)] += 1
            counts[(day, src, "response_ms", response_bucket(response))] += 1
            if len(turns) >= 50_000:
                _flush(engine, Turn, turns)
    _flush(engine, Turn, turns)
    _flush(engine, UserDay, list(user_days.values()))
    _flush(
        engine,
        DailyCount,
        [{"day": d, "source": s, "metric": m, "key": k, "value": v} for (d, s, m, k), v in counts.items()],
    )


def _flush(engine: Engine, table: type, rows: list[dict[str, object]]) -> None:
    for i in range(0, len(rows), 20_000):
        with engine.begin() as conn:
            conn.execute(insert(table), rows[i : i + 20_000])  # type: ignore[arg-type]
    rows.clear()


def time_pages(settings_env: dict[str, str], engine_url: str) -> list[tuple[str, float]]:
    settings = load_settings({**os.environ, **settings_env, "DATABASE_URL": engine_url})
    config = DashboardConfig("127.0.0.1", free_port(), {"staf": hash_password(PASSWORD)}, "b" * 32, 8)
    dashboard = Dashboard(settings, config)
    loop = asyncio.new_event_loop()
    ready = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        tornado.httpserver.HTTPServer(dashboard.application()).listen(config.port, address=config.host)
        ready.set()
        loop.run_forever()

    threading.Thread(target=run, daemon=True).start()
    ready.wait(10)
    base = f"http://127.0.0.1:{config.port}"
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(base + "/masuk").read()
    token = next(c.value for c in jar if c.name == "_xsrf")
    opener.open(base + "/masuk", urllib.parse.urlencode({"nama": "staf", "sandi": PASSWORD, "_xsrf": token}).encode())
    start = END - timedelta(days=DAYS - 1)
    period = f"dari={start}&sampai={END}"
    results = []
    for label, path in [
        ("page: summary, 30 days", f"/?{period}"),
        ("page: summary, 30 days, one source", f"/?{period}&sumber=perisai_3"),
        ("page: summary, 7 days", f"/?dari={END - timedelta(days=6)}&sampai={END}"),
        ("page: unanswered, 30 days", f"/belum-terjawab?{period}"),
        ("page: help", "/bantuan"),
        ("csv: daily", f"/unduh/harian.csv?{period}"),
        ("csv: unanswered", f"/unduh/belum_terjawab.csv?{period}"),
    ]:
        began = time.monotonic()
        with opener.open(base + path, timeout=60) as response:
            response.read()
        results.append((label, time.monotonic() - began))
    loop.call_soon_threadsafe(loop.stop)
    command = [
        str(ROOT / ".venv/app/bin/python"),
        "-m",
        "assistant_core.analytics",
        "--dari",
        str(start),
        "--sampai",
        str(END),
    ]
    began = time.monotonic()
    subprocess.run(
        command,
        cwd=ROOT,
        env={**os.environ, **settings_env, "DATABASE_URL": engine_url},
        check=True,
        capture_output=True,
    )
    results.append(("command: make metrics, 30 days (whole process)", time.monotonic() - began))
    return results


def main() -> int:
    apply_dotenv()  # .env, which make no longer reads (issue 20 point 5)
    messages = int(os.environ.get("BENCH_MESSAGES", "1000000"))
    users = int(os.environ.get("BENCH_USERS", str(max(1, messages // 20))))
    var = Path(tempfile.mkdtemp(prefix="bench-metrics-"))
    env = {"VAR_DIR": str(var), "PSEUDONYM_KEY": "bench-metrics-key-0123456789"}
    targets = [("SQLite", f"sqlite:///{var / 'metrics.db'}")]
    pg = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    database = f"bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(pg).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {database}"))
        targets.append(("PostgreSQL", pg.rsplit("/", 1)[0] + f"/{database}"))
    except Exception as exc:  # no PostgreSQL here: SQLite only, said plainly
        print(f"PostgreSQL not available ({type(exc).__name__}); SQLite only.")
    print(f"{messages:,} messages, {users:,} users, {DAYS} days ending {END}")
    worst = 0.0
    try:
        for name, url in targets:
            engine = make_engine(url)
            create_tables(engine)
            began = time.monotonic()
            generate(engine, messages, users)
            if name == "PostgreSQL":
                with engine.connect() as conn:
                    conn.execute(text("ANALYZE"))
            print(f"\n{name}: generated in {time.monotonic() - began:.0f} s")
            for label, seconds in time_pages(env, url):
                worst = max(worst, seconds)
                print(f"  {label:<50} {seconds:6.2f} s")
            engine.dispose()
    finally:
        if len(targets) > 1:
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
    print(
        f"\nslowest: {worst:.2f} s (target: every page and the command under 2 s) -> {'met' if worst < 2 else 'MISSED'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
