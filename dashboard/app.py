"""Read-only metrics dashboard for program staff (Indonesian), behind a login.

    python -m dashboard            # serve on DASHBOARD_HOST:DASHBOARD_PORT
    python -m dashboard hash       # make a password hash for DASHBOARD_USERS

Tornado (already installed by python-telegram-bot's webhook extra) serves it; pages are rendered
server-side with Jinja2, charts are inline SVG (nothing loaded from the internet, printable).
Logins: DASHBOARD_USERS="nama:scrypt$...;nama2:scrypt$..." (hashes from the `hash` command);
sessions are signed cookies that expire after DASHBOARD_SESSION_HOURS.
"""

from __future__ import annotations

import asyncio
import getpass
import hashlib
import hmac
import json
import logging
import os
import secrets
import sys
import time
from dataclasses import dataclass
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
SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **SCRYPT)
    return f"scrypt${SCRYPT['n']}${SCRYPT['r']}${SCRYPT['p']}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        computed = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), dklen=32, n=int(n), r=int(r), p=int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(computed.hex(), digest)


def parse_users(raw: str) -> dict[str, str]:
    users = {}
    for item in raw.split(";"):
        if ":" in item:
            name, stored = item.strip().split(":", 1)
            if name and stored.startswith("scrypt$"):
                users[name] = stored
    return users


@dataclass(frozen=True)
class DashboardConfig:
    host: str
    port: int
    users: dict[str, str]
    cookie_secret: str
    session_hours: float

    @classmethod
    def from_env(cls, settings: Settings, env: Any = None) -> DashboardConfig:
        env = os.environ if env is None else env
        users = parse_users(env.get("DASHBOARD_USERS", ""))
        # Its own secret, never the master key: a leaked cookie key must not reveal the pseudonyms.
        secret = env.get("DASHBOARD_SECRET", "").strip() or secret_file(settings.var_dir / "dashboard.key").decode()
        try:
            port = int(env.get("DASHBOARD_PORT", "8050"))
            hours = float(env.get("DASHBOARD_SESSION_HOURS", "8"))
        except ValueError as exc:
            raise SettingsError("DASHBOARD_PORT must be a whole number, DASHBOARD_SESSION_HOURS a number") from exc
        return cls(env.get("DASHBOARD_HOST", "").strip() or settings.bind_host, port, users, secret, hours)


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

    def get_current_user(self) -> str | None:
        raw = self.get_signed_cookie(COOKIE, max_age_days=max(self.app.config.session_hours / 24, 0.01))
        if not raw:
            return None
        try:
            data = json.loads(raw)
            issued, user = float(data["t"]), str(data["u"])
        except (ValueError, KeyError, TypeError):
            return None
        if time.time() - issued > self.app.config.session_hours * 3600 or user not in self.app.config.users:
            return None
        return user

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


class Login(Base):
    def get(self) -> None:
        self.render_page("masuk.html", error=None, next=self.get_argument("next", "/"))

    def post(self) -> None:
        name, password = self.get_argument("nama", ""), self.get_argument("sandi", "")
        stored = self.app.config.users.get(name)
        target = self.get_argument("next", "/")
        if not target.startswith("/") or target.startswith("//"):
            target = "/"
        if stored is None or not verify_password(password, stored):
            time.sleep(0.5)  # slows down guessing
            self.set_status(401)
            self.render_page("masuk.html", error="Nama atau kata sandi salah.", next=target)
            return
        value = json.dumps({"u": name, "t": time.time()})
        self.set_signed_cookie(COOKIE, value, expires_days=None, httponly=True, samesite="Strict")
        self.redirect(target)


class Logout(Base):
    def post(self) -> None:
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
        self.engine = make_engine(settings.database_url)
        create_tables(self.engine)
        self.content = ContentRepository(settings.content_dir)
        self.jinja = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=jinja2.StrictUndefined
        )
        self.jinja.filters["persen"] = lambda value: f"{value * 100:.1f}".replace(".", ",") + "%"
        self.jinja.filters["sel"] = lambda value: "<5" if value is None else value

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
    server = tornado.httpserver.HTTPServer(dashboard.application(), xheaders=False)
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
