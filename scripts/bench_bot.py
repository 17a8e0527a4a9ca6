"""Added latency of the bot layer: update received -> last message sent, minus Rasa's own time.

Starts the action server, Rasa (trained model), a timing proxy in front of Rasa, a fake Telegram Bot
API and the real bot process, then sends N questions one after another from one chat (default 200).
For each: t0 = when the fake handed the update to the bot (getUpdates), t1 = the bot's last
sendMessage for that turn, rasa = the time the proxy waited for Rasa. Bot layer = t1 - t0 - rasa
(this includes the loopback hop through the proxy, about a millisecond).

Usage: make bench-bot   (BENCH_N=50 for a quicker run)
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from assistant_core.settings import apply_dotenv, load_settings  # noqa: E402
from scripts.bench_serve import QUESTIONS, free_port  # noqa: E402
from supervisor.stack import Stack  # noqa: E402
from tests.e2e.fake_telegram import FakeTelegram, text_update  # noqa: E402
from tests.e2e.switch_proxy import SwitchProxy  # noqa: E402

TOKEN = "123456:BENCH-token"  # noqa: S105 (a fake token for the fake Telegram API)
CHAT = 424242


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def main() -> int:
    apply_dotenv()  # .env, which make no longer reads (issue 20 point 5)
    n = int(os.environ.get("BENCH_N", "200"))
    var = Path(tempfile.mkdtemp(prefix="bench-bot-"))
    env = {
        "VAR_DIR": str(var),
        "DATABASE_URL": f"sqlite:///{var / 'assistant.db'}",
        "RASA_PORT": str(free_port()),
        "ACTION_PORT": str(free_port()),
        "PSEUDONYM_KEY": "bench-pseudonym-key-0123456789",
    }
    settings = load_settings({**os.environ, **env})
    stack = Stack(settings, extra_env=env)
    fake = FakeTelegram(TOKEN).start()
    proxy = SwitchProxy(f"http://127.0.0.1:{settings.rasa_port}", free_port())
    try:
        stack.start_actions()
        stack.start_rasa()
        proxy.start()
        stack.start_bot(
            {**env, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": fake.base_url, "RASA_URL": proxy.url}
        )
        fake.wait_for(lambda calls: any(c.method == "getMe" for c in calls), timeout=60)

        def turn(text: str) -> tuple[float, float]:
            since, before = fake.mark(), len(proxy.timings)
            update_id = fake.push(text_update(CHAT, text))
            fake.wait_for(lambda _: len(proxy.timings) > before, timeout=60, since=since)
            rasa_seconds, replies = proxy.timings[before]
            calls = fake.wait_for(
                lambda cs: sum(c.method == "sendMessage" for c in cs) >= replies, timeout=60, since=since
            )
            last = max(c.at for c in calls if c.method == "sendMessage")
            return last - fake.delivered[update_id], rasa_seconds

        turn("halo")  # first contact (privacy notice) and warm-up, not measured
        bot_ms, rasa_ms = [], []
        for i in range(n):
            total, rasa = turn(QUESTIONS[i % len(QUESTIONS)])
            bot_ms.append((total - rasa) * 1000)
            rasa_ms.append(rasa * 1000)
        print(f"messages: {n}")
        print(
            f"bot layer (update received -> last message sent, minus Rasa): "
            f"median {statistics.median(bot_ms):.1f} ms, p95 {percentile(bot_ms, 95):.1f} ms, "
            f"max {max(bot_ms):.1f} ms"
        )
        print(f"Rasa itself: median {statistics.median(rasa_ms):.1f} ms, p95 {percentile(rasa_ms, 95):.1f} ms")
        return 0
    finally:
        proxy.stop()
        stack.stop()
        fake.stop()


if __name__ == "__main__":
    sys.exit(main())
