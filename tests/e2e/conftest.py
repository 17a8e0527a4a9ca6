"""Starts the real stack once per test run: action server, Rasa with the trained model, the bot."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from assistant_core.settings import ROOT, Settings, load_settings
from supervisor.stack import Stack
from tests.e2e.fake_telegram import FakeTelegram

TOKEN = "123456:TEST-token-that-must-never-be-logged"
MODEL = ROOT / "var" / "models" / "assistant.tar.gz"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stack_env(var: Path) -> dict[str, str]:
    """The environment of one stack: its own var dir (database, logs) and free ports."""
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` (make e2e does)")
    return {
        "VAR_DIR": str(var),
        "DATABASE_URL": f"sqlite:///{var / 'assistant.db'}",
        "RASA_PORT": str(free_port()),
        "ACTION_PORT": str(free_port()),
        "PSEUDONYM_KEY": "e2e-pseudonym-key-0123456789",
        "RASA_TIMEOUT": "8",
    }


@pytest.fixture(scope="session")
def e2e_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return stack_env(tmp_path_factory.mktemp("var"))


@contextmanager
def running_stack(env: dict[str, str]) -> Iterator[Stack]:
    """The action server and Rasa with the trained model, stopped on leaving."""
    settings = load_settings({**os.environ, **env})
    running = Stack(settings, extra_env=env, model=MODEL)
    try:
        running.start_actions()
        running.start_rasa()
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def stack(e2e_env: dict[str, str]) -> Iterator[Stack]:
    with running_stack(e2e_env) as running:
        yield running


@pytest.fixture
def on_date(stack: Stack, request: pytest.FixtureRequest) -> Iterator[Stack]:
    """The stack with its action server restarted on a pinned question date (indirect parameter)."""
    day = str(request.param)
    stack.stop_one("actions")
    saved = stack.env
    stack.env = {**saved, "ASSISTANT_TODAY": day}
    try:
        stack.start_actions()
        yield stack
    finally:
        stack.stop_one("actions")
        stack.env = saved
        stack.start_actions()


@pytest.fixture(scope="session")
def settings(stack: Stack) -> Settings:
    return stack.settings


@contextmanager
def polling_bot(stack: Stack, env: dict[str, str]) -> Iterator[FakeTelegram]:
    """The bot at DEBUG, long polling a fake Telegram, once it has asked who it is."""
    fake = FakeTelegram(TOKEN).start()
    bot = stack.start_bot(
        {**env, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": fake.base_url, "LOG_LEVEL": "DEBUG"}
    )
    try:
        fake.wait_for(lambda calls: any(c.method == "getMe" for c in calls), timeout=60)
        yield fake
    finally:
        bot.terminate()
        bot.wait(timeout=15)
        fake.stop()


@pytest.fixture(scope="session")
def telegram(stack: Stack, e2e_env: dict[str, str]) -> Iterator[FakeTelegram]:
    with polling_bot(stack, e2e_env) as fake:
        yield fake


@pytest.fixture(scope="session")
def bot_log(stack: Stack) -> Path:
    return stack.log_dir / "bot.log"


def stop(process: subprocess.Popen[bytes]) -> None:
    """Ask a process to stop; kill it if it has not after 15 s."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def webhook_bot(
    stack: Stack, e2e_env: dict[str, str], secret: str, **extra_env: str
) -> Iterator[tuple[FakeTelegram, int, subprocess.Popen[bytes]]]:
    """A bot process in webhook mode against its own fake Telegram, once it has set its webhook."""
    fake = FakeTelegram(TOKEN).start()
    port = free_port()
    env = {
        **e2e_env,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "TELEGRAM_WEBHOOK_URL": f"https://bot.example.test:{port}/telegram",
        "TELEGRAM_WEBHOOK_SECRET": secret,
        "WEBHOOK_PORT": str(port),
        **extra_env,
    }
    process = stack.start_bot(env)
    try:
        fake.wait_for(lambda calls: any(c.method == "setWebhook" for c in calls), timeout=60)
        yield fake, port, process
    finally:
        stop(process)
        fake.stop()
