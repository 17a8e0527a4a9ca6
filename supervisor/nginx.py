"""The nginx in front of our replicas: one template (templates/nginx.conf.j2) rendered with the
upstreams, listen ports and paths of `make cluster`, `make bench` and deploy/compose.yml, and the
code that checks and starts it under the supervisor.

    python -m supervisor nginx     # write deploy/nginx.conf (a test checks it is up to date)
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from supervisor.process import Supervisor, SupervisorError, wait_http

TEMPLATES = Path(__file__).resolve().parent / "templates"
TEMP_KINDS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
ROOT = Path(__file__).resolve().parents[1]
DEPLOY_CONF = ROOT / "deploy" / "nginx.conf"
# The bot's webhook route (bot/__main__.py serves url_path="telegram").
TELEGRAM_PATH = "/telegram"
REST_PATH = "/webhooks/rest/"

# Not HTML: nothing to escape. StrictUndefined: a missing parameter fails the render, never an
# empty directive nginx would read differently.
_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    undefined=jinja2.StrictUndefined,
    autoescape=False,  # noqa: S701 (an nginx configuration, not HTML)
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


class NginxError(SupervisorError):
    """nginx is missing, refused its configuration or did not start."""


@dataclass(frozen=True)
class Upstream:
    name: str
    servers: tuple[str, ...]  # host:port
    keepalive: int = 32  # idle connections kept open to the group; 0 for none
    failover: bool = True  # a replica that failed once rests 5 s while the others take its share


@dataclass(frozen=True)
class Location:
    match: str  # "= /health", "/webhooks/rest/"
    upstream: str | None = None  # None: answer 200 "ok" here (nginx's own health)
    comment: str = ""


@dataclass(frozen=True)
class Server:
    listen: str  # "8080" or "127.0.0.1:8080"; every other path answers 404
    locations: tuple[Location, ...]
    comment: str = ""


@dataclass(frozen=True)
class Files:
    pid: str
    error_log: str
    access_log: str | None  # None: no access log (the benchmark measures nginx, not its disk)
    temp_dir: str

    @classmethod
    def under(cls, prefix: Path, access_log: bool = True) -> Files:
        return cls(
            str(prefix / "nginx.pid"),
            str(prefix / "error.log"),
            str(prefix / "access.log") if access_log else None,
            str(prefix),
        )


@dataclass(frozen=True)
class NginxConfig:
    purpose: str
    upstreams: tuple[Upstream, ...]
    servers: tuple[Server, ...]
    files: Files
    worker_processes: str = "1"
    read_timeout: int = 60
    # A DNS server's address: upstream names are then re-resolved (`resolve`, open-source nginx 1.27.3+).
    resolver: str | None = None
    notes: tuple[str, ...] = field(default=())

    def render(self) -> str:
        return _ENV.get_template("nginx.conf.j2").render(
            purpose=self.purpose,
            notes=self.notes,
            files=self.files,
            upstreams=self.upstreams,
            servers=self.servers,
            worker_processes=self.worker_processes,
            read_timeout=self.read_timeout,
            resolver=self.resolver,
        )


def loopback(ports: Sequence[int]) -> tuple[str, ...]:
    return tuple(f"127.0.0.1:{port}" for port in ports)


def cluster_config(
    rasa_ports: Sequence[int],
    action_ports: Sequence[int],
    public_port: int,
    rasa_lb_port: int,
    action_lb_port: int,
    webhook_port: int,
    prefix: Path,
    listen_host: str = "127.0.0.1",
) -> NginxConfig:
    """`make cluster`, shaped like deploy/compose.yml: the webhook on the public port (on BIND_HOST),
    the REST channel and the action servers on loopback only, whatever BIND_HOST says."""
    return NginxConfig(
        purpose="make cluster",
        files=Files.under(prefix),
        upstreams=(
            Upstream("rasa", loopback(rasa_ports)),
            Upstream("actions", loopback(action_ports)),
            Upstream("bot", loopback([webhook_port]), keepalive=0, failover=False),
        ),
        servers=(
            Server(
                f"{listen_host}:{public_port}",
                (
                    Location(
                        f"= {TELEGRAM_PATH}",
                        "bot",
                        "Telegram's calls carry X-Telegram-Bot-Api-Secret-Token; the bot refuses others with 403.",
                    ),
                    Location("= /health"),
                ),
                "Public (BIND_HOST): the Telegram webhook and /health, nothing else.",
            ),
            Server(
                f"127.0.0.1:{rasa_lb_port}",
                (
                    Location("= /health"),
                    Location(REST_PATH, "rasa", "Only the REST channel: Rasa's HTTP API is never routed."),
                ),
                "Loopback only: the REST channel (messages, health, forget), for the bot and local integrations.",
            ),
            Server(
                f"127.0.0.1:{action_lb_port}",
                (Location("= /webhook", "actions"), Location("= /health", "actions")),
                "Loopback only: the action servers, for Rasa.",
            ),
        ),
    )


def bench_config(upstreams: dict[str, Sequence[int]], listen: dict[str, int], prefix: Path) -> NginxConfig:
    """`make bench`: one listen port per group of Rasa replicas, the REST channel only."""
    return NginxConfig(
        purpose="make bench",
        files=Files.under(prefix, access_log=False),
        upstreams=tuple(Upstream(name, loopback(ports), keepalive=64) for name, ports in upstreams.items()),
        servers=tuple(
            Server(f"127.0.0.1:{listen[name]}", (Location("= /health"), Location(REST_PATH, name)))
            for name in upstreams
        ),
        # At c32 a message waits in Rasa's queue well beyond one message's time.
        read_timeout=120,
    )


def compose_config() -> NginxConfig:
    """deploy/compose.yml: the official nginx image, upstreams by compose service name."""
    return NginxConfig(
        purpose="deploy/compose.yml",
        notes=(
            "Load balancer of deploy/compose.yml (official nginx image, Debian). It runs as the unprivileged",
            "nginx user, so it listens above 1024 and writes only under /tmp.",
            "",
            f"  :8080  public   {TELEGRAM_PATH} -> bot (webhook), /health; nothing else",
            f"  :8081  internal {REST_PATH} -> Rasa replicas (the bot's RASA_URL); Rasa's HTTP API is never routed",
            "  :8082  internal /webhook, /health -> action server replicas (Rasa's ACTION_URL)",
            "",
            "Any Rasa replica can take any message (conversation in PostgreSQL, its lock in Redis), so there",
            "are no sticky sessions. The upstream names are compose service names; `resolve` re-reads",
            "Docker's DNS, so `docker compose up --scale rasa=N` and re-created containers are picked up",
            "without restarting nginx (open-source nginx has `resolve` since 1.27.3).",
        ),
        # The container's own /tmp: the image's nginx user may write nowhere else.
        files=Files(pid="/tmp/nginx.pid", error_log="stderr", access_log="/dev/stdout", temp_dir="/tmp"),  # noqa: S108
        worker_processes="auto",
        resolver="127.0.0.11",  # Docker's embedded DNS server
        upstreams=(
            Upstream("rasa", ("rasa:5005",)),
            Upstream("actions", ("actions:5055",)),
            Upstream("bot", ("bot:8443",), keepalive=0, failover=False),
        ),
        servers=(
            Server(
                "8080",
                (
                    Location(
                        f"= {TELEGRAM_PATH}",
                        "bot",
                        "Telegram's calls carry X-Telegram-Bot-Api-Secret-Token; the bot refuses others with 403.",
                    ),
                    Location("= /health"),
                ),
                "Public: published by compose. TLS ends in front of it (Telegram only calls HTTPS webhooks).",
            ),
            Server(
                "8081",
                (Location(REST_PATH, "rasa"),),
                "Internal: the REST channel (messages, health, forget) for the bot and integrations.",
            ),
            Server(
                "8082",
                (Location("= /webhook", "actions"), Location("= /health", "actions")),
                "Internal: the action servers, for Rasa.",
            ),
        ),
    )


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if not found:
        raise NginxError("nginx is not installed: `apt-get install nginx-light` (Debian) and try again")
    return found


def write(config: NginxConfig, prefix: Path) -> Path:
    """The rendered configuration under `prefix`, with the temp folders it names."""
    prefix.mkdir(parents=True, exist_ok=True)
    for kind in TEMP_KINDS:
        (Path(config.files.temp_dir) / kind).mkdir(parents=True, exist_ok=True)
    conf = prefix / "nginx.conf"
    conf.write_text(config.render())
    return conf


def check(conf: Path, prefix: Path) -> None:
    result = subprocess.run([nginx_binary(), "-t", "-q", "-p", str(prefix), "-c", str(conf)], capture_output=True)
    if result.returncode != 0:
        raise NginxError(f"nginx rejected {conf}: {result.stderr.decode(errors='replace').strip()}")


def start(
    supervisor: Supervisor, config: NginxConfig, prefix: Path, health_urls: Sequence[str], timeout: float = 15
) -> float:
    """Write, check (`nginx -t`) and start nginx in the foreground under the supervisor."""
    conf = write(config, prefix)
    check(conf, prefix)
    args = [nginx_binary(), "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"]
    process = supervisor.spawn("nginx", args, {}, cwd=prefix)
    return sum(wait_http(url, timeout, process) for url in health_urls)


def write_deploy_conf(path: Path = DEPLOY_CONF) -> Path:
    path.write_text(compose_config().render())
    return path
