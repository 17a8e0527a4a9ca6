"""Static checks of the production deployment (deploy/, .dockerignore): no container engine, no network.

Each check is a function from the deployment files to a list of problems. The tests assert the
real files have none, and `test_each_check_catches_its_breakage` breaks a copy of the files in
memory and asserts the matching check notices, so no check can silently stop checking.
"""

from __future__ import annotations

import ast
import http.server
import importlib.util
import re
import shlex
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from assistant_core.settings import ROOT, load_settings
from supervisor.stack import MODEL_NAME
from tests.core.rasa_env import RASA_PYTHON

COMPOSE = "deploy/compose.yml"
NGINX = "deploy/nginx.conf"
ENTRYPOINT = "deploy/entrypoint.sh"
DOCKERIGNORE = ".dockerignore"
DOCKERFILES = {"deploy/rasa.Dockerfile": "requirements/rasa.lock", "deploy/app.Dockerfile": "requirements/app.lock"}
FILES = (
    COMPOSE,
    NGINX,
    ENTRYPOINT,
    DOCKERIGNORE,
    "deploy/.env.example",
    *DOCKERFILES,
    "Makefile",
    "scripts/find-python310",
    "assistant_core/settings.py",
    "dashboard/app.py",
    "bot/__main__.py",
)

# Compose refuses to start without these (`${VAR:?message}`); none may have a default.
REQUIRED_SECRETS = frozenset(
    {
        "PSEUDONYM_KEY",
        "TELEGRAM_BOT_TOKEN",
        "TELEGRAM_WEBHOOK_URL",
        "POSTGRES_PASSWORD",
        "REDIS_PASSWORD",
        "DASHBOARD_USERS",
    }
)
SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|PSEUDONYM_KEY|DASHBOARD_USERS|_AUTH$")
# A value that is only an interpolation: required (`:?`), or optional and empty (`:-` with nothing).
SECRET_VALUE = re.compile(r"\$\{[A-Z0-9_]+(:\?[^}]*|:-)\}")
INTERPOLATION = re.compile(r"\$\{([A-Za-z0-9_]+)(?:(:?[-?+])([^}]*))?\}")
URL_PASSWORD = re.compile(r"://[^:/@\s]*:([^@\s]+)@")
TELEGRAM_TOKEN = re.compile(r"\b\d{6,12}:[A-Za-z0-9_-]{30,}\b")
PASSWORD_HASH = re.compile(r"scrypt\$\d+\$\d+\$\d+\$[0-9a-f]+")  # what make dashboard-password prints

# The port setting each of our services listens on, and what its health check must probe.
PORT_SETTING = {"rasa": "RASA_PORT", "actions": "ACTION_PORT", "bot": "WEBHOOK_PORT", "dashboard": "DASHBOARD_PORT"}
PROBES = {
    "postgres": ["pg_isready"],
    "redis": ["redis-cli", "ping"],
    "rasa": ["http://127.0.0.1:{RASA_PORT}/webhooks/rest/"],
    "actions": ["http://127.0.0.1:{ACTION_PORT}/health"],
    "bot": ["http://127.0.0.1:{WEBHOOK_PORT}/telegram"],
    "dashboard": ["http://127.0.0.1:{DASHBOARD_PORT}/masuk"],
    "nginx": ["http://127.0.0.1:8080/health"],
}
MIN_REPLICAS = {"rasa": 2, "actions": 2}
# nginx learnt `resolve` (re-reading DNS for upstream servers) in open source 1.27.3.
NGINX_RESOLVE_SINCE = (1, 27, 3)


# -- the files ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Deploy:
    texts: dict[str, str]

    @classmethod
    def load(cls) -> Deploy:
        return cls({name: (ROOT / name).read_text(encoding="utf-8") for name in FILES})

    def replace(self, name: str, old: str, new: str) -> Deploy:
        assert old in self.texts[name], f"{name} no longer contains {old!r}: update the breakage"
        return Deploy({**self.texts, name: self.texts[name].replace(old, new, 1)})

    @cached_property
    def compose(self) -> dict[str, Any]:
        data = yaml.safe_load(self.texts[COMPOSE])
        assert isinstance(data, dict)
        return data

    @cached_property
    def services(self) -> dict[str, dict[str, Any]]:
        services = self.compose["services"]
        assert isinstance(services, dict)
        return services

    @cached_property
    def nginx(self) -> Nginx:
        return parse_nginx(self.texts[NGINX])


def env_of(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def setting_names(source: str, scope: str | None = None) -> set[str]:
    """Environment variables a module reads, `env.get("X", ...)` or `_int(env, "X", ...)`, within the
    class `scope` if given."""
    tree: ast.AST = ast.parse(source)
    if scope:
        tree = next(n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == scope)
    names = set()
    for call in ast.walk(tree):
        if not isinstance(call, ast.Call):
            continue
        if isinstance(call.func, ast.Attribute) and call.func.attr == "get" and call.args:
            name = call.args[0]
        elif len(call.args) >= 2 and isinstance(call.args[0], ast.Name) and call.args[0].id == "env":
            name = call.args[1]
        else:
            continue
        if isinstance(name, ast.Constant) and isinstance(name.value, str):
            names.add(name.value)
    return names


def allowed_env(deploy: Deploy, service: str) -> set[str]:
    names = setting_names(deploy.texts["assistant_core/settings.py"])
    if service == "dashboard":
        names |= setting_names(deploy.texts["dashboard/app.py"], "DashboardConfig")
    return names


def port_of(deploy: Deploy, name: str) -> int:
    """The port a service of ours listens on: its compose setting, else the settings default."""
    setting = PORT_SETTING[name]
    configured = env_of(deploy.services[name]).get(setting)
    if configured:
        return int(configured)
    if setting == "DASHBOARD_PORT":
        return 8050
    defaults = load_settings({"PSEUDONYM_KEY": "k" * 16})
    return {
        "RASA_PORT": defaults.rasa_port,
        "ACTION_PORT": defaults.action_port,
        "WEBHOOK_PORT": defaults.webhook_port,
    }[setting]


# -- Dockerfiles ----------------------------------------------------------------------------------
@dataclass
class Stage:
    name: str | None
    base: str
    parent: Stage | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def effective(self, keyword: str) -> str | None:
        """The last value of USER/WORKDIR in this stage or the stages it is built FROM."""
        own = [args for kw, args in self.instructions if kw == keyword]
        if own:
            return own[-1]
        return self.parent.effective(keyword) if self.parent else None


def parse_dockerfile(text: str) -> list[Stage]:
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        pending += " " + stripped[:-1] if stripped.endswith("\\") else " " + stripped
        if not stripped.endswith("\\"):
            lines.append(pending.strip())
            pending = ""
    stages: list[Stage] = []
    for line in lines:
        keyword, _, args = line.partition(" ")
        keyword, args = keyword.upper(), args.strip()
        if keyword == "FROM":
            parts = args.split()
            name = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else None
            parent = next((s for s in stages if s.name == parts[0]), None)
            stages.append(Stage(name, parts[0], parent))
        else:
            stages[-1].instructions.append((keyword, args))
    return stages


def copies(stage: Stage) -> Iterator[tuple[str, str]]:
    """(source, absolute destination) of each COPY from the build context."""
    workdir = "/"
    for keyword, args in stage.instructions:
        if keyword == "WORKDIR":
            workdir = args
        if keyword == "COPY":
            words = [w for w in shlex.split(args) if not w.startswith("--")]
            if any(w.startswith("--from") for w in shlex.split(args)):
                continue
            dest = words[-1]
            for source in words[:-1]:
                target = dest if dest.startswith("/") else str(PurePosixPath(workdir) / dest)
                if target.endswith("/") or dest in {".", "./"}:
                    target = str(PurePosixPath(target) / PurePosixPath(source).name)
                yield source, str(PurePosixPath(target))


def pip_installs(stage: Stage) -> Iterator[list[str]]:
    """The arguments after `pip install` of each pip command in a RUN."""
    for keyword, args in stage.instructions:
        if keyword != "RUN":
            continue
        for segment in re.split(r"&&|;|\|\|", args):
            words = shlex.split(segment)
            for i in range(len(words) - 1):
                if words[i].endswith("pip") and words[i + 1] == "install":
                    yield words[i + 2 :]


def makefile_bootstrap(makefile: str) -> list[str]:
    """What `make install` upgrades before the lock file (pip, setuptools, wheel)."""
    match = re.search(r"pip install --quiet --upgrade (.+)", makefile)
    assert match, "Makefile no longer bootstraps pip; update the deployment check"
    return shlex.split(match.group(1))


def python_minor(find_python: str) -> str:
    match = re.search(r"sys\.version_info\[:2\] == \((\d+), (\d+)\)", find_python)
    assert match, "scripts/find-python310 no longer names a Python version; update the deployment check"
    return f"{match.group(1)}.{match.group(2)}"


def image_problems(deploy: Deploy) -> list[str]:
    """Both images: the Python minor of our venvs, exactly their lock file, our package --no-deps."""
    problems = []
    minor = python_minor(deploy.texts["scripts/find-python310"])
    bootstrap = makefile_bootstrap(deploy.texts["Makefile"])
    for name, lock in DOCKERFILES.items():
        stages = parse_dockerfile(deploy.texts[name])
        for stage in stages:
            if stage.parent is None and not re.fullmatch(
                rf"python:{re.escape(minor)}(\.\d+)?(-[a-z0-9-]+)?", stage.base
            ):
                problems.append(f"{name}: FROM {stage.base} is not python:{minor} (scripts/find-python310)")
        lock_dests = {dest for stage in stages for source, dest in copies(stage) if source == lock}
        wrong_locks = {s for stage in stages for s, _ in copies(stage) if s.endswith(".lock") and s != lock}
        if not lock_dests:
            problems.append(f"{name}: does not copy {lock}")
        if wrong_locks:
            problems.append(f"{name}: copies {sorted(wrong_locks)} instead of {lock}")
        from_lock = no_deps = 0
        for stage in stages:
            for args in pip_installs(stage):
                options = {a for a in args if a.startswith("-")}
                packages = [a for a in args if not a.startswith("-")]
                if "-r" in args:
                    from_lock += 1
                    if packages != [args[args.index("-r") + 1]] or packages[0] not in lock_dests:
                        problems.append(f"{name}: pip install {' '.join(args)} is not just the copied {lock}")
                elif "--no-deps" in options:
                    no_deps += 1
                    if packages != ["."]:
                        problems.append(f"{name}: pip install {' '.join(args)} must install our package (.) only")
                elif packages != bootstrap:
                    problems.append(
                        f"{name}: pip install {' '.join(args)} is neither the lock, our package nor {bootstrap}"
                    )
        if from_lock != 1:
            problems.append(f"{name}: {from_lock} installs from a lock file, expected 1")
        if no_deps != 1:
            problems.append(f"{name}: {no_deps} installs of our package with --no-deps, expected 1")
        for stage in stages:
            user = stage.effective("USER")
            if user is None or user.split(":")[0] in {"root", "0"}:
                problems.append(f"{name}: stage {stage.name or stage.base} runs as {user or 'root (no USER)'}")
            for keyword, value in stage.instructions:
                if keyword in {"ENV", "ARG"}:
                    for key in re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=", value) or value.split()[:1]:
                        if SECRET_NAME.search(key):
                            problems.append(f"{name}: {keyword} {key} bakes a secret into the image")
            for source, _ in copies(stage):
                if PurePosixPath(source).name == ".env":
                    problems.append(f"{name}: copies {source} into the image")
    return problems


def model_problems(deploy: Deploy) -> list[str]:
    """The Rasa image copies the model `make train` writes, to where the entry point loads it from."""
    problems = []
    stages = parse_dockerfile(deploy.texts["deploy/rasa.Dockerfile"])
    models = [(s, d) for stage in stages for s, d in copies(stage) if s.startswith("var/models/")]
    expected = f"var/models/{MODEL_NAME}"
    if [s for s, _ in models] != [expected]:
        problems.append(f"rasa.Dockerfile copies {[s for s, _ in models]}, expected [{expected!r}] (stack.MODEL_NAME)")
    if "make train" not in deploy.texts["deploy/rasa.Dockerfile"]:
        problems.append("rasa.Dockerfile does not say the model comes from `make train`")
    loaded = re.findall(r"--model\s+(\S+)", deploy.texts[ENTRYPOINT])
    if loaded != [d for _, d in models]:
        problems.append(f"entrypoint.sh loads {loaded}, the image has the model at {[d for _, d in models]}")
    return problems


# -- .dockerignore --------------------------------------------------------------------------------
def dockerignore_matcher(text: str) -> Callable[[str], bool]:
    """Docker's rules: a pattern matches a path or one of its parents; the last match wins; `!` re-includes."""
    rules: list[tuple[bool, re.Pattern[str]]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        pattern = line.lstrip("!").strip("/")
        regex = ""
        i = 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                regex, i = regex + "(?:.*/)?", i + 3
            elif pattern.startswith("**", i):
                regex, i = regex + ".*", i + 2
            elif pattern[i] == "*":
                regex, i = regex + "[^/]*", i + 1
            elif pattern[i] == "?":
                regex, i = regex + "[^/]", i + 1
            else:
                regex, i = regex + re.escape(pattern[i]), i + 1
        rules.append((negated, re.compile(regex)))

    def ignored(path: str) -> bool:
        parts = path.strip("/").split("/")
        prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
        result = False
        for negated, regex in rules:
            if any(regex.fullmatch(p) for p in prefixes):
                result = not negated
        return result

    return ignored


def dockerignore_problems(deploy: Deploy) -> list[str]:
    ignored = dockerignore_matcher(deploy.texts[DOCKERIGNORE])
    private = [
        ".venv/app/bin/python",
        ".git/config",
        ".env",
        "deploy/.env",
        "var/assistant.db",
        "var/pseudonym.key",
        "var/bench/ours/endpoints.yml",
        "var/models/baseline.tar.gz",
        "tests/heldout/questions.yml",
        "tests/dev/questions.yml",
    ]
    problems = [f".dockerignore lets {path} into the build context" for path in private if not ignored(path)]
    for name in DOCKERFILES:
        for stage in parse_dockerfile(deploy.texts[name]):
            for source, _ in copies(stage):
                if ignored(source):
                    problems.append(f".dockerignore keeps {source} out, but {name} copies it")
                elif not source.startswith("var/models/") and not (ROOT / source).exists():
                    problems.append(f"{name} copies {source}, which does not exist")
    return problems


# -- compose --------------------------------------------------------------------------------------
def one_shot(service: dict[str, Any]) -> bool:
    return str(service.get("restart", "")) == "no"


def healthcheck_problems(deploy: Deploy) -> list[str]:
    problems = []
    services = deploy.services
    for name, service in services.items():
        check = service.get("healthcheck") or {}
        test = check.get("test")
        if one_shot(service):
            continue
        if not test or check.get("disable") or test in (["NONE"], "NONE"):
            problems.append(f"compose service {name} has no health check")
            continue
        joined = " ".join(test) if isinstance(test, list) else str(test)
        ports = {s: port_of(deploy, svc) for svc, s in PORT_SETTING.items() if svc in services}
        for fragment in PROBES.get(name, []):
            wanted = fragment.format(**ports)
            if wanted not in joined:
                problems.append(f"compose service {name}: health check {joined!r} does not probe {wanted!r}")
    for name in PROBES:
        if name not in services:
            problems.append(f"compose has no service {name}")
    return problems


def depends_on_problems(deploy: Deploy) -> list[str]:
    problems = []
    services = deploy.services
    for name, service in services.items():
        depends = service.get("depends_on") or {}
        if isinstance(depends, list):
            problems.append(f"compose service {name}: depends_on without conditions only waits for a start")
            continue
        for other, spec in depends.items():
            wanted = "service_completed_successfully" if one_shot(services.get(other, {})) else "service_healthy"
            if (spec or {}).get("condition") != wanted:
                problems.append(f"compose service {name}: depends_on {other} must use condition: {wanted}")
    return problems


def secret_problems(deploy: Deploy) -> list[str]:
    problems = []
    text = re.sub(r"(^|\s)#.*", "", deploy.texts[COMPOSE])  # what comments say is not configuration
    seen = set()
    for match in INTERPOLATION.finditer(text):
        name, operator, default = match.group(1), match.group(2), match.group(3)
        seen.add(name)
        if name in REQUIRED_SECRETS and operator != ":?":
            problems.append(f"compose: required secret {match.group(0)} must be ${{{name}:?message}}")
        if SECRET_NAME.search(name) and operator in {"-", ":-"} and default:
            problems.append(f"compose: secret {name} has a default value")
    problems += [f"compose never requires {name}" for name in sorted(REQUIRED_SECRETS - seen)]
    for name, service in deploy.services.items():
        for key, value in env_of(service).items():
            if SECRET_NAME.search(key) and not SECRET_VALUE.fullmatch(value):
                problems.append(f"compose service {name}: {key} is not taken from the environment")
            for password in URL_PASSWORD.findall(value):
                if not SECRET_VALUE.fullmatch(password):
                    problems.append(f"compose service {name}: {key} has a password written into it")
    example = deploy.texts["deploy/.env.example"]
    for name in sorted(seen):
        found = re.search(rf"^{name}=(.*)$", example, re.M)
        if not found:
            problems.append(f"deploy/.env.example does not list {name}")
        elif name in REQUIRED_SECRETS and found.group(1).strip("'\"") != "":
            problems.append(f"deploy/.env.example gives {name} a value")
    for file, content in deploy.texts.items():
        if file.startswith("deploy/") and (TELEGRAM_TOKEN.search(content) or PASSWORD_HASH.search(content)):
            problems.append(f"{file} contains what looks like a bot token or a password hash")
    return problems


def env_name_problems(deploy: Deploy) -> list[str]:
    """Our services set only variables our code reads, and listen on every interface."""
    problems = []
    for name, service in deploy.services.items():
        if "build" not in service:
            continue  # postgres, redis, nginx: their own variables
        env = env_of(service)
        for key in sorted(set(env) - allowed_env(deploy, name)):
            problems.append(f"compose service {name}: {key} is not a setting (assistant_core/settings.py)")
        if env.get("BIND_HOST") != "0.0.0.0":  # a container must listen beyond its own loopback
            problems.append(f"compose service {name}: BIND_HOST must be 0.0.0.0 (settings default to 127.0.0.1)")
    return problems


def replica_problems(deploy: Deploy) -> list[str]:
    problems = []
    for name, service in deploy.services.items():
        replicas = int((service.get("deploy") or {}).get("replicas", 1))
        if replicas < MIN_REPLICAS.get(name, 1):
            problems.append(f"compose service {name}: {replicas} replica(s), at least {MIN_REPLICAS[name]} needed")
        if name == "bot" and replicas != 1:
            problems.append("compose service bot: exactly 1 replica (per-chat order is kept in its memory)")
        if replicas > 1 and (service.get("ports") or service.get("container_name")):
            problems.append(f"compose service {name}: replicas cannot share published ports or a container name")
    return problems


def build_problems(deploy: Deploy) -> list[str]:
    problems = []
    for name, service in deploy.services.items():
        build = service.get("build")
        if not build:
            continue
        dockerfile = str(build.get("dockerfile"))
        if dockerfile not in DOCKERFILES or build.get("context") != "..":
            problems.append(f"compose service {name}: builds {dockerfile} from {build.get('context')}")
            continue
        stages = {s.name for s in parse_dockerfile(deploy.texts[dockerfile])}
        if build.get("target") is not None and build["target"] not in stages:
            problems.append(f"compose service {name}: {dockerfile} has no target {build['target']}")
    return problems


# -- nginx ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Directive:
    name: str
    args: tuple[str, ...]
    block: tuple[Directive, ...] | None = None

    def all(self, name: str) -> list[Directive]:
        return [d for d in self.block or () if d.name == name]


@dataclass(frozen=True)
class Nginx:
    http: Directive

    def upstreams(self) -> dict[str, list[tuple[str, int]]]:
        result = {}
        for upstream in self.http.all("upstream"):
            servers = []
            for server in upstream.all("server"):
                host, _, port = server.args[0].rpartition(":")
                servers.append((host, int(port)))
            result[upstream.args[0]] = servers
        return result

    def servers(self) -> dict[int, list[tuple[str, Directive]]]:
        """Listen port -> [(location match, location)]."""
        result = {}
        for server in self.http.all("server"):
            port = int(server.all("listen")[0].args[0].rpartition(":")[2])
            result[port] = [(" ".join(loc.args), loc) for loc in server.all("location")]
        return result


def parse_nginx(text: str) -> Nginx:
    tokens = re.findall(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'|[{};]|[^\s{};]+', re.sub(r"#[^\n]*", "", text))
    position = 0

    def block() -> tuple[Directive, ...]:
        nonlocal position
        items: list[Directive] = []
        words: list[str] = []
        while position < len(tokens):
            token = tokens[position]
            position += 1
            if token == ";":
                items.append(Directive(words[0], tuple(words[1:])))
                words = []
            elif token == "{":
                items.append(Directive(words[0], tuple(words[1:]), block()))
                words = []
            elif token == "}":
                return tuple(items)
            else:
                words.append(token)
        return tuple(items)

    top = Directive("main", (), block())
    return Nginx(top.all("http")[0])


def walk(directive: Directive) -> Iterator[Directive]:
    for child in directive.block or ():
        yield child
        yield from walk(child)


def proxied(location: Directive) -> str | None:
    passes = location.all("proxy_pass")
    return urlsplit(passes[0].args[0]).hostname if passes else None


def nginx_problems(deploy: Deploy) -> list[str]:
    """Upstreams are compose services on their real ports; only the webhook and /health are public."""
    problems = []
    nginx = deploy.nginx
    services = deploy.services
    upstreams = nginx.upstreams()
    for upstream, members in upstreams.items():
        for host, port in members:
            if host not in services:
                problems.append(f"nginx upstream {upstream}: {host} is not a compose service")
            elif host in PORT_SETTING and port != port_of(deploy, host):
                problems.append(
                    f"nginx upstream {upstream}: {host}:{port}, but {host} listens on {port_of(deploy, host)}"
                )
    servers = nginx.servers()
    used = {target for locations in servers.values() for _, loc in locations if (target := proxied(loc))}
    for name in sorted(used - set(upstreams)):
        problems.append(f"nginx proxies to {name}, which is no upstream")
    for name in sorted(set(upstreams) - used):
        problems.append(f"nginx upstream {name} is never used")
    nginx_service = services.get("nginx", {})
    published = {int(str(p).rsplit(":", 1)[-1].split("/")[0]) for p in nginx_service.get("ports", [])}
    if not published:
        problems.append("compose publishes no nginx port: Telegram cannot reach the webhook")
    for port in published:
        for match, location in servers.get(port, []):
            target = proxied(location)
            hosts = {h for h, _ in upstreams.get(target or "", [])}
            public_ok = match in {"= /health", "= /telegram", "/"} and (target is None or hosts == {"bot"})
            refuses = [d.args[0] for d in location.all("return")] == ["404"]
            if not public_ok or (match == "/" and not refuses):
                problems.append(f"nginx: published port {port} exposes location {match} ({target or 'local'})")
    url_path = re.search(r'url_path="([^"]+)"', deploy.texts["bot/__main__.py"])
    if not url_path:
        problems.append("bot/__main__.py no longer names its webhook url_path; update the deployment check")
    elif not any(m == f"= /{url_path.group(1)}" for p in published for m, _ in servers.get(p, [])):
        problems.append(f"nginx does not publish the bot's webhook path /{url_path.group(1)}")
    directives = {d.name: d.args for d in nginx.http.block or ()}
    if directives.get("proxy_next_upstream") != ("error", "timeout"):
        problems.append("nginx: proxy_next_upstream must be `error timeout` (a sent POST is never repeated)")
    for directive in walk(nginx.http):
        if directive.name == "proxy_next_upstream" and "non_idempotent" in directive.args:
            problems.append("nginx: non_idempotent would send one message to Rasa twice")
    for name in ("client_max_body_size", "proxy_connect_timeout", "proxy_read_timeout"):
        if name not in directives:
            problems.append(f"nginx: no {name}")
    image = str(nginx_service.get("image", ""))
    version = re.match(r"nginx:(\d+)\.(\d+)(?:\.(\d+))?-(bookworm|trixie|bullseye)$", image)
    if not version:
        problems.append(f"compose nginx image {image!r} is not an official Debian nginx with a version")
    elif " resolve" in deploy.texts[NGINX]:
        major, minor, patch = version.groups()[:3]
        # A tag without a patch level (nginx:1.27) follows that branch's newest release.
        numbers = (int(major), int(minor), int(patch) if patch else 999)
        if numbers < NGINX_RESOLVE_SINCE:
            problems.append(f"compose nginx image {image} is older than 1.27.3, which `resolve` needs")
    return problems


def client_problems(deploy: Deploy) -> list[str]:
    """The bot reaches Rasa, and Rasa the action servers, through the load balancer."""
    problems = []
    services = deploy.services
    nginx = deploy.nginx
    upstreams, servers = nginx.upstreams(), nginx.servers()
    published = {int(str(p).rsplit(":", 1)[-1]) for p in services.get("nginx", {}).get("ports", [])}

    def balanced(url: str | None, path: str, backend: str) -> bool:
        parts = urlsplit(url or "")
        if parts.hostname != "nginx" or parts.port not in servers or parts.port in published:
            return False
        # nginx's choice: an exact match, else the longest matching prefix.
        exact = [loc for m, loc in servers[parts.port] if m == f"= {path}"]
        prefixes = sorted(
            ((m, loc) for m, loc in servers[parts.port] if not m.startswith("=") and path.startswith(m)),
            key=lambda item: len(item[0]),
        )
        chosen = exact[0] if exact else (prefixes[-1][1] if prefixes else None)
        return chosen is not None and {h for h, _ in upstreams.get(proxied(chosen) or "", [])} == {backend}

    rasa_url = env_of(services["bot"]).get("RASA_URL")
    if not balanced(rasa_url, "/webhooks/rest/webhook", "rasa"):
        problems.append(f"bot RASA_URL={rasa_url} does not reach the Rasa replicas through internal nginx")
    action_url = env_of(services["rasa"]).get("ACTION_URL")
    if not balanced(action_url, urlsplit(action_url or "").path or "?", "actions") or not (action_url or "").endswith(
        "/webhook"
    ):
        problems.append(f"rasa ACTION_URL={action_url} does not reach the action servers' /webhook through nginx")
    return problems


# Shell commands that take a secret without putting it on a command line: builtins and tests.
SHELL_BUILTINS = frozenset({"if", "elif", "[", "test", "printf", "echo", "export", "umask"})
SHELL_VARIABLE = re.compile(r"\$\{?([A-Za-z0-9_]+)")


def shell_secret_arguments(script: str) -> list[str]:
    """The commands of a shell script that pass a secret variable to another program's arguments."""
    found = []
    for line in script.splitlines():
        line = re.sub(r"(^|\s)#.*", "", line)
        for segment in re.split(r"&&|\|\||;|\|", line):
            words = segment.split()
            names = [n for n in SHELL_VARIABLE.findall(segment) if SECRET_NAME.search(n)]
            if names and words and words[0] not in SHELL_BUILTINS:
                found.append(segment.strip())
    return found


def command_line_problems(deploy: Deploy) -> list[str]:
    """No secret reaches a command line: `ps` shows every process's arguments on the host (issue 20
    point 10). Secrets go by environment and files; a shell may hand one to a builtin only."""
    problems = []
    for name, service in deploy.services.items():
        for key in ("entrypoint", "command"):
            value = service.get(key)
            words = [] if value is None else [str(w) for w in (value if isinstance(value, list) else [value])]
            for word in words:
                # Compose puts ${VAR}'s value into the argument itself; $$VAR is the shell's variable.
                for match in INTERPOLATION.finditer(word.replace("$$", "")):
                    if SECRET_NAME.search(match.group(1)):
                        problems.append(f"compose service {name}: {key} carries the secret {match.group(1)}")
                if words[:2] == ["sh", "-c"] or (key == "command" and service.get("entrypoint") == ["sh", "-c"]):
                    problems += [
                        f"compose service {name}: {key} passes a secret as an argument: {command}"
                        for command in shell_secret_arguments(word.replace("$$", "$"))
                    ]
    problems += [
        f"entrypoint.sh passes a secret as an argument: {command}"
        for command in shell_secret_arguments(deploy.texts[ENTRYPOINT])
    ]
    return problems


CHECKS: dict[str, Callable[[Deploy], list[str]]] = {
    "image": image_problems,
    "model": model_problems,
    "dockerignore": dockerignore_problems,
    "healthcheck": healthcheck_problems,
    "depends_on": depends_on_problems,
    "secret": secret_problems,
    "env": env_name_problems,
    "replicas": replica_problems,
    "build": build_problems,
    "nginx": nginx_problems,
    "clients": client_problems,
    "cmdline": command_line_problems,
}


@pytest.fixture(scope="module")
def deploy() -> Deploy:
    return Deploy.load()


@pytest.mark.parametrize("check", CHECKS)
def test_deployment_files_pass(deploy: Deploy, check: str) -> None:
    assert CHECKS[check](deploy) == []


# (check, file, what is there, what breaks it)
BREAKAGES = [
    ("image", "deploy/rasa.Dockerfile", "FROM python:3.10-slim-bookworm", "FROM python:3.11-slim-bookworm"),
    ("image", "deploy/app.Dockerfile", "pip install -r /tmp/app.lock", "pip install rasa-sdk==3.6.2"),
    ("image", "deploy/app.Dockerfile", "COPY requirements/app.lock", "COPY requirements/rasa.lock"),
    ("image", "deploy/rasa.Dockerfile", "pip install --no-deps -e .", "pip install -e ."),
    ("image", "deploy/app.Dockerfile", "USER 10001:10001", "USER root"),
    ("image", "deploy/rasa.Dockerfile", "USER 10001:10001", "ENV PSEUDONYM_KEY=0123456789abcdef\nUSER 10001:10001"),
    ("model", "deploy/rasa.Dockerfile", "COPY var/models/assistant.tar.gz", "COPY var/models/latest.tar.gz"),
    ("model", ENTRYPOINT, "--model /app/models/assistant.tar.gz", "--model /app/assistant.tar.gz"),
    ("dockerignore", DOCKERIGNORE, "\ntests\n", "\ntests/core\n"),
    ("dockerignore", DOCKERIGNORE, "!var/models/assistant.tar.gz", "!var/models/other.tar.gz"),
    ("dockerignore", DOCKERIGNORE, "\nvar/*\n", "\nvar/models/x\n"),
    ("healthcheck", COMPOSE, 'test: ["CMD", "assistant-healthcheck", "http://127.0.0.1:5005/webhooks/rest/"]', ""),
    ("healthcheck", COMPOSE, "http://127.0.0.1:8050/masuk", "http://127.0.0.1:8050/sehat"),
    ("depends_on", COMPOSE, "redis: {condition: service_healthy}", "redis: {condition: service_started}"),
    ("secret", COMPOSE, "${PSEUDONYM_KEY:?", "${PSEUDONYM_KEY:-0123456789abcdef"),
    ("secret", COMPOSE, "POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?", "POSTGRES_PASSWORD: hunter2 #"),
    ("secret", COMPOSE, "${DASHBOARD_SECRET:-}", "${DASHBOARD_SECRET:-not-so-secret}"),
    ("secret", "deploy/.env.example", "DASHBOARD_USERS=''", "DASHBOARD_USERS='ana:scrypt$16384$8$1$00ff$abcd'"),
    (
        "secret",
        "deploy/.env.example",
        "TELEGRAM_BOT_TOKEN=",
        "TELEGRAM_BOT_TOKEN=123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
    ),
    ("secret", COMPOSE, "redis://:${REDIS_PASSWORD:?", "redis://:hunter2@x/#${REDIS_PASSWORD:?"),
    ("env", COMPOSE, "RASA_TIMEOUT: ${RASA_TIMEOUT:-8}", 'RASA_TIMEOUT_SECONDS: "8"'),
    ("env", COMPOSE, "BIND_HOST: 0.0.0.0", "BIND_HOST: 127.0.0.1"),
    (
        "replicas",
        COMPOSE,
        "while the other answers.\n    deploy:\n      replicas: 2",
        "\n    deploy:\n      replicas: 1",
    ),
    ("replicas", COMPOSE, "deploy:\n      replicas: 1\n    # edge", "deploy:\n      replicas: 2\n    # edge"),
    ("build", COMPOSE, "target: bot}", "target: telegram}"),
    ("nginx", NGINX, "server rasa:5005", "server rasa-server:5005"),
    ("nginx", NGINX, "server actions:5055", "server actions:5056"),
    ("nginx", NGINX, "proxy_next_upstream error timeout;", "proxy_next_upstream error timeout non_idempotent;"),
    (
        "nginx",
        NGINX,
        "location = /telegram {",
        "location /webhooks/ { proxy_pass http://rasa; }\nlocation = /telegram {",
    ),
    ("nginx", COMPOSE, '"8080:8080"', '"8081:8081"'),
    ("nginx", NGINX, "client_max_body_size 1m;", ""),
    ("nginx", COMPOSE, "image: nginx:1.28-bookworm", "image: nginx:1.26-bookworm"),
    ("clients", COMPOSE, "RASA_URL: http://nginx:8081", "RASA_URL: http://rasa:5005"),
    ("clients", COMPOSE, "ACTION_URL: http://nginx:8082/webhook", "ACTION_URL: http://nginx:8081/webhook"),
    (
        "cmdline",
        COMPOSE,
        "redis-server /tmp/redis.conf",
        'redis-server /tmp/redis.conf --requirepass "$$REDIS_PASSWORD"',
    ),
    ("cmdline", COMPOSE, '"$$REDIS_PASSWORD" >', '"${REDIS_PASSWORD:?set it}" >'),
    ("cmdline", ENTRYPOINT, '--port "${RASA_PORT:-5005}" "$@"', '--port "${RASA_PORT:-5005}" -t "$RASA_API_TOKEN"'),
]


@pytest.mark.parametrize(("check", "name", "old", "new"), BREAKAGES)
def test_each_check_catches_its_breakage(deploy: Deploy, check: str, name: str, old: str, new: str) -> None:
    assert CHECKS[check](deploy.replace(name, old, new)), f"{check} did not notice {old!r} -> {new!r} in {name}"


# -- nginx itself ---------------------------------------------------------------------------------
def nginx_binary() -> str | None:
    return shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def nginx_test(conf: str, services: set[str], prefix: Path) -> subprocess.CompletedProcess[str]:
    """`nginx -t` on a copy where the compose service names are 127.0.0.1 (so no DNS is needed; with
    addresses, `resolve` has nothing to do and is dropped, which also suits nginx older than 1.27.3)."""
    binary = nginx_binary()
    assert binary
    names = "|".join(re.escape(s) for s in sorted(services))
    rendered = re.sub(rf"(\bserver\s+)(?:{names})(:\d+)", r"\g<1>127.0.0.1\2", conf)
    rendered = re.sub(r"[ \t]+resolve\b(?=[^;{}]*;)", "", rendered).replace("/tmp/", f"{prefix}/")
    path = prefix / "nginx.conf"
    path.write_text(rendered)
    return subprocess.run(
        [binary, "-t", "-q", "-e", "stderr", "-p", str(prefix), "-c", str(path)], capture_output=True, text=True
    )


def test_nginx_accepts_the_configuration(deploy: Deploy, tmp_path: Path) -> None:
    if nginx_binary() is None:
        pytest.skip("nginx is not installed")
    services = set(deploy.services)
    result = nginx_test(deploy.texts[NGINX], services, tmp_path)
    assert result.returncode == 0, result.stderr
    broken = deploy.replace(NGINX, "proxy_read_timeout 60s;", "proxy_read_timeout sixty;")
    assert nginx_test(broken.texts[NGINX], services, tmp_path).returncode != 0


# -- the entry point and the health probe, run for real -------------------------------------------
def fake_program(path: Path, body: str) -> None:
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)


def run_entrypoint(bin_dir: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    full_env = {"PATH": f"{bin_dir}:/usr/bin:/bin", **env}
    return subprocess.run(
        ["sh", str(ROOT / ENTRYPOINT), *args], env=full_env, capture_output=True, text=True, timeout=60
    )


def test_rasa_start_writes_endpoints_with_only_the_rasa_environment(tmp_path: Path) -> None:
    """The Rasa image runs the entry point's endpoint step with .venv/rasa's packages (rasa.lock) alone."""
    rasa_python = RASA_PYTHON
    if not Path(rasa_python).exists():
        pytest.skip("no .venv/rasa (make install)")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    # Rasa itself is not started: the launcher's command line and environment are printed instead.
    fake_program(
        bin_dir / "python",
        'if [ "$1 $2" = "-m rasa_components.launch" ]; then shift 2; printf "%s\\n" "$@"; '
        'echo "token: ${RASA_API_TOKEN:-}" >&2; exit 0; fi\n'
        f'exec {rasa_python} -I "$@"',
    )
    env = {
        "VAR_DIR": str(tmp_path / "var"),
        "PSEUDONYM_KEY": "k" * 20,
        "BIND_HOST": "192.0.2.7",
        "DATABASE_URL": "postgresql://assistant:pw@postgres:5432/assistant",
        "REDIS_URL": "redis://:pw@redis:6379/0",
        "ACTION_URL": "http://nginx:8082/webhook",
    }
    result = run_entrypoint(bin_dir, env, "rasa")
    assert result.returncode == 0, result.stderr
    args = result.stdout.split("\n")
    assert args[:2] == ["run", "--model"]
    assert args[args.index("--interface") + 1] == "192.0.2.7"
    assert args[args.index("--port") + 1] == "5005"
    assert "--enable-api" not in args  # Rasa's API stays off without RASA_API_TOKEN
    written = yaml.safe_load(Path(args[args.index("--endpoints") + 1]).read_text())
    assert written["action_endpoint"] == {"url": "http://nginx:8082/webhook"}
    assert written["tracker_store"]["url"] == "postgres"
    assert written["lock_store"]["url"] == "redis"
    assert written["lock_store"]["type"] == "rasa_components.lock_store.FallbackRedisLockStore"
    # With a token, Rasa's launcher gets it in its environment, never as an argument (ps shows those).
    with_token = run_entrypoint(bin_dir, {**env, "RASA_API_TOKEN": "tok-0123456789"}, "rasa")
    assert with_token.returncode == 0, with_token.stderr
    assert "tok-0123456789" not in with_token.stdout and "--auth-token" not in with_token.stdout
    assert "token: tok-0123456789" in with_token.stderr


def test_compose_redis_takes_its_password_from_a_file_not_its_command_line(deploy: Deploy, tmp_path: Path) -> None:
    """The redis service's own command, run here with the real redis-server (no container engine)."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    cli = shutil.which("redis-cli") or "/usr/bin/redis-cli"
    if not (Path(binary).exists() and Path(cli).exists()):
        pytest.skip("redis-server is not installed")
    service = deploy.services["redis"]
    assert service["entrypoint"] == ["sh", "-c"]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    script = service["command"][0].replace("$$", "$").replace("/tmp/", f"{tmp_path}/")
    script += f" --port {port} --bind 127.0.0.1 --dir {tmp_path}"
    password = "redispw0123456789abcdef"
    env = {"PATH": f"{Path(binary).parent}:/usr/bin:/bin", "REDIS_PASSWORD": password}
    process = subprocess.Popen(["sh", "-c", script], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 15
        while subprocess.run([cli, "-p", str(port), "PING"], capture_output=True).returncode != 0:
            assert process.poll() is None and time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.1)
        shown = Path(f"/proc/{process.pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        assert shown.startswith("redis-server") and password not in shown, shown  # exec'd: PID 1 in a container
        assert (tmp_path / "redis.conf").stat().st_mode & 0o077 == 0
        refused = subprocess.run([cli, "-p", str(port), "PING"], capture_output=True, text=True, env={})
        assert "NOAUTH" in refused.stdout + refused.stderr
        allowed = subprocess.run(
            [cli, "-p", str(port), "PING"], capture_output=True, text=True, env={"REDISCLI_AUTH": password}
        )
        assert allowed.stdout.strip() == "PONG"
    finally:
        process.kill()
        process.wait(timeout=15)


def test_servers_refuse_to_start_without_the_shared_key_and_follow_bind_host(tmp_path: Path) -> None:
    fake_program(tmp_path / "python", 'echo "SANIC_HOST=$SANIC_HOST $*"')
    refused = run_entrypoint(tmp_path, {}, "actions")
    assert refused.returncode == 64
    assert "PSEUDONYM_KEY" in refused.stderr
    started = run_entrypoint(tmp_path, {"PSEUDONYM_KEY": "k" * 20, "BIND_HOST": "192.0.2.7"}, "actions")
    assert started.stdout.strip() == "SANIC_HOST=192.0.2.7 -m rasa_sdk --actions actions --port 5055"


class _Status(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(405 if self.path == "/post-only" else 200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def test_health_probe_accepts_only_the_expected_status() -> None:
    spec = importlib.util.spec_from_file_location("healthcheck", ROOT / "deploy" / "healthcheck.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    server = http.server.HTTPServer(("127.0.0.1", 0), _Status)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        assert module.main([f"{base}/"]) == 0
        assert module.main([f"{base}/post-only"]) == 1
        assert module.main([f"{base}/post-only", "405"]) == 0
    finally:
        server.shutdown()
        server.server_close()
    assert module.main([f"{base}/"]) == 1  # nothing listens any more
