"""Staff login under abuse (issue 20 point 4): nothing blocks the event loop, failed logins back off
and are logged, unknown names cost what known ones do, `next` stays local, cookies can be Secure,
logout revokes the session, and the scrypt cost follows OWASP with an upgrade on the next login."""

from __future__ import annotations

import asyncio
import hashlib
import http.client
import http.cookies
import logging
import re
import secrets
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from assistant_core.settings import SettingsError, load_settings
from dashboard import app as dashboard_app
from dashboard.app import Dashboard, DashboardConfig, hash_password, safe_next, verify_password
from tests.e2e.conftest import free_port

PASSWORD = "kata-sandi-uji-123"
OWASP = "scrypt$131072$8$1$"


def old_hash(password: str) -> str:
    """A hash as `make dashboard-password` made it before issue 20 (scrypt N=2^14)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, n=2**14, r=8, p=1)
    return f"scrypt$16384$8$1${salt.hex()}${digest.hex()}"


@pytest.fixture(scope="module")
def staff_hash() -> str:
    return hash_password(PASSWORD)


@contextmanager
def running(tmp_path: Path, users: dict[str, str], **options: Any) -> Iterator[tuple[int, Dashboard]]:
    settings = load_settings({"VAR_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}"})
    config = DashboardConfig("127.0.0.1", free_port(), users, "s" * 32, 8, **options)
    dashboard = Dashboard(settings, config)
    loop = asyncio.new_event_loop()
    started = threading.Event()
    servers: list[Any] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        server = dashboard.http_server()
        server.listen(config.port, address=config.host)
        servers.append(server)
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(10)
    try:
        yield config.port, dashboard
    finally:
        loop.call_soon_threadsafe(servers[0].stop)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


class Client:
    """One browser: keeps its cookies, never follows redirects, shows every header."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, fields: dict[str, str] | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, http.client.HTTPResponse, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = dict(headers or {})
        body = None
        if fields is not None:
            body = urllib.parse.urlencode({**fields, "_xsrf": self.xsrf()})
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            text = response.read().decode()
        finally:
            connection.close()
        for raw in response.headers.get_all("Set-Cookie") or []:
            jar: http.cookies.SimpleCookie = http.cookies.SimpleCookie(raw)
            for name, morsel in jar.items():
                if morsel.value:
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return response.status, response, text

    def xsrf(self) -> str:
        if "_xsrf" not in self.cookies:
            self.request("GET", "/masuk")
        return self.cookies["_xsrf"]

    def login(self, name: str = "staf", password: str = PASSWORD, **extra: str) -> tuple[int, http.client.HTTPResponse]:
        status, response, _ = self.request("POST", "/masuk", {"nama": name, "sandi": password, **extra})
        return status, response


def set_cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    return {raw.split("=", 1)[0]: raw for raw in response.headers.get_all("Set-Cookie") or []}


def test_bad_logins_do_not_hold_up_the_health_page(tmp_path: Path, staff_hash: str) -> None:
    with running(tmp_path, {"staf": staff_hash}) as (port, _):
        clients = [Client(port) for _ in range(4)]
        for client in clients:
            client.xsrf()
        statuses: list[int] = []
        threads = [
            threading.Thread(target=lambda c=c: statuses.append(c.login(password="salah-salah")[0])) for c in clients
        ]
        for thread in threads:
            thread.start()
        time.sleep(0.15)  # the four logins are being handled
        began = time.perf_counter()
        status, _, body = Client(port).request("GET", "/sehat")
        took = time.perf_counter() - began
        for thread in threads:
            thread.join(30)
    assert status == 200 and "ok" in body
    assert took < 0.4, f"the health page took {took:.2f} s beside four bad logins"
    assert statuses == [401] * 4


def test_repeated_failures_back_off_per_user_with_retry_after(tmp_path: Path, staff_hash: str) -> None:
    with running(tmp_path, {"staf": staff_hash}) as (port, dashboard):
        dashboard.failure_delay = 0
        client = Client(port)
        assert [client.login(password=f"salah-{i}")[0] for i in range(5)] == [401] * 5
        status, response = client.login()  # even the right password waits its turn
        assert status == 429 and int(response.headers["Retry-After"]) >= 1
        # another name from the same address is not held up by this user's failures
        assert Client(port).login(name="orang-lain", password="x")[0] == 401
        time.sleep(int(response.headers["Retry-After"]))
        assert client.login()[0] == 302
        # a success forgives the user's failures: the next mistake is an ordinary 401
        assert Client(port).login(password="salah-lagi")[0] == 401


def test_parallel_guesses_do_not_slip_past_the_backoff(tmp_path: Path, staff_hash: str) -> None:
    with running(tmp_path, {"staf": staff_hash}) as (port, dashboard):
        dashboard.failure_delay = 0
        clients = [Client(port) for _ in range(9)]
        for client in clients:
            client.xsrf()
        statuses: list[int] = []
        threads = [threading.Thread(target=lambda c=c: statuses.append(c.login(password="tebak")[0])) for c in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    # each guess counts the moment it arrives, not when its hash is done
    assert sorted(statuses) == [401] * 5 + [429] * 4


def test_repeated_failures_back_off_per_address(tmp_path: Path, staff_hash: str) -> None:
    with running(tmp_path, {"staf": staff_hash}) as (port, dashboard):
        dashboard.failure_delay = 0
        client = Client(port)
        # one failure each for many names: the per-user limit never trips, the address one does
        statuses = [client.login(name=f"tebakan{i}", password="x")[0] for i in range(10)]
        status, response = client.login()
        assert statuses == [401] * 10 and status == 429 and int(response.headers["Retry-After"]) >= 1
        assert "coba lagi" in client.request("POST", "/masuk", {"nama": "staf", "sandi": PASSWORD})[2]


def test_failed_logins_are_logged_without_the_password(
    tmp_path: Path, staff_hash: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="dashboard")
    with running(tmp_path, {"staf": staff_hash}) as (port, dashboard):
        dashboard.failure_delay = 0
        assert Client(port).login(password="rahasia-salah-789")[0] == 401
        # a password typed into the name field must not reach the log either
        assert Client(port).login(name="rahasia-di-kolom-nama", password="x")[0] == 401
    failed = [r.getMessage() for r in caplog.records if "failed" in r.getMessage().lower()]
    assert len(failed) == 2, failed
    assert "'staf'" in failed[0] and "127.0.0.1" in failed[0]
    everything = "\n".join(r.getMessage() for r in caplog.records)
    assert "rahasia-salah-789" not in everything and "rahasia-di-kolom-nama" not in everything


def test_unknown_and_known_names_do_the_same_hashing(
    tmp_path: Path, staff_hash: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running(tmp_path, {"staf": staff_hash}) as (port, dashboard):
        dashboard.failure_delay = 0
        real = hashlib.scrypt
        costs: list[tuple[int, int, int]] = []

        def spy(password: bytes, **kwargs: Any) -> bytes:
            costs.append((kwargs["n"], kwargs["r"], kwargs["p"]))
            return real(password, **kwargs)

        monkeypatch.setattr(hashlib, "scrypt", spy)
        assert Client(port).login(name="staf", password="salah-sekali")[0] == 401
        known, costs[:] = list(costs), []
        assert Client(port).login(name="tidak-ada", password="salah-sekali")[0] == 401
        unknown = list(costs)
    assert known == unknown == [(2**17, 8, 1)]


HOSTILE_NEXT = [
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "http://evil.example/",
    "https:evil.example",
    "javascript:alert(1)",
    "evil.example",
    "/ok\\..\\x",
    "/\t/evil.example",
    "/\r\nSet-Cookie: x=1",
]


def test_next_accepts_only_a_local_path(tmp_path: Path, staff_hash: str) -> None:
    with running(tmp_path, {"staf": staff_hash}) as (port, _):
        for value in HOSTILE_NEXT:
            status, response = Client(port).login(next=value)
            assert (status, response.headers["Location"]) == (302, "/"), value
            _, _, page = Client(port).request("GET", "/masuk?" + urllib.parse.urlencode({"next": value}))
            assert 'name="next" value="/"' in page, value
        status, response = Client(port).login(next="/belum-terjawab?dari=2026-11-01")
        assert (status, response.headers["Location"]) == (302, "/belum-terjawab?dari=2026-11-01")
    # Tornado turns NUL and most control characters of a form into spaces; the check refuses them anyway.
    assert [safe_next(v) for v in ("/\x00x", "/\x7fx", "/a\u0085b", "/" + "a" * 2001)] == ["/"] * 4


def test_logout_revokes_the_session_server_side(tmp_path: Path, staff_hash: str) -> None:
    with running(tmp_path, {"staf": staff_hash}) as (port, _):
        client = Client(port)
        assert client.login()[0] == 302
        assert client.request("GET", "/bantuan")[0] == 200
        copied = Client(port)
        copied.cookies = dict(client.cookies)
        assert client.request("POST", "/keluar", {})[0] == 302
        status, response, _ = copied.request("GET", "/bantuan")
        assert status == 302 and response.headers["Location"].startswith("/masuk")


def test_cookies_are_secure_when_set_or_behind_a_trusted_tls_proxy(tmp_path: Path, staff_hash: str) -> None:
    https = {"X-Forwarded-Proto": "https"}

    def secure(port: int, headers: dict[str, str] | None = None) -> dict[str, bool]:
        client = Client(port)
        _, first, _ = client.request("GET", "/masuk", headers=headers)
        status, response, _ = client.request("POST", "/masuk", {"nama": "staf", "sandi": PASSWORD}, headers=headers)
        assert status == 302
        cookies = {**set_cookies(first), **set_cookies(response)}
        return {name: "secure" in raw.lower().split("; ") for name, raw in cookies.items()}

    with running(tmp_path / "a", {"staf": staff_hash}) as (port, _):
        # not trusted: anybody can send X-Forwarded-Proto
        assert secure(port) == secure(port, https) == {"_xsrf": False, "sesi": False}
    with running(tmp_path / "b", {"staf": staff_hash}, secure_cookie=True) as (port, _):
        assert secure(port) == {"_xsrf": True, "sesi": True}
    with running(tmp_path / "c", {"staf": staff_hash}, trusted_proxy=True) as (port, _):
        assert secure(port, https) == {"_xsrf": True, "sesi": True}
        assert secure(port) == {"_xsrf": False, "sesi": False}


def test_secure_cookie_and_proxy_settings_are_read(tmp_path: Path) -> None:
    settings = load_settings({"VAR_DIR": str(tmp_path)})
    config = DashboardConfig.from_env(settings, {"DASHBOARD_SECURE_COOKIE": "1", "DASHBOARD_TRUSTED_PROXY": "ya"})
    assert config.secure_cookie and config.trusted_proxy
    config = DashboardConfig.from_env(settings, {})
    assert not config.secure_cookie and not config.trusted_proxy
    with pytest.raises(SettingsError, match="DASHBOARD_SECURE_COOKIE"):
        DashboardConfig.from_env(settings, {"DASHBOARD_SECURE_COOKIE": "mungkin"})


def test_a_short_dashboard_secret_is_refused(tmp_path: Path) -> None:
    settings = load_settings({"VAR_DIR": str(tmp_path)})
    with pytest.raises(SettingsError, match="DASHBOARD_SECRET"):
        DashboardConfig.from_env(settings, {"DASHBOARD_SECRET": "pendek"})
    (tmp_path / "dashboard.key").write_text("abc\n")
    with pytest.raises(SettingsError, match="64-character hex key"):
        DashboardConfig.from_env(settings, {})


def test_new_hashes_use_the_owasp_scrypt_cost(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert hash_password(PASSWORD).startswith(OWASP)
    monkeypatch.setattr(dashboard_app.getpass, "getpass", lambda prompt="": PASSWORD)
    assert dashboard_app.main(["hash"]) == 0
    printed = capsys.readouterr().out.strip()
    assert printed.startswith(OWASP) and verify_password(PASSWORD, printed)


def test_an_old_hash_is_upgraded_on_the_next_login(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="dashboard")
    stored = old_hash(PASSWORD)
    with running(tmp_path, {"staf": stored}) as (port, dashboard):
        assert Client(port).login()[0] == 302
        upgraded = dashboard.users["staf"]
        assert upgraded.startswith(OWASP) and verify_password(PASSWORD, upgraded)
        assert Client(port).login()[0] == 302
        assert Client(port).login(password="salah-salah")[0] == 401
    warnings = [r.getMessage() for r in caplog.records if "outdated" in r.getMessage()]
    assert len(warnings) == 1 and "make dashboard-password" in warnings[0] and stored not in warnings[0]
    assert not re.search(r"scrypt\$131072\$", warnings[0])  # the new hash is not printed into the log
