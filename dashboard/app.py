"""Read-only metrics dashboard for program staff (Indonesian), behind a login.

    python -m dashboard            # serve on DASHBOARD_HOST:DASHBOARD_PORT
    python -m dashboard hash       # make a password hash for DASHBOARD_USERS

Tornado (already installed by python-telegram-bot's webhook extra) serves it; pages are rendered
server-side with Jinja2, charts are inline SVG (nothing loaded from the internet, printable).
Logins: DASHBOARD_USERS="nama:scrypt$...;nama2:scrypt$..." (hashes from the `hash` command).
Passwords are checked in a small thread pool (scrypt at OWASP's cost never runs on the event loop),
unknown names against a dummy hash so they cost the same; failed logins back off per name and per
address. A session is a random id kept in memory and sent in a signed cookie: logout revokes it,
and it expires after DASHBOARD_SESSION_HOURS (a restart logs everybody out).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import getpass
import hashlib
import hmac
import logging
import math
import os
import re
import secrets
import sys
import time
import urllib.parse
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import jinja2
import tornado.httpserver
import tornado.ioloop
import tornado.web

from assistant_core.analytics.export import tables, to_csv
from assistant_core.analytics.ingest import Ingester
from assistant_core.analytics.metrics import MIN_CELL, Metrics, compute, sources_seen
from assistant_core.clock import question_date
from assistant_core.content import ContentRepository
from assistant_core.content.freshness import WINDOW_DAYS, review_items
from assistant_core.content.render import tanggal
from assistant_core.db import create_tables, make_engine
from assistant_core.settings import Settings, SettingsError, load_settings, secret_file

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).resolve().parent / "templates"
COOKIE = "sesi"
INGEST_EVERY_MS = 60_000
# OWASP Password Storage Cheat Sheet: scrypt N=2^17, r=8, p=1 (about 0.4 s and 128 MiB a hash here).
SCRYPT = {"n": 2**17, "r": 8, "p": 1}
# Hashes made before issue 20 used N=2^14; a stored cost above these bounds is refused, not run.
MAX_COST = {"n": 2**20, "r": 16, "p": 4}
# At most this many passwords are hashed at once (memory: 128 MiB each) and this many wait.
HASHING_THREADS = 2
LOGINS_WAITING = 16
# Backoff: after `free` failures within WINDOW seconds, each further try waits 1, 2, 4 … s (at most
# WINDOW), counted per submitted name and per client address; every failure is answered after
# FAILURE_DELAY seconds (asyncio.sleep, so nobody else waits).
WINDOW = 15 * 60
FREE_PER_NAME = 5
FREE_PER_ADDRESS = 10
FAILURE_DELAY = 0.5
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _maxmem(n: int, r: int, p: int) -> int:
    return 128 * r * (n + p + 2) + 2**20  # OpenSSL refuses anything above its 32 MiB default otherwise


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    n, r, p = SCRYPT["n"], SCRYPT["r"], SCRYPT["p"]
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, n=n, r=r, p=p, maxmem=_maxmem(n, r, p))
    return f"scrypt${n}${r}${p}${salt.hex()}${digest.hex()}"


def _cost(stored: str) -> tuple[int, int, int]:
    kind, n, r, p, _, _ = stored.split("$")
    if kind != "scrypt":
        raise ValueError("not an scrypt hash")
    return int(n), int(r), int(p)


def verify_password(password: str, stored: str) -> bool:
    try:
        n, r, p = _cost(stored)
        if n > MAX_COST["n"] or r > MAX_COST["r"] or p > MAX_COST["p"]:
            return False
        _, _, _, _, salt, digest = stored.split("$")
        computed = hashlib.scrypt(
            password.encode(), salt=bytes.fromhex(salt), dklen=32, n=n, r=r, p=p, maxmem=_maxmem(n, r, p)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(computed.hex(), digest)


def outdated(stored: str) -> bool:
    """Whether a hash was made at a lower cost than SCRYPT (before issue 20: N=2^14)."""
    try:
        n, r, _ = _cost(stored)
    except ValueError:
        return False
    return n < SCRYPT["n"] or r < SCRYPT["r"]


def safe_next(raw: str) -> str:
    """Where to go after logging in: a path on this site, else the dashboard root.

    Browsers read `//host`, `/\\host` and `\\\\host` as another site (they treat a backslash as a
    slash) and drop tabs and newlines, so any of these, a scheme or a control character means "/".
    """
    if not raw.startswith("/") or raw.startswith("//") or "\\" in raw or _CONTROL.search(raw) or len(raw) > 2000:
        return "/"
    parts = urllib.parse.urlsplit(raw)
    return "/" if parts.scheme or parts.netloc else raw


@dataclass
class Throttle:
    """Failed logins per key (a name or an address) in the last WINDOW seconds, oldest keys dropped."""

    free: int
    window: float = WINDOW
    max_keys: int = 10_000
    failures: OrderedDict[str, list[float]] = field(default_factory=OrderedDict)

    def _recent(self, key: str, now: float) -> list[float]:
        times = [t for t in self.failures.get(key, []) if now - t < self.window]
        if times:
            self.failures[key] = times
        else:
            self.failures.pop(key, None)
        return times

    def wait(self, key: str, now: float) -> float:
        """Seconds before `key` may try again (0: now)."""
        times = self._recent(key, now)
        if len(times) < self.free:
            return 0.0
        delay = min(self.window, 2.0 ** (len(times) - self.free))
        return max(0.0, times[-1] + delay - now)

    def fail(self, key: str, now: float) -> int:
        times = [*self._recent(key, now), now]
        self.failures[key] = times
        self.failures.move_to_end(key)
        while len(self.failures) > self.max_keys:
            self.failures.popitem(last=False)
        return len(times)

    def forgive(self, key: str) -> None:
        self.failures.pop(key, None)

    def undo(self, key: str, stamp: float) -> None:
        """Take back one failure counted in advance (the login succeeded or was never checked)."""
        times = self.failures.get(key, [])
        if stamp in times:
            times.remove(stamp)


class Sessions:
    """Open sessions by random id, in memory: logout deletes one, so a copied cookie dies with it."""

    def __init__(self, hours: float) -> None:
        self.seconds = hours * 3600
        self.open: dict[str, tuple[str, float]] = {}

    def start(self, user: str) -> str:
        now = time.time()
        self.open = {sid: v for sid, v in self.open.items() if now - v[1] <= self.seconds}
        sid = secrets.token_urlsafe(32)
        self.open[sid] = (user, now)
        return sid

    def user(self, sid: str) -> str | None:
        entry = self.open.get(sid)
        if entry is None:
            return None
        if time.time() - entry[1] > self.seconds:
            del self.open[sid]
            return None
        return entry[0]

    def end(self, sid: str) -> None:
        self.open.pop(sid, None)


def parse_users(raw: str) -> dict[str, str]:
    users = {}
    for item in raw.split(";"):
        if ":" in item:
            name, stored = item.strip().split(":", 1)
            if name and stored.startswith("scrypt$"):
                users[name] = stored
    return users


def _flag(env: Any, name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no", "tidak"):
        return False
    if raw in ("1", "true", "yes", "ya"):
        return True
    raise SettingsError(f"{name} must be 1 or 0, got {raw!r}")


@dataclass(frozen=True)
class DashboardConfig:
    host: str
    port: int
    users: dict[str, str]
    cookie_secret: str
    session_hours: float
    # DASHBOARD_SECURE_COOKIE: every cookie is Secure (the dashboard is reached only over HTTPS).
    secure_cookie: bool = False
    # DASHBOARD_TRUSTED_PROXY: a proxy in front sets X-Forwarded-For/X-Real-Ip and X-Forwarded-Proto;
    # they give the client's address (for the backoff) and make cookies Secure on HTTPS requests.
    trusted_proxy: bool = False

    @classmethod
    def from_env(cls, settings: Settings, env: Any = None) -> DashboardConfig:
        env = os.environ if env is None else env
        users = parse_users(env.get("DASHBOARD_USERS", ""))
        # Its own secret, never the master key: a leaked cookie key must not reveal the pseudonyms.
        secret = env.get("DASHBOARD_SECRET", "").strip()
        if secret and len(secret) < 32:
            raise SettingsError("DASHBOARD_SECRET must be at least 32 characters (e.g. openssl rand -hex 32)")
        secret = secret or secret_file(settings.var_dir / "dashboard.key").decode()
        try:
            port = int(env.get("DASHBOARD_PORT", "8050"))
            hours = float(env.get("DASHBOARD_SESSION_HOURS", "8"))
        except ValueError as exc:
            raise SettingsError("DASHBOARD_PORT must be a whole number, DASHBOARD_SESSION_HOURS a number") from exc
        host = env.get("DASHBOARD_HOST", "").strip() or settings.bind_host
        secure, proxy = _flag(env, "DASHBOARD_SECURE_COOKIE"), _flag(env, "DASHBOARD_TRUSTED_PROXY")
        return cls(host, port, users, secret, hours, secure, proxy)


def _svg_series(days: list[Any], field_name: str, width: int = 640, height: int = 160) -> str:
    """A small bar chart as inline SVG (readable on screen and on paper)."""
    values = [int(getattr(d, field_name)) for d in days]
    top = max(values) if values and max(values) > 0 else 1
    bar = width / max(1, len(values))
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height + 20}" role="img" aria-label="{field_name}">',
        f'<line x1="0" y1="{height}" x2="{width}" y2="{height}" stroke="#888"/>',
    ]
    for i, (day, value) in enumerate(zip(days, values, strict=True)):
        h = value / top * (height - 10)
        parts.append(
            f'<rect x="{i * bar + 1:.1f}" y="{height - h:.1f}" width="{max(1.0, bar - 2):.1f}" height="{h:.1f}">'
            f"<title>{day.day.isoformat()}: {value}</title></rect>"
        )
    parts.append(f'<text x="0" y="{height + 15}">{days[0].day.isoformat() if days else ""}</text>')
    parts.append(
        f'<text x="{width}" y="{height + 15}" text-anchor="end">{days[-1].day.isoformat() if days else ""}</text>'
    )
    parts.append(f'<text x="{width}" y="12" text-anchor="end">maks {top}</text></svg>')
    return "".join(parts)


class Base(tornado.web.RequestHandler):
    @property
    def app(self) -> Dashboard:
        value = self.application.settings["dashboard"]
        assert isinstance(value, Dashboard)
        return value

    def session_id(self) -> str | None:
        raw = self.get_signed_cookie(COOKIE, max_age_days=max(self.app.config.session_hours / 24, 0.01))
        return raw.decode("ascii", errors="replace") if raw else None

    def get_current_user(self) -> str | None:
        sid = self.session_id()
        user = self.app.sessions.user(sid) if sid else None
        return user if user is not None and user in self.app.users else None

    def set_cookie(self, name: str, value: str | bytes, *args: Any, **kwargs: Any) -> None:
        """Every cookie (session and XSRF) is Secure when set so, or on HTTPS behind a trusted proxy."""
        config = self.app.config
        if config.secure_cookie or (config.trusted_proxy and self.request.protocol == "https"):
            kwargs["secure"] = True
        super().set_cookie(name, value, *args, **kwargs)

    def render_page(self, name: str, **context: Any) -> None:
        template = self.app.jinja.get_template(name)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("X-Frame-Options", "DENY")
        self.set_header("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'")
        self.finish(template.render(xsrf=self.xsrf_form_html(), user=self.current_user, **context))

    def period(self) -> tuple[date, date, str | None]:
        today = question_date()
        try:
            start = date.fromisoformat(self.get_argument("dari", (today - timedelta(days=29)).isoformat()))
            end = date.fromisoformat(self.get_argument("sampai", today.isoformat()))
        except ValueError as exc:
            raise tornado.web.HTTPError(400, "tanggal tidak valid") from exc
        if start > end or (end - start).days > 366:
            raise tornado.web.HTTPError(400, "rentang tanggal tidak valid")
        source = self.get_argument("sumber", "").strip() or None
        return start, end, source

    async def metrics(self, unanswered: bool, summary: bool = True) -> tuple[Metrics, date, date, str | None]:
        start, end, source = self.period()
        metrics = await asyncio.to_thread(compute, self.app.engine, start, end, source, unanswered, summary)
        return metrics, start, end, source

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        reason = self._reason if status_code == 400 else "terjadi kesalahan"
        self.finish(f"{status_code}: {reason}")


def _wait_text(seconds: int) -> str:
    return f"{seconds} detik" if seconds < 60 else f"{math.ceil(seconds / 60)} menit"


class Login(Base):
    def get(self) -> None:
        self.render_page("masuk.html", error=None, next=safe_next(self.get_argument("next", "/")))

    async def post(self) -> None:
        app = self.app
        name, password = self.get_argument("nama", "")[:200], self.get_argument("sandi", "")
        target = safe_next(self.get_argument("next", "/"))
        address = self.request.remote_ip or "?"
        who = app.who(name)
        now = time.monotonic()
        wait = math.ceil(max(app.by_name.wait(name, now), app.by_address.wait(address, now)))
        if wait > 0:
            log.warning(
                "Dashboard login refused for %s from %s: too many failed logins, %d s to wait", who, address, wait
            )
            self.set_status(429)
            self.set_header("Retry-After", str(wait))
            error = f"Terlalu banyak percobaan masuk yang gagal. Silakan coba lagi dalam {_wait_text(wait)}."
            self.render_page("masuk.html", error=error, next=target)
            return
        # Counted as a failure before the hash is checked, so parallel guesses cannot all slip past
        # the limit while their hashes are being computed; taken back on success.
        stamp = time.monotonic()
        failures = max(app.by_name.fail(name, stamp), app.by_address.fail(address, stamp))
        ok = await app.check(name, password)
        if ok is None:
            app.by_name.undo(name, stamp)
            app.by_address.undo(address, stamp)
            self.set_status(503)
            self.set_header("Retry-After", "5")
            error = "Sedang banyak percobaan masuk. Silakan coba lagi sebentar lagi."
            self.render_page("masuk.html", error=error, next=target)
            return
        if not ok:
            log.warning("Failed dashboard login for %s from %s (%d failure(s) in 15 minutes)", who, address, failures)
            await asyncio.sleep(app.failure_delay)
            self.set_status(401)
            self.render_page("masuk.html", error="Nama atau kata sandi salah.", next=target)
            return
        app.by_name.forgive(name)
        app.by_address.undo(address, stamp)
        log.info("Dashboard login for %s from %s", who, address)
        sid = app.sessions.start(name)
        self.set_signed_cookie(COOKIE, sid, expires_days=None, httponly=True, samesite="Strict")
        self.redirect(target)


class Logout(Base):
    def post(self) -> None:
        sid = self.session_id()
        if sid:
            self.app.sessions.end(sid)
        self.clear_cookie(COOKIE)
        self.redirect("/masuk")


class Summary(Base):
    @tornado.web.authenticated
    async def get(self) -> None:
        metrics, start, end, source = await self.metrics(unanswered=False)
        self.render_page(
            "ringkasan.html",
            m=metrics,
            start=start,
            end=end,
            source=source,
            sources=await asyncio.to_thread(sources_seen, self.app.engine),
            titles=self.app.titles(),
            users_chart=_svg_series(metrics.days, "users"),
            messages_chart=_svg_series(metrics.days, "messages"),
            min_cell=MIN_CELL,
        )


class Unanswered(Base):
    @tornado.web.authenticated
    async def get(self) -> None:
        metrics, start, end, source = await self.metrics(unanswered=True, summary=False)
        self.render_page(
            "belum_terjawab.html",
            m=metrics,
            start=start,
            end=end,
            source=source,
            sources=await asyncio.to_thread(sources_seen, self.app.engine),
            titles=self.app.titles(),
        )


class Help(Base):
    @tornado.web.authenticated
    def get(self) -> None:
        self.render_page("bantuan.html", min_cell=MIN_CELL)


class Freshness(Base):
    """Kesegaran konten: dated facts by review date, overdue first, with their sources."""

    @tornado.web.authenticated
    def get(self) -> None:
        raw = self.get_argument("tanggal", "").strip()
        error = None
        as_of = question_date()
        if raw:
            try:
                as_of = date.fromisoformat(raw)
            except ValueError:
                error = f"Tanggal '{raw}' tidak valid. Tulis TTTT-BB-HH, misalnya 2027-03-02."
        try:
            items = review_items(self.app.content.snapshot().facts, as_of, window_days=None)
        except Exception:  # content broken right now: say so rather than fail
            log.exception("Content could not be loaded for the freshness page")
            items, error = [], "Konten tidak bisa dibaca saat ini. Jalankan make content-check."
        self.render_page("kesegaran.html", items=items, as_of=as_of, error=error, window=WINDOW_DAYS, tanggal=tanggal)


class Download(Base):
    @tornado.web.authenticated
    async def get(self, name: str) -> None:
        wanted = name == "belum_terjawab"
        metrics, start, end, _ = await self.metrics(unanswered=wanted, summary=not wanted)
        files = tables(metrics, self.app.titles())
        if name not in files:
            raise tornado.web.HTTPError(404)
        self.set_header("Content-Type", "text/csv; charset=utf-8")
        self.set_header("Content-Disposition", f'attachment; filename="{name}_{start}_{end}.csv"')
        self.finish(to_csv(files[name]))


class Health(tornado.web.RequestHandler):
    def get(self) -> None:
        self.finish({"status": "ok"})


class Dashboard:
    def __init__(self, settings: Settings, config: DashboardConfig) -> None:
        self.settings = settings
        self.config = config
        # Hashes by name; a login with an outdated hash replaces it here (DASHBOARD_USERS is not ours to rewrite).
        self.users = dict(config.users)
        self.sessions = Sessions(config.session_hours)
        self.by_name = Throttle(FREE_PER_NAME)
        self.by_address = Throttle(FREE_PER_ADDRESS)
        self.failure_delay = FAILURE_DELAY
        self.hashing = concurrent.futures.ThreadPoolExecutor(HASHING_THREADS, thread_name_prefix="scrypt")
        self.waiting = 0
        # Unknown names are checked against this, so they cost what a known name costs.
        self.dummy = hash_password(secrets.token_urlsafe(16))
        self.engine = make_engine(settings.database_url)
        create_tables(self.engine)
        self.content = ContentRepository(settings.content_dir)
        self.jinja = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=jinja2.StrictUndefined
        )
        self.jinja.filters["persen"] = lambda value: f"{value * 100:.1f}".replace(".", ",") + "%"
        self.jinja.filters["sel"] = lambda value: "<5" if value is None else value

    def who(self, name: str) -> str:
        """A name for the log: staff names as they are; anything else only by length, since an unknown
        "name" is often a password typed into the wrong field."""
        return repr(name) if name in self.users else f"an unknown name ({len(name)} characters)"

    async def check(self, name: str, password: str) -> bool | None:
        """Whether the password is right for the name, hashed off the event loop; None: too busy."""
        if self.waiting >= LOGINS_WAITING:
            log.warning("Dashboard login refused: %d logins are already being checked", self.waiting)
            return None
        stored = self.users.get(name)
        loop = asyncio.get_running_loop()
        self.waiting += 1
        try:
            ok = await loop.run_in_executor(self.hashing, verify_password, password, stored or self.dummy)
            if not ok or stored is None:
                return False
            if outdated(stored):
                self.users[name] = await loop.run_in_executor(self.hashing, hash_password, password)
                n, r, p = _cost(stored)
                log.warning(
                    "The DASHBOARD_USERS hash of %r is outdated (scrypt N=%d, r=%d, p=%d; now N=%d, r=%d, p=%d): "
                    "it is upgraded in memory until the dashboard restarts. Make a new one with "
                    "`make dashboard-password` (python -m dashboard hash) and replace it in DASHBOARD_USERS",
                    name,
                    n,
                    r,
                    p,
                    SCRYPT["n"],
                    SCRYPT["r"],
                    SCRYPT["p"],
                )
            return True
        finally:
            self.waiting -= 1

    def http_server(self) -> tornado.httpserver.HTTPServer:
        # xheaders only behind a trusted proxy: otherwise any client could claim another address or HTTPS.
        return tornado.httpserver.HTTPServer(self.application(), xheaders=self.config.trusted_proxy)

    def titles(self) -> dict[str, str]:
        try:
            return self.content.snapshot().titles
        except Exception:  # content broken right now: show keys rather than fail
            return {}

    def application(self) -> tornado.web.Application:
        return tornado.web.Application(
            [
                (r"/masuk", Login),
                (r"/keluar", Logout),
                (r"/", Summary),
                (r"/belum-terjawab", Unanswered),
                (r"/bantuan", Help),
                (r"/kesegaran-konten", Freshness),
                (r"/unduh/([a-z_]+)\.csv", Download),
                (r"/sehat", Health),
            ],
            cookie_secret=self.config.cookie_secret,
            login_url="/masuk",
            xsrf_cookies=True,
            dashboard=self,
            static_path=None,
        )

    def ingest(self) -> None:
        try:
            added = Ingester(self.engine).run()
            if added:
                log.info("Ingested %d turn(s)", added)
        except Exception:
            log.exception("Ingesting conversations failed; will retry")


async def serve(settings: Settings, config: DashboardConfig) -> None:
    dashboard = Dashboard(settings, config)
    if not config.users:
        log.warning("DASHBOARD_USERS is empty: nobody can log in (make dashboard-password makes a hash)")
    await asyncio.to_thread(dashboard.ingest)
    server = dashboard.http_server()
    server.listen(config.port, address=config.host)
    tornado.ioloop.PeriodicCallback(
        lambda: asyncio.ensure_future(asyncio.to_thread(dashboard.ingest)), INGEST_EVERY_MS
    ).start()
    log.info("Dashboard on http://%s:%s/", config.host, config.port)
    await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["hash"]:
        first = getpass.getpass("Kata sandi baru: ")
        if len(first) < 10:
            print("Kata sandi minimal 10 karakter.", file=sys.stderr)
            return 1
        if getpass.getpass("Ulangi: ") != first:
            print("Kata sandi tidak sama.", file=sys.stderr)
            return 1
        print(hash_password(first))
        return 0
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = load_settings()
    asyncio.run(serve(settings, DashboardConfig.from_env(settings)))
    return 0
