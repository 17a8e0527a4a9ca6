"""The metrics dashboard in headless Chromium, on conversations held with the real running stack.

Real conversations go through the REST channel (Rasa + actions), the dashboard process ingests
them from Rasa's tracker store, and a browser logs in, changes the date range, opens the
unanswered list and downloads CSV. The page's figures must equal `make metrics` for the same range.
Screenshots: var/screenshots/dashboard-*.png.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from assistant_core.clock import today_jakarta
from assistant_core.settings import ROOT, Settings
from dashboard.app import hash_password
from tests.e2e.cdp import Browser, chromium_path
from tests.e2e.conftest import free_port

pytestmark = pytest.mark.e2e
PASSWORD = "uji-dasbor-rahasia-1"
SCREENSHOTS = ROOT / "var" / "screenshots"


def rest(settings: Settings, sender: str, message: str, metadata: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    body = {"sender": sender, "message": message, **({"metadata": metadata} if metadata else {})}
    request = urllib.request.Request(
        settings.rest_webhook, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        replies = json.loads(response.read())
    assert replies, "every message gets an answer"
    return list(replies)


def payload(replies: list[dict[str, Any]], prefix: str) -> str:
    return next(b["payload"] for r in replies for b in r.get("buttons") or [] if b["payload"].startswith(prefix))


def hold_conversations(settings: Settings) -> None:
    source = {"source": "perisai_77"}
    rest(settings, "dash-owner", "halo", source)
    rest(settings, "dash-owner", "iuran jkm brp persen", source)
    rest(settings, "dash-owner", "/check_obligation", source)
    who = rest(settings, "dash-owner", "/registration_guide", source)
    channel = rest(settings, "dash-owner", payload(who, "/registration_guide"), source)
    checklist = rest(settings, "dash-owner", payload(channel, "/registration_guide"), source)
    rest(settings, "dash-owner", payload(checklist, "/open_link"), source)
    # Not understood twice (the second is handed off to the official channels): the unanswered list.
    rest(settings, "dash-lost", "blorp zinggat wubba qxz")
    rest(settings, "dash-lost", "blorp zinggat wubba qxz lagi")
    rest(settings, "dash-tax", "pajak umkm setahun brp persen ya")


def command(env: dict[str, str], start: str, end: str, csv_dir: Path) -> str:
    result = subprocess.run(
        [str(ROOT / ".venv/app/bin/python"), "-m", "assistant_core.analytics", "--dari", start, "--sampai", end,
         "--csv", str(csv_dir)],
        cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    return result.stdout


@pytest.fixture(scope="module")
def dashboard(stack: Any, e2e_env: dict[str, str]) -> Iterator[tuple[str, dict[str, str]]]:
    if chromium_path() is None:
        if os.environ.get("REQUIRE_CHROMIUM"):
            pytest.fail("chromium is required here (REQUIRE_CHROMIUM is set): apt-get install chromium")
        pytest.skip("chromium not installed (Debian package: chromium); .ci/run installs it")
    hold_conversations(stack.settings)
    port = free_port()
    env = {
        **e2e_env,
        "DASHBOARD_USERS": f"staf:{hash_password(PASSWORD)}",
        "DASHBOARD_PORT": str(port),
    }
    process = subprocess.Popen(
        [str(ROOT / ".venv/app/bin/python"), "-m", "dashboard"],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the dashboard did not start") from None
            time.sleep(0.2)
    try:
        yield f"http://127.0.0.1:{port}", env
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_dashboard_in_chromium_matches_the_command(dashboard: tuple[str, dict[str, str]], tmp_path: Path) -> None:
    base, env = dashboard
    today = today_jakarta()
    start, end = (today - timedelta(days=1)).isoformat(), (today + timedelta(days=1)).isoformat()
    browser = Browser()
    try:
        browser.open(base + "/")
        assert browser.js("location.pathname") == "/masuk", "pages need a login"
        browser.js(
            f"document.querySelector('[name=nama]').value = 'staf';"
            f"document.querySelector('[name=sandi]').value = {json.dumps(PASSWORD)};"
        )
        browser.click_and_wait("#masuk")
        assert browser.js("location.pathname") == "/"

        browser.js(
            f"document.querySelector('[name=dari]').value = '{start}';"
            f"document.querySelector('[name=sampai]').value = '{end}';"
        )
        browser.click_and_wait("#terapkan")
        assert f"dari={start}" in browser.js("location.search")
        users, messages = int(browser.text("#pengguna")), int(browser.text("#pesan"))
        funnel = browser.text("#corong")
        shot = browser.screenshot(SCREENSHOTS / "dashboard-ringkasan.png")

        printed = command(env, start, end, tmp_path / "csv")
        assert re.search(rf"Pengguna: {users} ", printed) and re.search(rf"pesan: {messages}\b", printed)
        assert users >= 3 and messages >= 10
        for line in funnel.splitlines():
            label, count = line.rsplit(": ", 1)
            assert f"{label}: {count}" in printed
        assert re.search(r"Tautan pendaftaran dibuka: [1-9]", printed)

        downloaded = browser.download("#csv-harian", tmp_path / "downloads")
        assert downloaded.read_text() == (tmp_path / "csv" / "harian.csv").read_text()

        browser.click_and_wait("a[href='/belum-terjawab']")
        browser.js(
            f"document.querySelector('[name=dari]').value = '{start}';"
            f"document.querySelector('[name=sampai]').value = '{end}';"
        )
        browser.click_and_wait("#terapkan")
        assert "blorp zinggat" in browser.text("#kelompok")
        browser.screenshot(SCREENSHOTS / "dashboard-belum-terjawab.png")
        assert shot.stat().st_size > 10_000
    finally:
        browser.close()
