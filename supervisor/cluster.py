"""`make cluster`: several Rasa servers and action servers behind nginx, on PostgreSQL and Redis.

The topology Rasa documents for more than one replica, on one machine:

    Telegram ─▶ nginx :8080 /telegram ─▶ bot (webhook mode) ─┐        (public: BIND_HOST)
    REST     ─▶ nginx 127.0.0.1:8081 /webhooks/rest/ ◀───────┘        (loopback only)
                   ├─▶ Rasa 1 :5005 ─┐                       (each with our REST channel,
                   └─▶ Rasa 2 :5006 ─┤                        tracker store and lock store)
                                     ├─▶ nginx 127.0.0.1:8082 ─▶ action servers :5055, :5056
                                     ├─▶ PostgreSQL (tracker store, our asst_ tables)
                                     └─▶ Redis (lock store: one conversation, one message at a time)

Any Rasa replica can take any message: the conversation is read from PostgreSQL under a Redis
lock, so no sticky sessions are needed. nginx retries a request on the other replica when a
replica refuses the connection (it is down); a request already sent is not retried (not
idempotent), so a replica that dies mid-message costs that one message an apology.

Only the webhook is public: the REST channel can address any REST conversation and carries the
forget endpoint, so it stays on loopback even with BIND_HOST=0.0.0.0, as deploy/compose.yml keeps it
on an internal port.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from assistant_core.settings import Settings, load_settings
from supervisor import nginx
from supervisor.process import Process, SupervisorError, run_until_stopped, wait_http
from supervisor.stack import Stack, rasa_health_url

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/umkm_cluster"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/2"


class ClusterError(SupervisorError):
    """The cluster cannot start as configured."""


@dataclass(frozen=True)
class Layout:
    rasa_ports: tuple[int, ...] = (5005, 5006)
    action_ports: tuple[int, ...] = (5055, 5056)
    rasa_lb_port: int = 8081  # the REST channel, loopback only
    action_lb_port: int = 8082  # loopback only
    webhook_port: int = 8443  # the bot's own webhook server, behind nginx
    public_port: int = 8080  # the Telegram webhook, on BIND_HOST

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_lb_port}"

    @property
    def public_url(self) -> str:
        return f"http://127.0.0.1:{self.public_port}"

    @property
    def action_url(self) -> str:
        return f"http://127.0.0.1:{self.action_lb_port}/webhook"


def nginx_config(layout: Layout, prefix: Path, listen_host: str = "127.0.0.1") -> str:
    """nginx.conf for the load balancer (supervisor/templates/nginx.conf.j2 with this layout)."""
    return nginx_params(layout, prefix, listen_host).render()


def nginx_params(layout: Layout, prefix: Path, listen_host: str = "127.0.0.1") -> nginx.NginxConfig:
    return nginx.cluster_config(
        layout.rasa_ports,
        layout.action_ports,
        layout.public_port,
        layout.rasa_lb_port,
        layout.action_lb_port,
        layout.webhook_port,
        prefix,
        listen_host,
    )


def ensure_database(database_url: str) -> None:
    """Create the PostgreSQL database if it does not exist (Rasa creates its table, not the database)."""
    import sqlalchemy as sa

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            exists = connection.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
            if not exists:
                connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()


class Cluster:
    """nginx, N action servers and N Rasa servers as child processes (logs under var/logs/)."""

    def __init__(
        self,
        base_env: Mapping[str, str],
        layout: Layout | None = None,
        model: Path | None = None,
    ) -> None:
        self.layout = layout or Layout()
        base = load_settings(base_env)
        database_url = base.database_url
        if not database_url.startswith(("postgresql", "postgres")):
            raise ClusterError("several Rasa replicas need a shared PostgreSQL: set DATABASE_URL=postgresql://…")
        if not base.redis_url:
            raise ClusterError("several Rasa replicas need Redis for the lock store: set REDIS_URL=redis://…")
        # Every process must derive the same pseudonyms and forget token: pass the key explicitly.
        self.env: dict[str, str] = {
            **base_env,
            "DATABASE_URL": database_url,
            "REDIS_URL": base.redis_url,
            "PSEUDONYM_KEY": base.pseudonym_key.decode(),
            "ACTION_URL": self.layout.action_url,
            "RASA_URL": self.layout.rasa_url,
            "WEBHOOK_PORT": str(self.layout.webhook_port),
        }
        self.settings: Settings = load_settings(self.env)
        self.stack = Stack(self.settings, extra_env=self.env, model=model)
        self.prefix = self.settings.var_dir / "nginx"

    # -- nginx ---------------------------------------------------------------------------------
    def start_nginx(self, timeout: float = 15) -> float:
        config = nginx_params(self.layout, self.prefix, self.settings.bind_host)
        return nginx.start(self.stack.supervisor, config, self.prefix, [f"{self.layout.rasa_url}/health"], timeout)

    # -- servers -------------------------------------------------------------------------------
    def start_actions(self, index: int, timeout: float = 60) -> float:
        return self.stack.start_actions(timeout, port=self.layout.action_ports[index], name=f"actions-{index + 1}")

    def start_rasa(self, index: int, timeout: float = 300) -> float:
        return self.stack.start_rasa(timeout, port=self.layout.rasa_ports[index], name=f"rasa-{index + 1}")

    def kill_rasa(self, index: int, sig: int = signal.SIGKILL) -> None:
        self.stack.stop_one(f"rasa-{index + 1}", sig)

    def kill_actions(self, index: int, sig: int = signal.SIGKILL) -> None:
        self.stack.stop_one(f"actions-{index + 1}", sig)

    def start(self, timeout: float = 300) -> float:
        """Start everything; returns seconds until every Rasa replica answered."""
        started = time.monotonic()
        ensure_database(self.settings.database_url)
        self.start_nginx()
        actions = [
            self.stack.spawn_actions(port, f"actions-{i + 1}") for i, port in enumerate(self.layout.action_ports)
        ]
        for port, process in zip(self.layout.action_ports, actions, strict=True):
            wait_http(f"http://127.0.0.1:{port}/health", 60, process)
        # The replicas load their models side by side.
        replicas = [self.stack.spawn_rasa(port, f"rasa-{i + 1}") for i, port in enumerate(self.layout.rasa_ports)]
        for port, process in zip(self.layout.rasa_ports, replicas, strict=True):
            wait_http(rasa_health_url(port), timeout, process)
        wait_http(f"{self.layout.rasa_url}/webhooks/rest/", 15)
        return time.monotonic() - started

    def start_bot(self, extra_env: Mapping[str, str] | None = None) -> Process:
        return self.stack.start_bot({**self.env, **(extra_env or {})})

    def check_alive(self) -> None:
        self.stack.check_alive()

    def stop(self) -> None:
        self.stack.stop()


def cluster_env(env: Mapping[str, str]) -> dict[str, str]:
    """The settings `make cluster` runs with: PostgreSQL and Redis on this machine unless set."""
    result = dict(env)
    if not result.get("DATABASE_URL", "").startswith(("postgresql", "postgres")):
        result["DATABASE_URL"] = DEFAULT_DATABASE_URL
    result.setdefault("REDIS_URL", "")
    if not result["REDIS_URL"]:
        result["REDIS_URL"] = DEFAULT_REDIS_URL
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m supervisor cluster", description="Several Rasa and action servers behind nginx."
    )
    parser.add_argument("--replicas", type=int, default=2, help="Rasa servers (default 2)")
    parser.add_argument("--action-replicas", type=int, default=2, help="action servers (default 2)")
    parser.add_argument(
        "--port",
        type=int,
        default=8080,
        help="public port of the Telegram webhook (the next two, on loopback: REST and the action servers)",
    )
    args = parser.parse_args(argv)
    layout = Layout(
        rasa_ports=tuple(5005 + i for i in range(args.replicas)),
        action_ports=tuple(5055 + i for i in range(args.action_replicas)),
        public_port=args.port,
        rasa_lb_port=args.port + 1,
        action_lb_port=args.port + 2,
    )
    env = cluster_env(os.environ)
    try:
        cluster = Cluster(env, layout)
    except SupervisorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

    def body() -> int:
        print(
            f"Starting nginx, {args.action_replicas} action servers and {args.replicas} Rasa servers "
            f"(tracker store {urlsplit(env['DATABASE_URL'])._replace(netloc='…').geturl()}, lock store Redis)…",
            file=sys.stderr,
        )
        seconds = cluster.start()
        print(
            f"Ready after {seconds:.1f}s: REST {layout.rasa_url}/webhooks/rest/webhook, loopback only "
            f"(logs: {cluster.stack.log_dir})",
            file=sys.stderr,
        )
        if not cluster.settings.telegram_token:
            print("No TELEGRAM_BOT_TOKEN: local chat through the load balancer.", file=sys.stderr)
            return cluster.stack.supervisor.foreground(cluster.stack.bot_args(), cluster.env) or 0
        if not cluster.settings.telegram_webhook_url:
            print("TELEGRAM_WEBHOOK_URL is not set: the bot uses long polling (one bot process).", file=sys.stderr)
        else:
            print(
                f"Telegram webhook: {cluster.settings.telegram_webhook_url} → nginx "
                f"{cluster.settings.bind_host}:{layout.public_port}/telegram → bot",
                file=sys.stderr,
            )
        cluster.start_bot()
        print("Press Ctrl-C to stop.", file=sys.stderr)
        cluster.stack.supervisor.watch()
        return 0

    return run_until_stopped(body, cluster.stop)
