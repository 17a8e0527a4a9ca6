"""The dashboard over HTTP: login, sessions, pages, CSV, with figures equal to the command's."""

from __future__ import annotations

import asyncio
import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
import tornado.httpserver

from assistant_core.analytics.ingest import RASA_EVENTS, Ingester
from assistant_core.analytics.metrics import compute
from assistant_core.db import make_engine
from assistant_core.settings import load_settings
from dashboard.app import Dashboard, DashboardConfig, hash_password, verify_password
from tests.core.test_analytics import DAY, Events, conversations
from tests.e2e.conftest import free_port

PASSWORD = "kata-sandi-uji-123"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Dashboard]]:
    var = tmp_path_factory.mktemp("dash")
    settings = load_settings(
        {"VAR_DIR": str(var), "DATABASE_URL": f"sqlite:///{var / 'a.db'}", "PSEUDONYM_KEY": "d" * 20}
    )
    engine = make_engine(settings.database_url)
    RASA_EVENTS.metadata.create_all(engine)
    config = DashboardConfig("127.0.0.1", free_port(), {"staf": hash_password(PASSWORD)}, "s" * 32, 8)
    dashboard = Dashboard(settings, config)
    events = Events(dashboard.engine)
    conversations(events)
    Ingester(dashboard.engine).run(now=datetime.fromtimestamp(events.clock + 1, tz=timezone.utc))
    loop = asyncio.new_event_loop()
    started = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        server = tornado.httpserver.HTTPServer(dashboard.application())
        server.listen(config.port, address=config.host)
        started.set()
        loop.run_forever()

    threading.Thread(target=run, daemon=True).start()
    started.wait(10)
    yield f"http://127.0.0.1:{config.port}", dashboard
    loop.call_soon_threadsafe(loop.stop)


class Browser:
    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, str, str]:
        try:
            with self.opener.open(self.base + path, timeout=10) as response:
                return response.status, response.geturl(), response.read().decode()
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, path, exc.read().decode()

    def post(self, path: str, fields: dict[str, str]) -> tuple[int, str, str]:
        token = next((c.value for c in self.jar if c.name == "_xsrf"), None)
        if token is None:
            self.get("/masuk")
            token = next(c.value for c in self.jar if c.name == "_xsrf")
        data = urllib.parse.urlencode({**fields, "_xsrf": token}).encode()
        try:
            with self.opener.open(self.base + path, data=data, timeout=10) as response:
                return response.status, response.geturl(), response.read().decode()
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, path, exc.read().decode()

    def login(self, password: str = PASSWORD) -> tuple[int, str, str]:
        return self.post("/masuk", {"nama": "staf", "sandi": password, "next": "/"})


def test_password_hashes_verify_and_differ() -> None:
    stored = hash_password(PASSWORD)
    assert verify_password(PASSWORD, stored) and not verify_password("salah", stored)
    assert stored != hash_password(PASSWORD) and PASSWORD not in stored


def test_pages_need_a_login(server: tuple[str, Dashboard]) -> None:
    browser = Browser(server[0])
    for path in ("/", "/belum-terjawab", "/bantuan", "/kesegaran-konten", "/unduh/harian.csv"):
        status, url, _ = browser.get(path)
        assert status == 200 and "/masuk" in url, path
    assert browser.login("salah-sekali")[0] == 401
    assert browser.post("/masuk", {"nama": "staf", "sandi": PASSWORD})[0] == 200
    forged = Browser(server[0])
    forged.get("/masuk")
    # The XSRF check refuses a login form posted without its token.
    data = urllib.parse.urlencode({"nama": "staf", "sandi": PASSWORD}).encode()
    with pytest.raises(urllib.error.HTTPError) as refused:
        forged.opener.open(server[0] + "/masuk", data=data, timeout=10)
    assert refused.value.code == 403
    refused.value.close()


def test_summary_matches_the_command_and_csv(server: tuple[str, Dashboard]) -> None:
    base, dashboard = server
    browser = Browser(base)
    browser.login()
    status, _, page = browser.get(f"/?dari={DAY}&sampai={DAY}")
    assert status == 200 and "Ringkasan" in page
    expected = compute(dashboard.engine, DAY, DAY)
    assert re.search(rf'id="pengguna">{expected.users}<', page)
    assert re.search(rf'id="pesan">{expected.messages}<', page)
    assert "Kontak pertama: 3" in page and "<svg" in page
    status, _, csv_text = browser.get(f"/unduh/ringkasan.csv?dari={DAY}&sampai={DAY}")
    assert status == 200 and f"pesan,{expected.messages}" in csv_text
    status, _, page = browser.get(f"/belum-terjawab?dari={DAY}&sampai={DAY}")
    assert "resep rendang" in page and "jkm_apa" in page
    assert browser.get("/?dari=2026-13-01")[0] == 400


def test_content_freshness_page_lists_overdue_facts_first(server: tuple[str, Dashboard]) -> None:
    browser = Browser(server[0])
    browser.login()
    status, _, page = browser.get("/kesegaran-konten?tanggal=2027-03-02")
    assert status == 200 and "Kesegaran konten" in page
    rows = re.findall(r'<tr class="([a-z]*)">(.*?)</tr>', page, re.S)
    cap = next(body for _, body in rows if "jp_wage_cap" in body)
    assert next(cls for cls, body in rows if "jp_wage_cap" in body) == "lewat" and "lewat 1 hari" in cap
    assert "B/1226/022026" in cap and "Rp11.086.300" in cap and "content/facts/rates.yml" in cap
    classes = [cls for cls, _ in rows]
    assert classes.index("lewat") == 0 and "lewat" not in classes[classes.index("segera") :]  # overdue first
    status, _, before = browser.get("/kesegaran-konten?tanggal=2026-06-01")
    cap_before = next(b for c, b in re.findall(r'<tr class="([a-z]*)">(.*?)</tr>', before, re.S) if "jp_wage_cap" in b)
    assert "lewat" not in cap_before and "hari lagi" in cap_before
    status, _, bad = browser.get("/kesegaran-konten?tanggal=2027-02-30")
    assert status == 200 and "tidak valid" in bad


def test_sessions_expire(server: tuple[str, Dashboard], monkeypatch: pytest.MonkeyPatch) -> None:
    browser = Browser(server[0])
    browser.login()
    assert "/masuk" not in browser.get("/")[1]
    real = __import__("time").time
    monkeypatch.setattr("dashboard.app.time.time", lambda: real() + 9 * 3600)
    assert "/masuk" in browser.get("/")[1]


def test_logout(server: tuple[str, Dashboard]) -> None:
    browser = Browser(server[0])
    browser.login()
    browser.post("/keluar", {})
    assert "/masuk" in browser.get("/")[1]


def test_config_reads_users_and_refuses_bad_numbers(tmp_path: Path) -> None:
    settings = load_settings({"VAR_DIR": str(tmp_path), "PSEUDONYM_KEY": "d" * 20})
    stored = hash_password(PASSWORD)
    config = DashboardConfig.from_env(settings, {"DASHBOARD_USERS": f"staf:{stored};rusak", "DASHBOARD_PORT": "9000"})
    assert config.users == {"staf": stored} and config.port == 9000 and config.host == "127.0.0.1"
    with pytest.raises(ValueError):
        DashboardConfig.from_env(settings, {"DASHBOARD_PORT": "x"})
