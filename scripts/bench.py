"""Ours beside Rasa's own `rasa init` assistant: latency, throughput, training, start-up, memory.

Absolute figures depend on the machine; the ratio ours / rasa init does not (much), because both
assistants are trained and served in the same run, on the same machine, with the same setup:

- a PostgreSQL tracker store and a Redis lock store (a database and a Redis db number each,
  emptied at the start; the same store classes, from assistant_core.endpoints, for both);
- an action server each (rasa_sdk, even on rasa init's stub actions.py, so the topology matches);
- one `rasa run` process (a second one on another port for the replica figures, behind nginx
  when it can be started, else client-side round robin); the same command lines as
  supervisor.stack. rasa init keeps Rasa's stock `rest:` channel; ours is SafeRestInput.

Measured for both: single-user latency through the REST channel and through our bot (bot/ in
front of each Rasa server, against the fake Telegram API of tests/e2e), throughput at
concurrency 1, 8 and 32 with many senders, 2 replicas against 1, messages/s per core, training
time from scratch (skipped with --reuse-models), start-up time and resident memory after the load;
and, to show where a difference comes from, the CPU time per message of each server process.
Measurements of the two alternate (ours, init, init, ours...) so a change in the machine's other
load spreads over both.

Usage: make bench [ARGS="--reuse-models"]   (--quick: small counts, for trying the script)
Writes var/bench/results.json; logs in var/bench/logs/.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gzip
import json
import os
import resource
import shutil
import signal
import socket
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from assistant_core.endpoints import write_endpoints  # noqa: E402
from assistant_core.settings import Settings, apply_dotenv, load_settings  # noqa: E402
from bot.render import from_rasa  # noqa: E402
from scripts.bench_bot import percentile  # noqa: E402
from scripts.bench_longconv import ASK, GROW, events_of, long_conversation  # noqa: E402
from scripts.bench_serve import free_port, rss_mb  # noqa: E402
from scripts.train import publish  # noqa: E402
from supervisor import nginx  # noqa: E402
from supervisor.model_server import ModelServer  # noqa: E402
from supervisor.process import Supervisor, SupervisorError, venv_bin  # noqa: E402
from tests.e2e.fake_telegram import FakeTelegram, text_update  # noqa: E402

BENCH = ROOT / "var" / "bench"
MODELS = BENCH / "models"
LOGS = BENCH / "logs"
INIT_DIR = BENCH / "rasa_init"
OUR_MODEL = ROOT / "var" / "models" / "assistant.tar.gz"  # read, never written
RASA = venv_bin(ROOT, "rasa", "rasa")
APP_PY = venv_bin(ROOT, "app", "python")
TOKEN = "123456:BENCH-token"  # noqa: S105 (a fake token for the fake Telegram API)
PSEUDONYM_KEY = "bench-pseudonym-key-0123456789"
# A user sends this many messages before the next (new) user starts: conversations of realistic
# length, so no tracker grows to hundreds of turns.
PER_USER = 10
LEVELS = (1, 8, 32)
TARGET_P95 = 1.5  # ours / init, at most
TARGET_THROUGHPUT = 1.0  # ours / init, at least

# Typical questions of UMKM owners, written for this benchmark in the informal style of the chat
# (deliberately not taken from tests/heldout or tests/dev). Some start a flow (calculator,
# obligation check, registration guide) that the next messages interrupt, as real users do.
OURS_MESSAGES = [
    "halo min",
    "iuran bpjs tk buat karyawan brp persen sih",
    "jkm itu apa ya",
    "klo karyawan sy kecelakaan pas kerja ditanggung gk",
    "sy punya warung, pegawai 2 org, wajib daftar ga?",
    "gmn cara daftarin karyawan ke bpjs ketenagakerjaan",
    "dokumen apa aja yg hrs disiapin buat daftar perusahaan",
    "makasih infonya",
    "jht bisa dicairin kapan aja",
    "oke",
    "bpu tuh apa",
    "sy pedagang keliling bisa ikut bpjs tk sendiri?",
    "iuran bpu paling murah brp sebulan",
    "kalo telat bayar iuran ada dendanya gak",
    "bayar iuran bisa lewat mana aja",
    "jp itu pensiun ya? nanti dapet brp",
    "umur brp bisa dapet pensiun",
    "jkp apaan",
    "karyawan kena phk dapet apa dr bpjs",
    "bedanya bpjs kesehatan sama tk apa",
    "hitung iuran dong, 3 karyawan gaji 4 juta",
    "ini akun resmi bpjs bukan",
    "nomor cs bpjs tk berapa",
    "kantor cabang terdekat dmn ya",
    "aplikasi jmo buat apa",
    "cek saldo jht gmn caranya",
    "usaha mikro wajib ikut program apa aja",
    "klo cuma 1 karyawan tetep wajib?",
    "upah buat ngitung iuran itu gaji pokok aja?",
    "ada keringanan iuran gak buat umkm",
    "anak peserta yg meninggal dapet beasiswa ya",
    "klaim jkm syaratnya apa",
    "agen perisai itu siapa",
    "kartu peserta ilang gimana",
    "ada yg nelpon ngaku petugas bpjs minta otp, aman ga",
    "kamu bot ya?",
    "bisa bantu apa aja",
    "cuaca hari ini gimana",
    "jht bisa diambil sebagian ga",
    "sip thx, dah dulu ya",
]
# rasa init's domain (greet, mood, bot challenge, affirm/deny, goodbye), in the style of its NLU
# examples, as short dialogues: greet -> mood -> (cheer up -> did that help?) -> ... -> goodbye.
INIT_MESSAGES = [
    "hi there",
    "I am feeling great",
    "are you a bot?",
    "bye",
    "hello",
    "I'm sad",
    "yes",
    "see you later",
    "good morning",
    "not good at all",
    "no",
    "are you human?",
    "goodbye",
    "hey",
    "super happy today",
    "am I talking to a bot",
    "good night",
    "hey there",
    "I feel really bad",
    "of course",
    "bye bye",
    "good evening",
    "wonderful",
    "have a nice day",
    "hello there",
    "unhappy",
    "not really",
    "cu",
    "hi",
    "very good",
]
# rasa init's one-turn messages, measured in its fresh and long conversations (bench_longconv).
INIT_ASK = ["are you a bot?", "bye", "are you human?", "goodbye", "am I talking to a bot", "see you later"]


class BenchError(RuntimeError):
    """The benchmark could not run (a server did not start, a training failed...)."""


# --- processes -----------------------------------------------------------------------------------


def base_env() -> dict[str, str]:
    """This process's environment without settings that would change what the servers do."""
    drop = {"RASA_API_TOKEN", "ACTION_URL", "DATABASE_URL", "REDIS_URL", "RASA_URL", "VAR_DIR"}
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("TELEGRAM_")}
    return {**env, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}


def supervisor() -> Supervisor:
    """The benchmark's servers: logs in var/bench/logs/, each truncated when its server starts."""
    return Supervisor(LOGS, ROOT, stop_timeout=20, fresh_logs=True)


# --- the two assistants --------------------------------------------------------------------------


@dataclass
class Assistant:
    key: str  # "ours" | "init": process, database and file names
    project: Path  # working directory of rasa and rasa_sdk (actions/ lives there)
    credentials: Path
    database: str
    redis_db: int
    messages: list[str]
    model: Path = Path()
    rasa_port: int = field(default_factory=free_port)
    replica_port: int = field(default_factory=free_port)
    action_port: int = field(default_factory=free_port)
    settings: Settings | None = None
    endpoints: Path = Path()

    def webhook(self, port: int | None = None) -> str:
        return f"http://127.0.0.1:{port or self.rasa_port}/webhooks/rest/webhook"

    def message(self, index: int) -> tuple[str, str]:
        """The index-th message of the run and its user: PER_USER messages per user."""
        return f"u{index // PER_USER}", self.messages[index % len(self.messages)]


def configure(a: Assistant, postgres: str, redis: str) -> None:
    """Our settings and endpoints file for this assistant: its own database and Redis db number."""
    env = {
        **base_env(),
        "VAR_DIR": str(BENCH / a.key),
        "DATABASE_URL": f"{postgres}/{a.database}",
        "REDIS_URL": f"{redis}/{a.redis_db}",
        "RASA_PORT": str(a.rasa_port),
        "ACTION_PORT": str(a.action_port),
        "PSEUDONYM_KEY": PSEUDONYM_KEY,
    }
    a.settings = load_settings(env)
    a.endpoints = write_endpoints(a.settings)


def reset_stores(postgres: str, redis: str, assistants: list[Assistant]) -> None:
    """Drop and recreate each assistant's database; empty its Redis db (nothing else is touched)."""
    engine = sa.create_engine(f"{postgres}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        for a in assistants:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{a.database}" WITH (FORCE)'))
            connection.execute(sa.text(f'CREATE DATABASE "{a.database}"'))
    engine.dispose()
    parts = urlsplit_redis(redis)
    for a in assistants:
        with socket.create_connection(parts, timeout=5) as sock:
            for command in (["SELECT", str(a.redis_db)], ["FLUSHDB"]):
                sock.sendall(f"*{len(command)}\r\n".encode() + b"".join(resp_bulk(c) for c in command))
                reply = sock.recv(1024)
                if not reply.startswith(b"+OK"):
                    raise BenchError(f"Redis answered {reply!r} to {command[0]}")


def urlsplit_redis(url: str) -> tuple[str, int]:
    host_port = url.split("://", 1)[-1].split("/", 1)[0].split("@")[-1]
    host, _, port = host_port.partition(":")
    return host or "127.0.0.1", int(port or 6379)


def resp_bulk(value: str) -> bytes:
    data = value.encode()
    return b"$%d\r\n%s\r\n" % (len(data), data)


# --- training ------------------------------------------------------------------------------------


def run_logged(name: str, args: list[str], cwd: Path, env: dict[str, str]) -> float:
    return supervisor().run(name, args, env, cwd)


def create_init_project(fresh: bool) -> None:
    """A fresh `rasa init` project (rasa init --no-prompt also trains a first model, not measured)."""
    if fresh and INIT_DIR.exists():
        shutil.rmtree(INIT_DIR)
    if (INIT_DIR / "config.yml").exists():
        return
    INIT_DIR.mkdir(parents=True, exist_ok=True)
    print("Creating the rasa init project (rasa init --no-prompt trains a first model)…", file=sys.stderr)
    run_logged("rasa-init", [RASA, "init", "--no-prompt", "--init-dir", str(INIT_DIR)], ROOT, base_env())


def train_from_scratch(name: str, args: list[str], cwd: Path) -> float:
    """`rasa train --force` with an empty cache of its own, so nothing is reused from earlier runs."""
    cache = Path(tempfile.mkdtemp(prefix=f"cache-{name}-", dir=BENCH))
    try:
        env = {**base_env(), "RASA_CACHE_DIRECTORY": str(cache)}
        return run_logged(f"train-{name}", [RASA, "train", *args, "--out", str(MODELS), "--force"], cwd, env)
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def train_both(ours: Assistant, init: Assistant) -> dict[str, float]:
    MODELS.mkdir(parents=True, exist_ok=True)
    print("Training rasa init from scratch…", file=sys.stderr)
    init_s = train_from_scratch("init", ["--fixed-model-name", "rasa_init"], INIT_DIR)
    init.model = MODELS / "rasa_init.tar.gz"
    print(f"  {init_s:.0f} s. Training ours from scratch (about a minute on 2 cores)…", file=sys.stderr)
    data = ["--config", "config.yml", "--domain", "domain.yml", "--data", "nlu", "stories"]
    ours_s = train_from_scratch("ours", [*data, "--fixed-model-name", "ours"], ROOT)
    ours.model = MODELS / "ours.tar.gz"
    print(f"  {ours_s:.0f} s.", file=sys.stderr)
    return {"ours": ours_s, "init": init_s}


def existing_models(ours: Assistant, init: Assistant, ours_model: Path | None) -> None:
    ours.model = ours_model or OUR_MODEL
    if not ours.model.exists():
        raise BenchError(f"no model at {ours.model}: run `make train` (or the benchmark without --reuse-models)")
    candidates = [MODELS / "rasa_init.tar.gz"] if (MODELS / "rasa_init.tar.gz").exists() else []
    candidates += sorted((INIT_DIR / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime, reverse=True)
    if not candidates:
        raise BenchError(f"no rasa init model under {MODELS} or {INIT_DIR / 'models'}")
    init.model = candidates[0]


# --- servers -------------------------------------------------------------------------------------


# Messages answered with nothing, per REST URL: counted and reported, never fatal (a freshly
# trained `rasa init` model may answer "no" with silence).
EMPTY: Counter[str] = Counter()


def post(url: str, sender: str, text: str, timeout: float = 60) -> list[dict[str, Any]]:
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (loopback URL we built)
        replies = json.loads(response.read())
    if not isinstance(replies, list) or not replies:
        EMPTY[url] += 1
        return []
    return replies


def empty_replies(a: Assistant) -> int:
    return sum(n for url, n in EMPTY.items() if url in {a.webhook(), a.webhook(a.replica_port)})


def start_actions(procs: Supervisor, a: Assistant) -> None:
    args = [APP_PY, "-m", "rasa_sdk", "--actions", "actions", "--port", str(a.action_port)]
    env = {**base_env(), "SANIC_HOST": "127.0.0.1"}
    procs.start(f"{a.key}-actions", args, env, f"http://127.0.0.1:{a.action_port}/health", 120, a.project)


def start_rasa(procs: Supervisor, a: Assistant, port: int, name: str, endpoints: Path | None = None) -> float:
    """Start one Rasa server; seconds from process start until the REST webhook answers a message."""
    args = [
        RASA,
        "run",
        "--model",
        str(a.model),
        "--endpoints",
        str(endpoints or a.endpoints),
        "--credentials",
        str(a.credentials),
        "--interface",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    started = time.monotonic()
    procs.start(name, args, base_env(), f"http://127.0.0.1:{port}/webhooks/rest/", 900, a.project)
    post(a.webhook(port), f"startup-{name}", a.messages[0])
    return time.monotonic() - started


# --- single-user latency -------------------------------------------------------------------------


def alternate(first: Assistant, second: Assistant, n: int) -> Iterator[tuple[Assistant, range]]:
    """One user's messages (PER_USER) at a time, in the order ABBA ABBA..., so a change in the
    machine's other load during the run falls on both assistants alike."""
    for block, start in enumerate(range(0, n, PER_USER)):
        part = range(start, min(n, start + PER_USER))
        for a in (first, second) if block % 2 == 0 else (second, first):
            yield a, part


def rest_latency(a: Assistant, indices: range, client: httpx.Client, errors: list[str]) -> list[float]:
    timings = []
    for i in indices:
        sender, text = a.message(i)
        started = time.perf_counter()
        response = client.post(a.webhook(), json={"sender": f"lat-{sender}", "message": text})
        elapsed = 1000 * (time.perf_counter() - started)
        if response.status_code != 200 or not response.json():
            errors.append(f"{a.key} REST {text!r}: HTTP {response.status_code} {response.text[:80]!r}")
        timings.append(elapsed)
    return timings


class RecordingProxy:
    """Between the bot and Rasa: records each reply, so a turn knows how many messages to wait for
    (the bot drops image-only replies, such as rasa init's cheer-up picture) and Rasa's own time."""

    def __init__(self, target: str) -> None:
        self.target = target.rstrip("/")
        self.records: list[tuple[float, list[dict[str, Any]]]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> RecordingProxy:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                request = urllib.request.Request(  # noqa: S310 (loopback)
                    proxy.target + self.path, data=body, headers={"Content-Type": "application/json"}
                )
                started = time.monotonic()
                try:
                    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (loopback)
                        status, data = response.status, response.read()
                except urllib.error.HTTPError as exc:
                    status, data = exc.code, exc.read()
                try:
                    replies = json.loads(data)
                except ValueError:
                    replies = []
                proxy.records.append((time.monotonic() - started, replies if isinstance(replies, list) else []))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


class BotRig:
    """Our bot process in front of one assistant's Rasa server, polling a fake Telegram API."""

    def __init__(self, procs: Supervisor, a: Assistant, postgres: str) -> None:
        self.a = a
        self.fake = FakeTelegram(TOKEN).start()
        self.proxy = RecordingProxy(f"http://127.0.0.1:{a.rasa_port}").start()
        env = {
            **base_env(),
            "VAR_DIR": str(BENCH / a.key / "bot"),
            "DATABASE_URL": f"{postgres}/{a.database}",
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": self.fake.base_url,
            "RASA_URL": self.proxy.url,
            "PSEUDONYM_KEY": PSEUDONYM_KEY,
        }
        self.process = procs.spawn(f"{a.key}-bot", [APP_PY, "-m", "bot"], env, ROOT)
        self.fake.wait_for(lambda calls: any(c.method == "getMe" for c in calls), timeout=120)
        self.chats_seen: set[int] = set()

    def turn(self, chat: int, text: str) -> tuple[float, float]:
        """(update handed to the bot -> its last sendMessage, Rasa's part) in seconds."""
        since, before = self.fake.mark(), len(self.proxy.records)
        first_contact = chat not in self.chats_seen  # the bot sends its privacy notice first
        self.chats_seen.add(chat)

        def done(calls: list[Any]) -> bool:
            if len(self.proxy.records) <= before:
                return False
            expected = max(1, len(from_rasa(self.proxy.records[before][1]))) + first_contact
            return sum(c.method == "sendMessage" for c in calls) >= expected

        update_id = self.fake.push(text_update(chat, text))
        calls = self.fake.wait_for(done, timeout=60, since=since)
        last = max(c.at for c in calls if c.method == "sendMessage")
        return last - self.fake.delivered[update_id], self.proxy.records[before][0]

    def run(self, indices: range) -> list[tuple[float, float]]:
        results = []
        for i in indices:
            sender, text = self.a.message(i)
            results.append(self.turn(500_000 + int(sender[1:]), text))
        return results

    def stop(self) -> None:
        self.proxy.stop()
        self.fake.stop()


# --- throughput ----------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process (all its threads) has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_seconds() -> float:
    """CPU time of the PostgreSQL processes now running (the servers' pooled connections persist
    through a window; a connection that closes within it takes its share along, so this is a floor)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if text[text.index("(") + 1 : text.rindex(")")] == "postgres":
            fields = text.rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def machine_seconds() -> float:
    """Busy CPU time of the whole machine (all cores, every process, ours or not)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


def cpu_snapshot(pids: dict[str, list[int]]) -> dict[str, float]:
    snapshot = {name: sum(cpu_seconds(p) for p in group) for name, group in pids.items()}
    client = resource.getrusage(resource.RUSAGE_SELF)
    return {
        **snapshot,
        "postgres": postgres_seconds(),
        "load generator": client.ru_utime + client.ru_stime,
        "machine": machine_seconds(),
    }


async def _load(
    urls: list[str], a: Assistant, tag: str, concurrency: int, warmup: float, duration: float
) -> dict[str, Any]:
    """`concurrency` users at once, each sending PER_USER messages and then making way for a new
    user, without pause, for warmup + duration seconds; counts answers completed in the window."""
    started = time.monotonic()
    window = (started + warmup, started + warmup + duration)
    timings: list[float] = []
    counts = {"errors": 0, "all_answered": 0}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def user_loop(worker: int, client: httpx.AsyncClient) -> None:
        url = urls[worker % len(urls)]
        sent = 0
        while time.monotonic() < window[1]:
            sender = f"tp-{tag}-c{concurrency}-w{worker}-{started:.0f}-u{sent // PER_USER}"
            text = a.messages[(worker * 7 + sent) % len(a.messages)]
            sent += 1
            t0 = time.monotonic()
            try:
                response = await client.post(url, json={"sender": sender, "message": text})
                ok = response.status_code == 200 and bool(response.json())
            except (httpx.HTTPError, ValueError):
                ok = False
            t1 = time.monotonic()
            counts["all_answered"] += ok
            if window[0] <= t1 <= window[1]:
                if ok:
                    timings.append(1000 * (t1 - t0))
                else:
                    counts["errors"] += 1

    async with httpx.AsyncClient(limits=limits, timeout=120) as client:
        await asyncio.gather(*(user_loop(w, client) for w in range(concurrency)))
    return {"timings": timings, "seconds": duration, **counts}


def load_part(
    a: Assistant, urls: list[str], pids: dict[str, list[int]], concurrency: int, tag: str, opts: Options
) -> dict[str, Any]:
    """One window of load at `concurrency`, with the CPU time each server process used."""
    before = cpu_snapshot(pids)
    part = asyncio.run(_load(urls, a, tag, concurrency, opts.warmup, opts.duration / 2))
    part["cpu_s"] = {name: seconds - before[name] for name, seconds in cpu_snapshot(pids).items()}
    return part


def merge(parts: list[dict[str, Any]], concurrency: int, label: str) -> dict[str, Any]:
    timings = [t for part in parts for t in part["timings"]]
    answered_all = sum(part["all_answered"] for part in parts) or 1
    result = {
        "concurrency": concurrency,
        "msgs_per_s": len(timings) / sum(part["seconds"] for part in parts),
        "answered": len(timings),
        "errors": sum(part["errors"] for part in parts),
        "median_ms": statistics.median(timings) if timings else None,
        "p95_ms": percentile(timings, 95) if timings else None,
        # CPU per answered message (warm-up included on both sides of the division).
        "cpu_ms_per_msg": {
            name: 1000 * sum(part["cpu_s"][name] for part in parts) / answered_all for name in parts[0]["cpu_s"]
        },
    }
    print(
        f"  {label:<28} c{concurrency:<3} {result['msgs_per_s']:6.1f} msg/s "
        f"(p95 {result['p95_ms'] or 0:.0f} ms, errors {result['errors']})",
        file=sys.stderr,
    )
    return result


# --- nginx for the replicas ----------------------------------------------------------------------


def start_nginx(procs: Supervisor, upstreams: dict[str, list[int]]) -> dict[str, str] | None:
    """One nginx with a listen port per upstream; name -> webhook URL, or None if nginx cannot run."""
    prefix = BENCH / "nginx"
    shutil.rmtree(prefix, ignore_errors=True)
    listen = {name: free_port() for name in upstreams}
    health = [f"http://127.0.0.1:{port}/health" for port in listen.values()]
    try:
        nginx.start(procs, nginx.bench_config(upstreams, listen, prefix), prefix, health)
    except SupervisorError as exc:  # NginxError: not installed or refused; or it did not answer
        print(f"nginx did not start ({exc}); using client-side round robin", file=sys.stderr)
        if any(name == "nginx" for name, _ in procs.processes):
            procs.stop("nginx")
        return None
    return {name: f"http://127.0.0.1:{port}/webhooks/rest/webhook" for name, port in listen.items()}


# --- the run -------------------------------------------------------------------------------------


@dataclass
class Options:
    reuse_models: bool
    quick: bool
    messages: int
    bot_messages: int
    duration: float
    warmup: float
    bot: bool
    replicas: bool
    postgres: str
    redis: str
    ours_model: Path | None
    long_samples: int
    rollout: bool


def parse_args(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(prog="scripts/bench.py", description=__doc__.split("\n", 1)[0])
    parser.add_argument("--reuse-models", action="store_true", help="skip both trainings; serve existing models")
    parser.add_argument("--quick", action="store_true", help="small counts, to try the script (minutes)")
    parser.add_argument("--messages", type=int, help="REST latency messages per assistant (200; quick 20)")
    parser.add_argument("--bot-messages", type=int, help="bot latency messages per assistant (200; quick 10)")
    parser.add_argument(
        "--duration",
        type=float,
        help="seconds measured per throughput figure, as two alternating windows (30; quick 4)",
    )
    parser.add_argument("--no-bot", action="store_true", help="skip the bot latency")
    parser.add_argument("--no-replicas", action="store_true", help="skip the 2-replica throughput")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432", help="server URL, no db")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379", help="server URL, no db number")
    parser.add_argument("--long-samples", type=int, help="messages measured at ~10 and ~500 events (30; quick 10)")
    parser.add_argument("--no-rollout", action="store_true", help="skip the live-rollout case")
    parser.add_argument("--ours-model", type=Path, help=f"with --reuse-models: our model (default {OUR_MODEL})")
    args = parser.parse_args(argv)
    return Options(
        reuse_models=args.reuse_models,
        quick=args.quick,
        messages=args.messages or (20 if args.quick else 200),
        bot_messages=args.bot_messages or (10 if args.quick else 200),
        duration=args.duration or (4.0 if args.quick else 30.0),
        warmup=1.0 if args.quick else 3.0,
        bot=not args.no_bot,
        replicas=not args.no_replicas,
        postgres=args.postgres.rstrip("/"),
        redis=args.redis.rstrip("/"),
        ours_model=args.ours_model,
        long_samples=args.long_samples or (10 if args.quick else 30),
        rollout=not args.no_rollout,
    )


def summary(values: list[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "median": statistics.median(values),
        "p95": percentile(values, 95),
        "max": max(values),
        "samples": [round(v, 1) for v in values],
    }


@contextmanager
def stopping(procs: Supervisor, rigs: list[BotRig]) -> Iterator[None]:
    try:
        yield
    finally:
        for rig in rigs:
            rig.stop()
        procs.stop_all()


def measure(opts: Options, ours: Assistant, init: Assistant, results: dict[str, Any]) -> None:
    both = [ours, init]
    procs = supervisor()
    rigs: list[BotRig] = []
    per: dict[str, dict[str, Any]] = {a.key: results[a.key] for a in both}
    errors: list[str] = results["errors"]
    with stopping(procs, rigs):
        for a in both:
            start_actions(procs, a)
            print(f"Starting Rasa ({a.key}, {a.model.name})…", file=sys.stderr)
            per[a.key]["startup_s"] = start_rasa(procs, a, a.rasa_port, f"{a.key}-rasa")
            print(f"  answering after {per[a.key]['startup_s']:.1f} s", file=sys.stderr)
        # Every message once before measuring: TensorFlow traces its graphs again for each new
        # input shape (about half a second), which a server in service has long done.
        for a in both:
            for i, text in enumerate(a.messages):
                post(a.webhook(), f"warmup-{i // PER_USER}", text)

        # The bot first, while the tracker store is small: the bot ingests it once when it starts.
        if opts.bot:
            print(f"Bot latency, {opts.bot_messages} messages each…", file=sys.stderr)
            rigs.extend(BotRig(procs, a, opts.postgres) for a in both)
            rig_of = {rig.a.key: rig for rig in rigs}
            for rig in rigs:
                rig.turn(499_999, rig.a.messages[0])  # warm-up, not measured
            turns: dict[str, list[tuple[float, float]]] = {a.key: [] for a in both}
            for a, part in alternate(ours, init, opts.bot_messages):
                turns[a.key] += rig_of[a.key].run(part)
            for a in both:
                per[a.key]["bot_ms"] = summary([1000 * t for t, _ in turns[a.key]])
                per[a.key]["bot_layer_ms"] = summary([1000 * (t - r) for t, r in turns[a.key]])
            for rig in rigs:
                rig.stop()
                procs.stop(f"{rig.a.key}-bot")
            rigs.clear()

        print(f"REST latency, {opts.messages} messages each…", file=sys.stderr)
        with httpx.Client(timeout=60) as client:
            timings: dict[str, list[float]] = {a.key: [] for a in both}
            for a, part in alternate(init, ours, opts.messages):
                timings[a.key] += rest_latency(a, part, client, errors)
        for a in both:
            per[a.key]["rest_ms"] = summary(timings[a.key])

        print(f"Throughput of one Rasa process, {opts.duration:.0f} s per level…", file=sys.stderr)
        for level_index, level in enumerate(LEVELS):
            parts: dict[str, list[dict[str, Any]]] = {a.key: [] for a in both}
            for half in range(2):  # two windows each, ABBA
                for a in both if (level_index + half) % 2 == 0 else both[::-1]:
                    pids = {"rasa": [procs.pid(f"{a.key}-rasa")], "actions": [procs.pid(f"{a.key}-actions")]}
                    parts[a.key].append(load_part(a, [a.webhook()], pids, level, "1proc", opts))
            for a in both:
                per[a.key][f"tp_c{level}"] = merge(parts[a.key], level, f"{a.key}, 1 process")
        for a in both:
            per[a.key]["rss_rasa_mb"] = rss_mb(procs.pid(f"{a.key}-rasa"))
            per[a.key]["rss_actions_mb"] = rss_mb(procs.pid(f"{a.key}-actions"))

        print(f"Long conversations (~500 events) against fresh ones, {opts.long_samples} each…", file=sys.stderr)
        for a in both:
            engine = sa.create_engine(f"{opts.postgres}/{a.database}")
            grow, ask = (GROW, ASK) if a.key == "ours" else (INIT_MESSAGES, INIT_ASK)
            try:
                per[a.key]["long"] = long_conversation(
                    a.webhook(), events_of(engine), opts.long_samples, tag=f"bench-{a.key}", grow=grow, ask=ask
                )
            finally:
                engine.dispose()
            print(f"  {a.key}: {per[a.key]['long']}", file=sys.stderr)

        if opts.replicas:
            replicas(opts, procs, ours, init, per)
        if opts.rollout:
            rollout(opts, procs, ours, per[ours.key])


def replicas(opts: Options, procs: Supervisor, ours: Assistant, init: Assistant, per: dict[str, dict]) -> None:
    """1 replica against 2 (the second on another port, same stores and action server), at c32."""
    both = [ours, init]
    for a in both:
        print(f"Starting a second Rasa replica ({a.key})…", file=sys.stderr)
        per[a.key]["replica2_startup_s"] = start_rasa(procs, a, a.replica_port, f"{a.key}-rasa2")
    upstreams = {f"{a.key}{n}": [a.rasa_port, a.replica_port][:n] for a in both for n in (1, 2)}
    routes = start_nginx(procs, upstreams)
    how = "nginx" if routes else "client round robin"
    level = LEVELS[-1]
    print(f"Throughput, 1 and 2 replicas through {how}, c{level}…", file=sys.stderr)
    plan = [(ours, 1), (ours, 2), (init, 2), (init, 1)]
    parts: dict[tuple[str, int], list[dict[str, Any]]] = {(a.key, n): [] for a, n in plan}
    for a, n in [*plan, *plan[::-1]]:  # two windows each, ABBA
        urls = [routes[f"{a.key}{n}"]] if routes else [a.webhook(p) for p in upstreams[f"{a.key}{n}"]]
        rasa = [procs.pid(f"{a.key}-rasa"), procs.pid(f"{a.key}-rasa2")][:n]
        pids = {"rasa": rasa, "actions": [procs.pid(f"{a.key}-actions")]}
        parts[(a.key, n)].append(load_part(a, urls, pids, level, f"{n}replica", opts))
    for a, n in plan:
        per[a.key][f"tp_{n}rep"] = {**merge(parts[(a.key, n)], level, f"{a.key}, {n} replica(s)"), "via": how}
    for a in both:
        procs.stop(f"{a.key}-rasa2")


def rollout(opts: Options, procs: Supervisor, ours: Assistant, per: dict[str, Any]) -> None:
    """A new model published while 8 clients load a Rasa process that pulls from our model server.

    The new model is the same model in a new gzip member (a new ETag), so Rasa downloads, loads
    and swaps it exactly as after `make train`, and the answers stay comparable."""
    assert ours.settings is not None
    folder = BENCH / "rollout"
    folder.mkdir(parents=True, exist_ok=True)
    model = folder / "assistant.tar.gz"
    shutil.copyfile(ours.model, model)
    server = ModelServer(model).start()
    endpoints = write_endpoints(ours.settings, folder / "endpoints.yml", model_url=server.url)
    port = free_port()
    name = "ours-rasa-rollout"
    try:
        print("Rollout: publishing a new model under load (c8)…", file=sys.stderr)
        start_rasa(procs, ours, port, name, endpoints)
        incoming = folder / ".incoming.tar.gz"
        incoming.write_bytes(gzip.compress(gzip.decompress(model.read_bytes()), mtime=time.time() + 1))
        old = server.model.current()
        duration = 20.0 + 2 * ours.settings.model_pull_seconds
        outcome: dict[str, Any] = {}
        worker = threading.Thread(
            target=lambda: outcome.update(asyncio.run(_load([ours.webhook(port)], ours, "rollout", 8, 1.0, duration)))
        )
        worker.start()
        time.sleep(5)
        publish(incoming, model)
        new = server.model.current()
        published = time.monotonic()
        live = None
        while worker.is_alive() and live is None:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/webhooks/rest/", timeout=5) as response:
                if json.loads(response.read()).get("model") == (new.etag if new else None):
                    live = time.monotonic() - published
            time.sleep(0.2)
        worker.join()
        timings = outcome.get("timings", [])
        per["rollout"] = {
            "etag_changed": bool(old and new and old.etag != new.etag),
            "live_after_publish_s": live,
            "pull_interval_s": ours.settings.model_pull_seconds,
            "requests": len(timings),
            "failed": outcome.get("errors"),
            "p95_ms": percentile(timings, 95) if timings else None,
            "max_ms": max(timings) if timings else None,
        }
        print(f"  {per['rollout']}", file=sys.stderr)
    finally:
        procs.stop(name)
        server.stop()


# --- the report ----------------------------------------------------------------------------------


def ratio(ours: float | None, init: float | None) -> float | None:
    return ours / init if ours is not None and init else None


def report(results: dict[str, Any], opts: Options) -> list[str]:
    o, i = results["ours"], results["init"]
    cores = results["machine"]["cpu_count"]
    rows: list[tuple[str, float | None, float | None, str]] = []

    def add(label: str, path: tuple[str, ...], fmt: str = "{:.1f}") -> None:
        def get(d: dict[str, Any]) -> float | None:
            for key in path:
                if not isinstance(d, dict) or key not in d:
                    return None
                d = d[key]
            return d  # type: ignore[return-value]

        rows.append((label, get(o), get(i), fmt))

    if results["trainings_measured"]:
        add("training from scratch (s)", ("training_s",), "{:.0f}")
    add("start-up: process start → REST answers (s)", ("startup_s",))
    add(f"REST latency median (ms), {opts.messages} msgs", ("rest_ms", "median"))
    add("REST latency p95 (ms)", ("rest_ms", "p95"))
    if opts.bot:
        add(f"bot latency median (ms), {opts.bot_messages} msgs", ("bot_ms", "median"))
        add("bot latency p95 (ms)", ("bot_ms", "p95"))
        add("  of which bot layer, median (ms)", ("bot_layer_ms", "median"))
    for level in LEVELS:
        add(f"throughput 1 process, c{level} (msg/s)", (f"tp_c{level}", "msgs_per_s"))
    mid = f"tp_c{LEVELS[1]}"
    add(f"  Rasa CPU per message at c{LEVELS[1]} (ms)", (mid, "cpu_ms_per_msg", "rasa"))
    add(f"  action server CPU per message at c{LEVELS[1]} (ms)", (mid, "cpu_ms_per_msg", "actions"))
    add(f"  PostgreSQL CPU per message at c{LEVELS[1]} (ms)", (mid, "cpu_ms_per_msg", "postgres"))
    add(f"  load generator CPU per message at c{LEVELS[1]} (ms)", (mid, "cpu_ms_per_msg", "load generator"))
    for d in (o, i):
        d["per_core_1proc"] = d[f"tp_c{LEVELS[-1]}"]["msgs_per_s"] / cores
    add(f"  per core, 1 process c{LEVELS[-1]} ({cores} cores)", ("per_core_1proc",), "{:.2f}")
    if opts.replicas:
        via = o["tp_2rep"]["via"]
        add(f"throughput 1 replica via {via}, c{LEVELS[-1]}", ("tp_1rep", "msgs_per_s"))
        add(f"throughput 2 replicas via {via}, c{LEVELS[-1]}", ("tp_2rep", "msgs_per_s"))
        for d in (o, i):
            d["replica_gain"] = d["tp_2rep"]["msgs_per_s"] / d["tp_1rep"]["msgs_per_s"]
            d["per_core_2rep"] = d["tp_2rep"]["msgs_per_s"] / cores
        add("  2 replicas / 1 replica", ("replica_gain",), "{:.2f}")
        add("  per core, 2 replicas", ("per_core_2rep",), "{:.2f}")
        # With 2 replicas the machine is saturated: this is each message's whole CPU budget
        # (every process on the machine, including the load generator and others' work).
        add("  machine CPU per message, 2 replicas (ms)", ("tp_2rep", "cpu_ms_per_msg", "machine"))
    add("fresh conversation (~10 events), median (ms)", ("long", "fresh_median_ms"))
    add("long conversation (~500 events), median (ms)", ("long", "long_median_ms"))
    add("  long / fresh", ("long", "ratio"), "{:.2f}")
    add("RSS Rasa after the load (MB)", ("rss_rasa_mb",), "{:.0f}")
    add("RSS action server after the load (MB)", ("rss_actions_mb",), "{:.0f}")

    width = max(len(r[0]) for r in rows) + 2
    lines = [f"{'metric':<{width}}{'ours':>10}{'rasa init':>12}{'ratio':>9}", "-" * (width + 31)]
    for label, ours_value, init_value, fmt in rows:
        r = ratio(ours_value, init_value)
        cells = [fmt.format(v) if v is not None else "n/a" for v in (ours_value, init_value)]
        lines.append(f"{label:<{width}}{cells[0]:>10}{cells[1]:>12}{f'{r:.2f}' if r else 'n/a':>9}")
    for d, a_name in ((o, "ours"), (i, "rasa init")):
        if d.get("empty_replies"):
            lines.append(f"empty replies ({a_name}): {d['empty_replies']} messages answered with nothing (counted)")
    if "rollout" in o:
        r = o["rollout"]
        live = f"{r['live_after_publish_s']:.1f} s" if r["live_after_publish_s"] is not None else "NOT live"
        lines.append(
            f"rollout (ours, 1 process, c8): new model live {live} after publishing (pull every "
            f"{r['pull_interval_s']} s); {r['requests']} requests, {r['failed']} failed, "
            f"p95 {r['p95_ms'] or 0:.0f} ms, max {r['max_ms'] or 0:.0f} ms"
        )
    if not results["trainings_measured"]:
        lines.append("training: skipped (--reuse-models): no training figures in this run")
    if results["errors"]:
        lines.append(f"errors: {len(results['errors'])} (first: {results['errors'][0]})")
    for d, name in ((o, "ours"), (i, "rasa init")):
        bad = sum(d[f"tp_c{level}"]["errors"] for level in LEVELS)
        bad += sum(d[k]["errors"] for k in ("tp_1rep", "tp_2rep") if k in d)
        if bad:
            lines.append(f"throughput errors ({name}): {bad} non-200 or empty answers in the windows")

    p95 = {
        "REST": ratio(o["rest_ms"]["p95"], i["rest_ms"]["p95"]),
        "bot": ratio(o["bot_ms"]["p95"], i["bot_ms"]["p95"]) if opts.bot else None,
    }
    tput = {f"c{level}": ratio(o[f"tp_c{level}"]["msgs_per_s"], i[f"tp_c{level}"]["msgs_per_s"]) for level in LEVELS}
    p95_met = all(v is not None and v <= TARGET_P95 for v in p95.values() if v is not None)
    tput_met = all(v is not None and v >= TARGET_THROUGHPUT for v in tput.values())
    results["targets"] = {"p95_ratio": p95, "throughput_ratio": tput, "p95_met": p95_met, "throughput_met": tput_met}

    def cell(v: float | None) -> str:
        return f"{v:.2f}" if v is not None else "n/a"

    lines.append(
        f"(results: {(BENCH / 'results.json').relative_to(ROOT)}; load average at start/end "
        f"{results['machine']['load_at_start'][0]:.2f}/{results['machine']['load_at_end'][0]:.2f}; "
        f"{results['machine']['cpu_count']} cores)"
    )
    lines.append(
        f"targets: p95 ours/init ≤ {TARGET_P95} (REST {cell(p95['REST'])}, bot {cell(p95['bot'])}) "
        f"{'met' if p95_met else 'MISSED'} ; throughput per Rasa process ours/init ≥ {TARGET_THROUGHPUT} "
        f"(c1 {cell(tput['c1'])}, c8 {cell(tput['c8'])}, c32 {cell(tput['c32'])}) "
        f"{'met' if tput_met else 'MISSED'}"
    )

    def get(d: dict[str, Any], *path: str) -> float | None:
        for key in path:
            if not isinstance(d, dict) or key not in d:
                return None
            d = d[key]
        return d  # type: ignore[return-value]

    last = {
        "training": ratio(get(o, "training_s"), get(i, "training_s")),
        "p95 1 user": ratio(get(o, "rest_ms", "p95"), get(i, "rest_ms", "p95")),
        "throughput c8": ratio(get(o, "tp_c8", "msgs_per_s"), get(i, "tp_c8", "msgs_per_s")),
        "long conversation": ratio(get(o, "long", "long_median_ms"), get(i, "long", "long_median_ms")),
        "Rasa memory": ratio(get(o, "rss_rasa_mb"), get(i, "rss_rasa_mb")),
    }
    results["ratios"] = last
    lines.append("ours / rasa init, same run: " + ", ".join(f"{k} {cell(v)}" for k, v in last.items()))
    return lines


def on_sigterm(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt  # unwinds through the cleanup that stops every server we started


def main(argv: list[str] | None = None) -> int:
    apply_dotenv()  # .env, which make no longer reads (issue 20 point 5)
    opts = parse_args(argv)
    signal.signal(signal.SIGTERM, on_sigterm)
    LOGS.mkdir(parents=True, exist_ok=True)  # BENCH too
    ours = Assistant("ours", ROOT, ROOT / "credentials.yml", "bench_ours", 13, OURS_MESSAGES)
    init = Assistant("init", INIT_DIR, INIT_DIR / "credentials.yml", "bench_init", 14, INIT_MESSAGES)
    results: dict[str, Any] = {
        "started": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.argv[0]).name, *(sys.argv[1:] if argv is None else argv)]),
        "machine": {"cpu_count": os.cpu_count() or 1, "load_at_start": os.getloadavg()},
        "trainings_measured": not opts.reuse_models,
        "ours": {},
        "init": {},
        "errors": [],
    }
    try:
        create_init_project(fresh=not opts.reuse_models)
        if opts.reuse_models:
            existing_models(ours, init, opts.ours_model)
        else:
            for key, seconds in train_both(ours, init).items():
                results[key]["training_s"] = seconds
        for a in (ours, init):
            results[a.key]["model"] = str(a.model.relative_to(ROOT) if a.model.is_relative_to(ROOT) else a.model)
            configure(a, opts.postgres, opts.redis)
        reset_stores(opts.postgres, opts.redis, [ours, init])
        measure(opts, ours, init, results)
    except (BenchError, SupervisorError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    results["machine"]["load_at_end"] = os.getloadavg()
    for a in (ours, init):
        results[a.key]["empty_replies"] = empty_replies(a)
    lines = report(results, opts)
    results["report"] = lines
    (BENCH / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
