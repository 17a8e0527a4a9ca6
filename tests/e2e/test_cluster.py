"""Several replicas, Rasa's own way, under load and under faults.

The topology of `make cluster` (supervisor/cluster.py): nginx in front of 2 Rasa servers and
2 action servers, a PostgreSQL tracker store and a Redis lock store, the bot in webhook mode
behind the same nginx (the webhook on its public port, REST on a loopback one). PostgreSQL and
Redis are private servers started for this module, so they can be restarted and stopped without
touching anything else.

In CI the load is reduced (CLUSTER_USERS x CLUSTER_MESSAGES, default 20 x 10); `make soak` runs
50 x 20. Recovery times are printed and written to VAR_DIR/cluster_report.json.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from assistant_core.pseudonym import conversation_id, rest_conversation_id
from assistant_core.settings import ROOT
from scripts.bench_training import copy_project, rewrite_examples
from supervisor.cluster import Cluster, Layout
from supervisor.nginx import NginxError, nginx_binary
from tests.e2e.conftest import MODEL, TOKEN
from tests.e2e.fake_telegram import FakeTelegram, text_update
from tests.e2e.services import PrivatePostgres, PrivateRedis, free_port, wait_port

pytestmark = pytest.mark.e2e

USERS = int(os.environ.get("CLUSTER_USERS", "20"))
MESSAGES = int(os.environ.get("CLUSTER_MESSAGES", "10"))
SECRET = "cluster-webhook-secret"
KEY = "cluster-pseudonym-key-0123456789"
APOLOGY = "sistem sedang sibuk"
# The reference case of tests/e2e/test_calculator.py: 4 workers at Rp3,5 juta, low risk, small
# business: Rp915.600. The small-business programs cost the same share of any wage below the JP
# cap, so every user's own figures follow from it, and a user given another's would fail.
SHARE = 915_600 / (4 * 3_500_000)
FAQS = [
    "iuran jkm brp persen",
    "jht bisa dicairkan kapan",
    "cara daftar bpjs tk utk usaha",
    "apa itu jkp",
    "klo telat bayar iuran kena denda gk",
    "bpu itu apa sih",
    "syarat klaim jkm apa aja",
    "jp itu apa",
    "apakah usaha mikro wajib daftar",
    "jkk menanggung apa saja",
]
REPORT: dict[str, Any] = {}


def rupiah(amount: float) -> str:
    return "Rp" + f"{round(amount):,}".replace(",", ".")


@dataclass
class Running:
    cluster: Cluster
    layout: Layout
    postgres: PrivatePostgres
    redis: PrivateRedis
    telegram: FakeTelegram
    engine: sa.Engine
    var: Path
    update_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_update_id(self) -> int:
        with self.lock:
            return next(self.update_ids)

    def rest(
        self, sender: str, text: str, timeout: float = 30, port: int | None = None
    ) -> tuple[int, list[dict[str, Any]]]:
        """One REST message through nginx, or straight to the Rasa replica on `port`."""
        base = f"http://127.0.0.1:{port}" if port else self.layout.rasa_url
        body = json.dumps({"sender": sender, "message": text}).encode()
        request = urllib.request.Request(
            f"{base}/webhooks/rest/webhook", data=body, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return int(response.status), json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, []

    def push(self, chat_id: int, text: str) -> None:
        """Deliver one Telegram update to the bot through nginx, as Telegram's webhook does."""
        update = {"update_id": self.next_update_id(), **text_update(chat_id, text, message_id=self.next_update_id())}
        request = urllib.request.Request(
            f"{self.layout.public_url}/telegram",
            data=json.dumps(update).encode(),
            headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200

    def events(self, chat_id: int) -> list[tuple[str, str | None, dict[str, Any]]]:
        sender = conversation_id(KEY.encode(), chat_id, chat_id, True)
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT type_name, action_name, data FROM events WHERE sender_id = :s ORDER BY id"),
                {"s": sender},
            ).all()
        return [(row[0], row[1], json.loads(row[2])) for row in rows]

    def wait_turns(self, chat_id: int, user_messages: int, timeout: float = 120) -> None:
        """Wait until Rasa has stored `user_messages` user turns for the chat and listens again."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            events = self.events(chat_id)
            users = sum(1 for e in events if e[0] == "user")
            if users >= user_messages and events[-1][1] == "action_listen":
                return
            time.sleep(0.2)
        raise AssertionError(f"chat {chat_id}: {user_messages} turns not stored within {timeout}s")

    def replies(self, chat_id: int) -> list[str]:
        return [
            str(c.params["text"])
            for c in list(self.telegram.calls)
            if c.method == "sendMessage" and int(c.params["chat_id"]) == chat_id
        ]

    def upstreams(self) -> dict[str, int]:
        """Requests per Rasa replica, from nginx's access log."""
        counts: dict[str, int] = {}
        for line in (self.cluster.prefix / "access.log").read_text().splitlines():
            # $remote_addr $request_method $uri $status $upstream_addr $request_time; a retried
            # request's $upstream_addr lists each replica tried, separated by ", ".
            fields = line.split(" ")
            uri, upstream = fields[2], " ".join(fields[4:-1])
            if uri.startswith("/webhooks/rest/"):
                for address in upstream.split(", "):
                    counts[address] = counts.get(address, 0) + 1
        return counts

    def log(self, name: str) -> str:
        return (self.cluster.stack.log_dir / f"{name}.log").read_text(errors="replace")

    @property
    def model(self) -> Path:
        """The model file this cluster's model server publishes (a copy; the rollout test replaces it)."""
        return self.var / "models" / "assistant.tar.gz"


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train`")
    try:
        nginx_binary()
    except NginxError as exc:
        if os.environ.get("REQUIRE_NGINX"):
            pytest.fail(f"nginx is required here (REQUIRE_NGINX is set): {exc}")
        pytest.skip(str(exc))
    var = tmp_path_factory.mktemp("cluster")
    postgres, redis = PrivatePostgres(), PrivateRedis()
    postgres.start()
    redis.start()
    layout = Layout(
        rasa_ports=(free_port(), free_port()),
        action_ports=(free_port(), free_port()),
        rasa_lb_port=free_port(),
        action_lb_port=free_port(),
        webhook_port=free_port(),
        public_port=free_port(),
    )
    fake = FakeTelegram(TOKEN).start()
    env = {
        **os.environ,
        "VAR_DIR": str(var),
        "DATABASE_URL": postgres.database_url("assistant"),
        "REDIS_URL": redis.url,
        "PSEUDONYM_KEY": KEY,
        "RASA_TIMEOUT": "20",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "TELEGRAM_WEBHOOK_URL": f"{layout.public_url}/telegram",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        # A burst here is 5 messages, sent while the previous reply may still be on its way, that
        # must all reach Rasa in order: no flood cap (default 4; tested in tests/bot/test_flood.py).
        "MAX_PENDING_PER_CHAT": "0",
    }
    (var / "models").mkdir()
    shutil.copyfile(MODEL, var / "models" / "assistant.tar.gz")
    cluster = Cluster(env, layout, model=var / "models" / "assistant.tar.gz")
    engine = sa.create_engine(postgres.database_url("assistant"), pool_pre_ping=True)
    try:
        REPORT["cluster_start_s"] = round(cluster.start(), 1)
        cluster.start_bot()
        fake.wait_for(lambda calls: any(c.method == "setWebhook" for c in calls), timeout=60)
        wait_port(layout.webhook_port, 30)  # PTB registers the webhook before it listens
        yield Running(cluster, layout, postgres, redis, fake, engine, var)
    finally:
        engine.dispose()
        cluster.stop()
        fake.stop()
        redis.destroy()
        postgres.destroy()
        (var / "cluster_report.json").write_text(json.dumps(REPORT, indent=2))
        print("\ncluster report:", json.dumps(REPORT, indent=2))


# --- concurrency ---------------------------------------------------------------------------------


def script(user: int, messages: int) -> tuple[list[list[str]], str]:
    """One user's messages as groups sent together (a burst is one group of 5) and the total
    their calculator must show."""
    wages = ["3", "3,5", "4", "4,5", "5"]
    wage, count = wages[user % len(wages)], 2 + user % 5
    total = rupiah(count * float(wage.replace(",", ".")) * 1_000_000 * SHARE)
    faqs = itertools.cycle(FAQS[user % len(FAQS) :] + FAQS[: user % len(FAQS)])
    groups: list[list[str]] = [
        ["halo"],
        [f"Gaji karyawan saya {wage} juta, {count} orang, berapa iurannya sebulan?"],
        ["Rendah"],
        ["Kecil"],
    ]
    bursty = user % 3 == 0
    while sum(len(g) for g in groups) < messages:
        left = messages - sum(len(g) for g in groups)
        if bursty and left >= 5:
            groups.append([next(faqs) for _ in range(5)])
        else:
            groups.append([next(faqs)])
    return groups, total


def test_many_users_across_replicas_keep_order_and_figures(running: Running) -> None:
    started = time.monotonic()

    def one_user(user: int) -> None:
        chat_id = 810_000 + user
        groups, _ = script(user, MESSAGES)
        sent = 0
        for group in groups:
            for text in group:  # a burst: 5 updates delivered at once, no waiting in between
                running.push(chat_id, text)
            sent += len(group)
            running.wait_turns(chat_id, sent)

    def rest_burst(user: int) -> None:
        """REST clients may send one conversation's messages in parallel: nginx spreads them over
        both replicas, and only the Redis lock keeps them from overwriting each other."""
        sender = f"rest-burst-{user}"
        with ThreadPoolExecutor(max_workers=5) as burst:
            results = list(burst.map(lambda text: running.rest(sender, text), FAQS[:5]))
        assert all(status == 200 and replies for status, replies in results), results

    bursty = [u for u in range(USERS) if u % 3 == 0]
    with ThreadPoolExecutor(max_workers=USERS + len(bursty)) as pool:
        done = [pool.submit(one_user, u) for u in range(USERS)] + [pool.submit(rest_burst, u) for u in bursty]
        for future in done:
            future.result()
    elapsed = time.monotonic() - started
    REPORT["concurrency"] = {
        "users": USERS,
        "messages_per_user": MESSAGES,
        "bursty_users": len(bursty),
        "parallel_rest_bursts": len(bursty),
        "seconds": round(elapsed, 1),
        "messages_per_second": round((USERS * MESSAGES + 5 * len(bursty)) / elapsed, 1),
    }
    for user in range(USERS):
        chat_id = 810_000 + user
        groups, total = script(user, MESSAGES)
        expected = [text for group in groups for text in group]
        events = running.events(chat_id)
        said = [e[2].get("text") for e in events if e[0] == "user"]
        assert said == expected, f"user {user}: messages lost, duplicated or out of order"
        # Each message was handled whole: the assistant answered before the next message was read.
        kinds = [e[0] for e in events if e[0] in {"user", "bot"}]
        for i, kind in enumerate(kinds):
            if kind == "user" and i + 1 < len(kinds):
                assert kinds[i + 1] == "bot", f"user {user}: a message was left unanswered"
        unique = {(e[0], json.dumps(e[2], sort_keys=True)) for e in events}
        assert len(unique) == len(events), f"user {user}: an event was stored twice"
        # Telegram got the replies, including this user's own figures.
        deadline = time.monotonic() + 30
        while not any(f"Total sebulan: {total}" in r for r in running.replies(chat_id)):
            assert time.monotonic() < deadline, f"user {user}: no calculator result {total}"
            time.sleep(0.2)
        assert len(running.replies(chat_id)) >= len(expected)
    for user in bursty:
        events = _events_for(running, f"rest-burst-{user}")
        said = [e[2].get("text") for e in events if e[0] == "user"]
        assert sorted(said) == sorted(FAQS[:5]), f"REST burst {user}: messages lost or duplicated: {said}"
        kinds = [e[0] for e in events if e[0] in {"user", "bot"}]
        assert all(kinds[i + 1] == "bot" for i, k in enumerate(kinds) if k == "user"), "handled whole"
        unique = {(e[0], json.dumps(e[2], sort_keys=True)) for e in events}
        assert len(unique) == len(events), f"REST burst {user}: an event was stored twice"
    # nginx spread the work over both replicas.
    served = running.upstreams()
    for port in running.layout.rasa_ports:
        assert served.get(f"127.0.0.1:{port}", 0) > USERS * MESSAGES / 4, (
            f"replica on {port} took little or no work: {served}"
        )
    REPORT["concurrency"]["requests_per_replica"] = served


# --- exposure ----------------------------------------------------------------------------------


def status_of(url: str, body: bytes | None = None) -> int:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_the_public_port_serves_only_the_webhook_and_rest_stays_on_loopback(running: Running) -> None:
    """Issue 20 point 9: REST (any REST conversation, the forget endpoint) shared the public port
    with the Telegram webhook. It now answers only on nginx's loopback port."""
    public, rest = running.layout.public_url, running.layout.rasa_url
    message = json.dumps({"sender": "exposure", "message": "halo"}).encode()
    assert status_of(f"{public}/health") == 200
    assert status_of(f"{public}/webhooks/rest/webhook", message) == 404
    assert status_of(f"{public}/webhooks/rest/forget", b'{"sender": "exposure"}') == 404
    assert status_of(f"{public}/webhooks/rest/") == 404
    assert status_of(f"{public}/status") == 404  # Rasa's HTTP API, on neither
    assert status_of(f"{rest}/webhooks/rest/webhook", message) == 200
    assert status_of(f"{rest}/telegram", b"{}") == 404  # and the webhook is not on the REST port
    conf = (running.cluster.prefix / "nginx.conf").read_text()
    assert f"listen 127.0.0.1:{running.layout.rasa_lb_port};" in conf


# --- faults ------------------------------------------------------------------------------------


def until_ok(running: Running, sender: str, text: str, timeout: float = 120) -> tuple[float, list[dict[str, Any]]]:
    """Send until the assistant answers; returns (seconds it took, the replies)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        status, replies = running.rest(sender, text)
        if status == 200 and replies:
            return time.monotonic() - started, replies
        time.sleep(0.25)
    raise AssertionError(f"no answer to {text!r} within {timeout}s")


def joined(replies: list[dict[str, Any]]) -> str:
    return "\n".join(str(r.get("text", "")) for r in replies)


def test_a_rasa_replica_killed_mid_conversation(running: Running) -> None:
    sender = "fault-rasa-kill"
    status, replies = running.rest(sender, "Gaji karyawan saya 4 juta, 3 orang, berapa iurannya sebulan?")
    assert status == 200 and "kelompok risiko" in joined(replies)
    running.cluster.kill_rasa(0)  # SIGKILL: no clean shutdown
    seconds, replies = until_ok(running, sender, "Rendah")
    assert "ukuran" in joined(replies).lower(), "the other replica continued the calculator from the database"
    status, replies = running.rest(sender, "Kecil")
    assert status == 200 and f"Total sebulan: {rupiah(3 * 4_000_000 * SHARE)}" in joined(replies)
    # Every message is answered while one replica is down (nginx skips it).
    for text in FAQS[:4]:
        status, replies = running.rest(f"{sender}-other", text)
        assert status == 200 and replies
    rejoin = running.cluster.start_rasa(0)
    REPORT["rasa_replica_killed"] = {
        "first_answer_after_kill_s": round(seconds, 2),
        "replica_rejoined_s": round(rejoin, 1),
    }


def test_action_servers_down_then_back(running: Running) -> None:
    sender = "fault-actions"
    running.cluster.kill_actions(0)
    # One of two down: nobody notices.
    status, replies = running.rest(sender, "iuran jkm brp persen")
    assert status == 200 and "0,3%" in joined(replies)
    running.cluster.kill_actions(1)
    # Both down: the REST channel says 503 at once; the Telegram user gets an apology.
    started = time.monotonic()
    status, _ = running.rest(sender, "iuran jkm brp persen")
    assert status == 503 and time.monotonic() - started < 10
    chat_id = 820_001
    running.push(chat_id, "iuran jkm brp persen")
    deadline = time.monotonic() + 30
    while not any(APOLOGY in r for r in running.replies(chat_id)):
        assert time.monotonic() < deadline, "the Telegram user got no apology"
        time.sleep(0.2)
    back = time.monotonic()
    running.cluster.start_actions(0)
    running.cluster.start_actions(1)
    _seconds, replies = until_ok(running, sender, "iuran jkm brp persen")
    assert "0,3%" in joined(replies)
    REPORT["action_servers_down"] = {"answer_after_restart_s": round(time.monotonic() - back, 2)}


def test_postgres_restart_keeps_an_open_calculator(running: Running) -> None:
    sender = "fault-pg-restart"
    status, replies = running.rest(sender, "Gaji karyawan saya 5 juta, 2 orang, berapa iurannya sebulan?")
    assert status == 200 and "kelompok risiko" in joined(replies)
    # Every pooled connection of both replicas dies here; they must not serve an empty conversation.
    restart = running.postgres.restart()
    seconds, replies = until_ok(running, sender, "Rendah")
    assert "ukuran" in joined(replies).lower(), "the calculator survived the restart"
    status, replies = running.rest(sender, "Kecil")
    assert status == 200 and f"Total sebulan: {rupiah(2 * 5_000_000 * SHARE)}" in joined(replies)
    REPORT["postgres_restart"] = {"restart_s": round(restart, 2), "first_answer_after_restart_s": round(seconds, 2)}


def test_postgres_down_fails_loudly_and_resumes_by_itself(running: Running) -> None:
    sender = "fault-pg-down"
    status, replies = running.rest(sender, "Gaji karyawan saya 3 juta, 5 orang, berapa iurannya sebulan?")
    assert status == 200 and "kelompok risiko" in joined(replies)
    running.postgres.stop()
    try:
        started = time.monotonic()
        status, replies = running.rest(sender, "Rendah")
        refused_in = time.monotonic() - started
        # Not an empty conversation served from memory: a clear 503, quickly.
        assert status == 503, (status, replies)
        assert refused_in < 15
        # A Telegram user gets an apology, not silence (the bot's own tables are down too).
        chat_id = 820_002
        running.push(chat_id, "iuran jkm brp persen")
        deadline = time.monotonic() + 30
        while not any(APOLOGY in r for r in running.replies(chat_id)):
            assert time.monotonic() < deadline, "the Telegram user got no apology while the database was down"
            time.sleep(0.2)
    finally:
        running.postgres.start()
    seconds, replies = until_ok(running, sender, "Rendah")
    assert "ukuran" in joined(replies).lower(), "the conversation resumed where it was, not from scratch"
    status, replies = running.rest(sender, "Kecil")
    assert f"Total sebulan: {rupiah(5 * 3_000_000 * SHARE)}" in joined(replies)
    said = [e[2].get("text") for e in _events_for(running, sender) if e[0] == "user"]
    assert said.count("Rendah") == 1, "the refused message left nothing behind"
    REPORT["postgres_down"] = {
        "refused_in_s": round(refused_in, 2),
        "first_answer_after_database_back_s": round(seconds, 2),
    }


def _events_for(running: Running, sender: str) -> list[tuple[str, str | None, dict[str, Any]]]:
    """The stored events of a REST client's conversation (its sender id in the REST namespace)."""
    conversation = rest_conversation_id(KEY.encode(), sender)
    with running.engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT type_name, action_name, data FROM events WHERE sender_id = :s ORDER BY id"),
            {"s": conversation},
        ).all()
    return [(row[0], row[1], json.loads(row[2])) for row in rows]


def test_redis_down_falls_back_to_local_locks(running: Running) -> None:
    sender = "fault-redis"
    running.redis.stop()
    try:
        started = time.monotonic()
        status, replies = running.rest(sender, "iuran jkm brp persen")
        first = time.monotonic() - started
        assert status == 200 and "0,3%" in joined(replies), "answered without Redis"
        assert first < 5, "no hang"
        status, replies = running.rest(sender, "Gaji karyawan saya 4,5 juta, 2 orang, berapa iurannya sebulan?")
        assert status == 200 and "kelompok risiko" in joined(replies)
        logs = running.log("rasa-1") + running.log("rasa-2")
        assert "Redis lock store unreachable" in logs, "the outage is logged clearly"
    finally:
        running.redis.start()
    back = time.monotonic()
    # The conversation carries on, and within retry_after (5 s) the replicas use Redis again.
    status, replies = running.rest(sender, "Rendah")
    assert status == 200 and "ukuran" in joined(replies).lower()
    deadline = time.monotonic() + 30
    for text in itertools.cycle(FAQS):
        status, replies = running.rest(sender, text)
        assert status == 200 and replies
        if "Redis lock store reachable again" in running.log("rasa-1") + running.log("rasa-2"):
            break
        assert time.monotonic() < deadline, "the replicas did not go back to Redis"
        time.sleep(0.5)
    REPORT["redis_down"] = {
        "first_answer_without_redis_s": round(first, 2),
        "back_on_redis_s": round(time.monotonic() - back, 2),
    }


# --- live rollout --------------------------------------------------------------------------------

# A phrasing no entry is trained on; the rollout teaches it to one entry (Jaminan Kematian).
NEW_PHRASING = "zebra ungu menari di atap kantor"
TRAINED_PHRASING = "Apa itu Jaminan Kematian dan berapa santunannya?"  # in content/faq, entry jkm_apa
ROLLOUT_NLU = """version: "3.1"
nlu:
- intent: faq/jkm_apa
  examples: |
    - zebra ungu menari di atap kantor
    - zebra ungu menari di atap
    - zebra ungu menari
"""


class Load:
    """Clients sending FAQ questions through nginx non-stop; every non-answer is recorded."""

    def __init__(self, running: Running, clients: int = 4) -> None:
        self.running = running
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.sent = 0
        self.failures: list[str] = []
        self.threads = [threading.Thread(target=self._client, args=(i,), daemon=True) for i in range(clients)]

    def _client(self, index: int) -> None:
        for turn, text in enumerate(itertools.cycle(FAQS)):
            if self.stopping.is_set():
                return
            # New senders now and then, so conversations stay short and realistic.
            sender = f"rollout-load-{index}-{turn // 20}"
            try:
                status, replies = self.running.rest(sender, text)
                failure = None if status == 200 and replies else f"{text!r}: HTTP {status}, {len(replies)} replies"
            except (OSError, ValueError) as exc:  # timeouts, refused connections, bad JSON
                failure = f"{text!r}: {exc!r}"
            with self.lock:
                self.sent += 1
                if failure:
                    self.failures.append(failure)

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=60)


# The rollout test is about train, publish, pull and swap under load, not the model's accuracy:
# fitting all ~4,000 phrasings on 2 cores already busy with two replicas and the load took about
# 150 s of every CI run. `make bench` measures the rollout with the whole project.
ROLLOUT_EXAMPLES_PER_INTENT = 3


def test_a_new_model_goes_live_on_both_replicas_under_load(running: Running, tmp_path: Path) -> None:
    """`scripts/train.py` trains and publishes; each replica pulls the model (ETag changed) within
    MODEL_PULL_SECONDS and swaps it in. Nothing restarts, and no message under load fails."""
    ports = running.layout.rasa_ports
    status, replies = running.rest("rollout-reference", TRAINED_PHRASING)
    assert status == 200 and replies
    answer = str(replies[0]["text"])  # the first message of the entry's answer
    for port in ports:
        status, replies = running.rest("rollout-before", NEW_PHRASING, port=port)
        assert status == 200 and answer not in joined(replies), "the old model already knows the phrasing"
    old_etag = running.cluster.stack.model_server.model.current().etag  # type: ignore[union-attr]

    project = copy_project(tmp_path / "project")
    rewrite_examples(project, lambda examples: examples[:ROLLOUT_EXAMPLES_PER_INTENT])
    (project / "nlu" / "rollout.yml").write_text(ROLLOUT_NLU)

    with Load(running) as load:
        started = time.monotonic()
        trained = subprocess.run(
            [
                str(ROOT / ".venv/app/bin/python"),
                str(ROOT / "scripts/train.py"),
                "--root",
                str(project),
                "--model",
                str(running.model),
            ],
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert trained.returncode == 0, trained.stdout[-2000:] + trained.stderr[-2000:]
        published = time.monotonic()
        live: dict[int, float] = {}
        while len(live) < len(ports) and time.monotonic() - published < 90:
            for port in ports:
                if port not in live:
                    status, replies = running.rest(f"rollout-probe-{port}", NEW_PHRASING, port=port)
                    if status == 200 and answer in joined(replies):
                        live[port] = time.monotonic() - published
            time.sleep(0.5)
        time.sleep(2)  # keep the load on a moment after the switch
    REPORT["rollout"] = {
        "train_and_publish_s": round(published - started, 1),
        "live_after_publish_s": {str(port): round(seconds, 1) for port, seconds in live.items()},
        "requests_under_load": load.sent,
        "failed_requests": len(load.failures),
    }
    print("rollout:", REPORT["rollout"])
    new_etag = running.cluster.stack.model_server.model.current().etag  # type: ignore[union-attr]
    assert new_etag != old_etag, "the model server publishes the new model"
    assert sorted(live) == sorted(ports), f"not every replica answered the new phrasing within 90 s: {live}"
    assert max(live.values()) <= 60, f"the new model took more than 60 s to go live: {live}"
    assert load.sent >= 20, "the load generator ran during the rollout"
    assert load.failures == [], f"{len(load.failures)} of {load.sent} requests failed: {load.failures[:5]}"
    for name in ("rasa-1", "rasa-2"):
        assert "Failed to update model" not in running.log(name)
