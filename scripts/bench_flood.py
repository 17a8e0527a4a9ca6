"""Fair service under floods (issue 20 point 6): ordinary users' latency with and without 3 chats
flooding the bot, beside each other in one run.

Starts the real bot process (supervisor.stack.Stack, as `make bench-bot` does) against the fake
Telegram Bot API of tests/e2e/fake_telegram.py and a stub Rasa REST server that answers every
message after a fixed delay (RASA_DELAY_MS, default 80 ms). The stub stands in for Rasa on
purpose: this measures the bot layer's scheduling (PTB's concurrency slots, the per-conversation
lock and the flood cap, Telegram's rate limiter), not NLU, and a fixed delay keeps the two phases
comparable on a shared machine.

Each phase: ORDINARY users (default 20) each send MESSAGES questions (default 10), one at a time,
waiting for the answer and then THINK_SECONDS (default 2 s; the first message at a random offset).
Latency = the update handed to the fake's queue (what Telegram would do when the user sends) to the
bot's sendMessage with the answer. Phase 1 is unloaded. In phase 2, FLOOD_AFTER seconds in, each of
FLOODERS chats (default 3) sends FLOOD_MESSAGES (default 100) messages: all at once
(FLOOD_RATE=0, the default) or FLOOD_RATE a second. Reported: ordinary users' p50/p95 per phase,
their ratio, and what the flooding chats got back.

Usage: .venv/app/bin/python scripts/bench_flood.py
       MAX_PENDING_PER_CHAT=0 .venv/app/bin/python scripts/bench_flood.py   (no cap: the old behaviour)
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from assistant_core.settings import apply_dotenv, load_settings  # noqa: E402
from scripts.bench_bot import percentile  # noqa: E402
from supervisor.stack import Stack  # noqa: E402
from tests.e2e.fake_telegram import Call, FakeTelegram, text_update  # noqa: E402

TOKEN = "123456:FLOOD-bench-token"  # noqa: S105 (a fake token for the fake Telegram API)
ORDINARY_BASE, FLOODER_BASE = 710000, 790000
ANSWER = "Jawaban untuk: "


class StubRasa:
    """Rasa's REST channel as far as the bot can tell: one text reply per message, after `delay` s."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.messages = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> StubRasa:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._reply({"status": "ok"})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                time.sleep(stub.delay)
                with stub._lock:
                    stub.messages += 1
                if self.path.endswith("/forget"):
                    self._reply({"deleted": 0})
                    return
                self._reply([{"recipient_id": body.get("sender"), "text": ANSWER + str(body.get("message"))}])

            def _reply(self, payload: Any) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        return Handler


def answered(chat: int, text: str) -> Any:
    def predicate(calls: list[Call]) -> bool:
        return any(
            c.method == "sendMessage" and int(c.params["chat_id"]) == chat and c.params.get("text") == ANSWER + text
            for c in calls
        )

    return predicate


def ask(fake: FakeTelegram, chat: int, text: str, timeout: float = 120) -> float:
    """Send one message and wait for its answer; seconds from sending to the answer."""
    since = fake.mark()
    sent = time.monotonic()
    fake.push(text_update(chat, text))
    calls = fake.wait_for(answered(chat, text), timeout=timeout, since=since)
    return next(c.at for c in calls if answered(chat, text)([c])) - sent


def phase(fake: FakeTelegram, name: str, flood: bool, config: dict[str, float]) -> list[float]:
    ordinary, messages, think = int(config["ordinary"]), int(config["messages"]), config["think"]
    latencies: list[float] = []
    lock = threading.Lock()
    rng = random.Random(20)
    offsets = [rng.uniform(0, think) for _ in range(ordinary)]

    def user(index: int) -> None:
        chat = ORDINARY_BASE + index
        time.sleep(offsets[index])
        for i in range(messages):
            seconds = ask(fake, chat, f"{name} pengguna {index} pertanyaan {i}")
            with lock:
                latencies.append(seconds)
            time.sleep(think)

    def flooder(index: int) -> None:
        chat = FLOODER_BASE + index
        time.sleep(config["flood_after"])
        for i in range(int(config["flood_messages"])):
            fake.push(text_update(chat, f"banjir {index} pesan {i}"))
            if config["flood_rate"]:
                time.sleep(1 / config["flood_rate"])

    threads = [threading.Thread(target=user, args=(i,)) for i in range(ordinary)]
    if flood:
        threads += [threading.Thread(target=flooder, args=(i,)) for i in range(int(config["flooders"]))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def main() -> int:
    apply_dotenv()
    config = {
        "ordinary": float(os.environ.get("ORDINARY", "20")),
        "messages": float(os.environ.get("MESSAGES", "10")),
        "think": float(os.environ.get("THINK_SECONDS", "2")),
        "flooders": float(os.environ.get("FLOODERS", "3")),
        "flood_messages": float(os.environ.get("FLOOD_MESSAGES", "100")),
        "flood_rate": float(os.environ.get("FLOOD_RATE", "0")),
        "flood_after": float(os.environ.get("FLOOD_AFTER", "2")),
    }
    delay = float(os.environ.get("RASA_DELAY_MS", "80")) / 1000
    var = Path(tempfile.mkdtemp(prefix="bench-flood-"))
    env = {
        "VAR_DIR": str(var),
        "DATABASE_URL": f"sqlite:///{var / 'assistant.db'}",
        "PSEUDONYM_KEY": "bench-pseudonym-key-0123456789",
        "LOG_LEVEL": "WARNING",
    }
    if "MAX_PENDING_PER_CHAT" in os.environ:
        env["MAX_PENDING_PER_CHAT"] = os.environ["MAX_PENDING_PER_CHAT"]
    settings = load_settings({**os.environ, **env})
    stack = Stack(settings, extra_env=env)
    fake = FakeTelegram(TOKEN).start()
    rasa = StubRasa(delay).start()
    try:
        stack.start_bot(
            {**env, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": fake.base_url, "RASA_URL": rasa.url}
        )
        fake.wait_for(lambda calls: any(c.method == "getMe" for c in calls), timeout=60)
        # First contact (the privacy notice and the user's row) for everybody, not measured.
        for chat in [ORDINARY_BASE + i for i in range(int(config["ordinary"]))] + [
            FLOODER_BASE + i for i in range(int(config["flooders"]))
        ]:
            ask(fake, chat, "halo")

        cap = settings.max_pending_per_chat
        print(
            f"bot: MAX_PENDING_PER_CHAT={cap or 'off'}; stub Rasa {delay * 1000:.0f} ms a message; "
            f"{config['ordinary']:.0f} ordinary users x {config['messages']:.0f} messages, {config['think']:g} s apart"
        )
        unloaded = phase(fake, "tenang", flood=False, config=config)
        since = fake.mark()
        loaded = phase(fake, "banjir", flood=True, config=config)
        # Let the flood finish (3 s without a call to the fake), then see what the flooding chats got.
        flood_chats = {FLOODER_BASE + i for i in range(int(config["flooders"]))}
        while time.monotonic() - max(c.at for c in fake.calls[-1:]) < 3:
            time.sleep(0.5)
        to_flooders = [
            c for c in fake.calls[since:] if c.method == "sendMessage" and int(c.params["chat_id"]) in flood_chats
        ]
        flood_answers = sum(str(c.params.get("text", "")).startswith(ANSWER) for c in to_flooders)
        how = f"at {config['flood_rate']:g}/s" if config["flood_rate"] else "at once"
        print(
            f"flood: {config['flooders']:.0f} chats x {config['flood_messages']:.0f} messages {how}, "
            f"{config['flood_after']:g} s into the phase"
        )
        for label, values in (("unloaded", unloaded), ("with flood", loaded)):
            ms = [v * 1000 for v in values]
            print(
                f"ordinary users {label:>10}: n={len(ms)} p50 {statistics.median(ms):.0f} ms, "
                f"p95 {percentile(ms, 95):.0f} ms, max {max(ms):.0f} ms"
            )
        sends = sorted(c.at for c in fake.calls[since:] if c.method in {"sendMessage", "sendChatAction"})
        peak = max((sum(1 for t in sends[i:] if t - start < 1) for i, start in enumerate(sends)), default=0)
        limit = "PTB's AIORateLimiter: a burst of 30, then 30 a second"
        print(f"Telegram sends during the flood phase: peak {peak} in any 1 s ({limit})")
        ratio = percentile(loaded, 95) / percentile(unloaded, 95)
        print(f"p95 ratio (with flood / unloaded): {ratio:.2f}  (requirement: at most 2)")
        print(
            f"flooding chats: {flood_answers} messages answered, {len(to_flooders) - flood_answers} other "
            f"messages (the request to wait) out of {config['flooders'] * config['flood_messages']:.0f} sent"
        )
        return 0 if ratio <= 2 else 1
    finally:
        rasa.stop()
        stack.stop()
        fake.stop()


if __name__ == "__main__":
    sys.exit(main())
