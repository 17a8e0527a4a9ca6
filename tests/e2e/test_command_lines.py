"""Secrets are never on a command line (issue 20 point 10): every local user can read those.

`ps` and /proc/<pid>/cmdline show every process's arguments to every user of the machine, and a
container's to its host. The stack is started the way `make run` starts it, with an API token and
a password-protected Redis, and every process it started is searched for both.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from assistant_core.settings import load_settings
from supervisor.stack import Stack
from tests.e2e.conftest import MODEL, TOKEN
from tests.e2e.fake_telegram import FakeTelegram
from tests.e2e.services import PrivateRedis, free_port

pytestmark = pytest.mark.e2e

API_TOKEN = "api-token-" + secrets.token_hex(12)
REDIS_PASSWORD = "redispw" + secrets.token_hex(12)


@dataclass
class Running:
    stack: Stack
    redis: PrivateRedis
    rasa_port: int


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    var = tmp_path_factory.mktemp("cmdline")
    redis = PrivateRedis(password=REDIS_PASSWORD)
    redis.start()
    fake = FakeTelegram(TOKEN).start()
    rasa_port = free_port()
    env = {
        "VAR_DIR": str(var),
        "DATABASE_URL": f"sqlite:///{var / 'assistant.db'}",
        "RASA_PORT": str(rasa_port),
        "ACTION_PORT": str(free_port()),
        "PSEUDONYM_KEY": "cmdline-pseudonym-key-0123456789",
        "REDIS_URL": redis.url,
        "RASA_API_TOKEN": API_TOKEN,
        "RASA_TIMEOUT": "8",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": fake.base_url,
    }
    stack = Stack(load_settings({**os.environ, **env}), extra_env=env, model=MODEL)
    try:
        stack.start_actions()
        stack.start_rasa()
        stack.start_bot()
        fake.wait_for(lambda calls: any(c.method == "getMe" for c in calls), timeout=60)
        yield Running(stack, redis, rasa_port)
    finally:
        stack.stop()
        fake.stop()
        redis.destroy()


def descendants(root: int) -> dict[int, bytes]:
    """Every living process below `root`, with its command line as the kernel shows it to others."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # it exited meanwhile
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: dict[int, bytes] = {}
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in found:
                try:
                    found[pid] = Path(f"/proc/{pid}/cmdline").read_bytes()
                except OSError:
                    continue
                frontier.append(pid)
    return found


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_no_process_of_the_stack_has_the_api_token_or_redis_password_on_its_command_line(running: Running) -> None:
    names = {name: process.pid for name, process in running.stack.supervisor.processes}
    assert set(names) == {"actions", "rasa", "bot"}
    processes = descendants(os.getpid())
    assert set(names.values()) <= set(processes), "every server is running"
    for pid, cmdline in processes.items():
        shown = cmdline.replace(b"\0", b" ").decode(errors="replace")
        assert API_TOKEN not in shown, f"process {pid} shows the API token: {shown}"
        assert REDIS_PASSWORD not in shown, f"process {pid} shows the Redis password: {shown}"
    # What `ps` shows for Rasa: the launcher, and that the API is on, nothing more.
    rasa = processes[names["rasa"]].split(b"\0")
    assert b"rasa_components.launch" in rasa and b"--enable-api" not in rasa


def test_the_api_still_requires_the_token(running: Running) -> None:
    base = f"http://127.0.0.1:{running.rasa_port}"
    assert get(f"{base}/status") == 401
    assert get(f"{base}/status?token=not-{API_TOKEN}") == 401
    assert get(f"{base}/status?token={API_TOKEN}") == 200


def test_rasa_uses_the_password_protected_redis(running: Running) -> None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{running.rasa_port}/webhooks/rest/webhook",
        data=json.dumps({"sender": "cmdline", "message": "iuran jkm brp persen"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200 and json.loads(response.read())
    log = (running.stack.log_dir / "rasa.log").read_text(errors="replace")
    assert "Redis lock store unreachable" not in log, "Rasa authenticated to Redis from the endpoints file"
    # And the message's lock really went through this Redis (the password in redis-cli's environment).
    stats = subprocess.run(
        [shutil.which("redis-cli") or "/usr/bin/redis-cli", "-p", str(running.redis.port), "INFO", "commandstats"],
        env={"REDISCLI_AUTH": REDIS_PASSWORD},
        capture_output=True,
        text=True,
        timeout=10,
    ).stdout
    assert "cmdstat_set:" in stats, stats
