"""Typed settings read once from the environment by each entry point and passed down."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import tempfile
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class SettingsError(ValueError):
    """A setting has a value we cannot use."""


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from exc


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from exc


@dataclass(frozen=True)
class Settings:
    root: Path
    var_dir: Path
    content_dir: Path
    database_url: str
    redis_url: str | None
    bind_host: str
    rasa_port: int
    action_port: int
    rasa_url: str
    rasa_timeout: float
    rasa_api_token: str | None
    telegram_token: str | None = field(repr=False)
    telegram_api_base_url: str
    telegram_webhook_url: str | None
    telegram_webhook_secret: str | None = field(repr=False)
    webhook_port: int
    pseudonym_key: bytes = field(repr=False)
    log_level: str
    # Conversations with no activity for this many days are deleted (Rasa events and our rows).
    retention_days: int = 180
    # Monthly payment reminders go out from this day of the month until the deadline (the 15th).
    reminder_day: int = 10
    # Where Rasa calls the action server: ACTION_URL (a load balancer in front of several action
    # servers, or another host), else the local one on ACTION_PORT.
    action_url: str | None = None
    # Live rollout: each Rasa process asks our model server this often for a newer model
    # (MODEL_PULL_SECONDS; 0 turns it off and Rasa loads the model file once at start).
    model_pull_seconds: int = 10
    # The tracker store's window on long sessions, in user messages (TRACKER_WINDOW_TURNS; 0 is
    # Rasa's own reading: every event of the session replayed for every message).
    tracker_window_turns: int = 2
    # Fair service under floods: at most this many updates of one conversation are handled or wait
    # for its turn at once; more get one polite "please wait" per burst (MAX_PENDING_PER_CHAT; 0 is
    # no cap).
    max_pending_per_chat: int = 4

    @property
    def action_endpoint(self) -> str:
        return self.action_url or f"http://127.0.0.1:{self.action_port}/webhook"

    @property
    def rest_webhook(self) -> str:
        return f"{self.rasa_url.rstrip('/')}/webhooks/rest/webhook"


_KEY_FILE = re.compile(r"[0-9a-f]{64}")


def secret_file(path: Path) -> bytes:
    """A 64-hex-character secret kept in `path`, made on first use.

    Made atomically (a private temporary file, then a hard link, so two processes starting together
    agree on one key and nobody reads half a key) with mode 0600. A file that is empty, short or not
    hex stops the program: accepting it would make a guessable master key.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            with contextlib.suppress(FileExistsError):  # another process made it first: use theirs
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    text = path.read_text(encoding="ascii", errors="replace").strip()
    if not _KEY_FILE.fullmatch(text):
        raise SettingsError(
            f"{path} is not a 64-character hex key ({len(text)} characters found). Restore it from a backup, "
            "or delete it to make a new one (conversations kept under the old key can no longer be reached)"
        )
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)
    return text.encode()


def _pseudonym_key(env: Mapping[str, str], var_dir: Path) -> bytes:
    """The master key that turns Telegram ids into pseudonyms: from PSEUDONYM_KEY, else var/pseudonym.key."""
    configured = env.get("PSEUDONYM_KEY", "").strip()
    if configured:
        if len(configured) < 16:
            raise SettingsError("PSEUDONYM_KEY must be at least 16 characters")
        return configured.encode()
    return secret_file(var_dir / "pseudonym.key")


# Set once `.env` has been applied, so child processes (which inherit the result) never read it
# again: a variable a parent removed from a child's environment on purpose stays removed.
DOTENV_MARKER = "ASSISTANT_DOTENV_LOADED"
_DOTENV_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DOUBLE_QUOTED_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "$": "$"}


def _comment_or_nothing(rest: str, lineno: int) -> None:
    rest = rest.strip()
    if rest and not rest.startswith("#"):
        raise SettingsError(f"line {lineno}: unexpected {rest!r} after the closing quote")


def _dotenv_value(raw: str, lineno: int) -> str:
    """One value: 'single quotes' are literal, "double quotes" know \\n \\t \\r \\" \\\\ \\$, an unquoted
    value ends at a '#' that follows whitespace. Nothing is ever expanded: a '$' is a '$'."""
    value = raw.lstrip()
    if value.startswith("'"):
        end = value.find("'", 1)
        if end < 0:
            raise SettingsError(f"line {lineno}: the single quote is not closed")
        _comment_or_nothing(value[end + 1 :], lineno)
        return value[1:end]
    if value.startswith('"'):
        out, i = [], 1
        while i < len(value):
            char = value[i]
            if char == "\\" and i + 1 < len(value):
                nxt = value[i + 1]
                out.append(_DOUBLE_QUOTED_ESCAPES.get(nxt, "\\" + nxt))
                i += 2
                continue
            if char == '"':
                _comment_or_nothing(value[i + 1 :], lineno)
                return "".join(out)
            out.append(char)
            i += 1
        raise SettingsError(f"line {lineno}: the double quote is not closed")
    for i, char in enumerate(raw):
        if char == "#" and i > 0 and raw[i - 1] in " \t":
            raw = raw[:i]
            break
    return raw.strip()


def parse_dotenv(text: str) -> dict[str, str]:
    """KEY=VALUE lines of a `.env` file, read literally (unlike make's `include`, which expands `$`
    and cuts at `#`). Blank lines and lines starting with '#' are skipped; `export ` before a key is
    allowed; a key given twice keeps its last value. A line we cannot read stops with its number."""
    values: dict[str, str] = {}
    for lineno, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("export ") or stripped.startswith("export\t"):
            stripped = stripped[len("export") :].lstrip()
        key, equals, raw = stripped.partition("=")
        key = key.strip()
        if not equals or not _DOTENV_KEY.fullmatch(key):
            raise SettingsError(f"line {lineno}: expected NAME=value, got {line.strip()!r}")
        values[key] = _dotenv_value(raw, lineno)
    return values


def apply_dotenv(path: Path | None = None, environ: MutableMapping[str, str] | None = None) -> dict[str, str]:
    """Fill `environ` (os.environ) from a `.env` file, only for variables not already set: the real
    environment wins. The file is ENV_FILE if that is set (empty: none), else `.env` in the current
    directory, the one `make` runs in. A missing file is fine; empty values are skipped (every
    setting treats empty as unset). Read once per process tree (DOTENV_MARKER). Returns what was set."""
    environ = os.environ if environ is None else environ
    if path is None:
        if environ.get(DOTENV_MARKER):
            return {}
        chosen = environ.get("ENV_FILE")
        path = Path(chosen) if chosen else None if chosen == "" else Path(".env")
    applied: dict[str, str] = {}
    if path is not None and path.is_file():
        try:
            values = parse_dotenv(path.read_text(encoding="utf-8"))
        except SettingsError as exc:
            raise SettingsError(f"{path}: {exc}") from None
        applied = {k: v for k, v in values.items() if v and k not in environ}
        environ.update(applied)
    environ[DOTENV_MARKER] = "1"
    return applied


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Settings from `env`, or from the process environment completed by `.env` (apply_dotenv)."""
    if env is None:
        apply_dotenv()
        env = os.environ
    root = Path(env.get("ASSISTANT_ROOT", str(ROOT)))
    var_dir = Path(env.get("VAR_DIR", str(root / "var")))
    if not var_dir.is_absolute():
        var_dir = root / var_dir
    rasa_port = _int(env, "RASA_PORT", 5005)
    return Settings(
        root=root,
        var_dir=var_dir,
        content_dir=Path(env.get("CONTENT_DIR", str(root / "content"))),
        database_url=env.get("DATABASE_URL", "").strip() or f"sqlite:///{var_dir / 'assistant.db'}",
        redis_url=env.get("REDIS_URL", "").strip() or None,
        bind_host=env.get("BIND_HOST", "").strip() or "127.0.0.1",
        rasa_port=rasa_port,
        action_port=_int(env, "ACTION_PORT", 5055),
        rasa_url=env.get("RASA_URL", "").strip() or f"http://127.0.0.1:{rasa_port}",
        rasa_timeout=_float(env, "RASA_TIMEOUT", 8.0),
        rasa_api_token=env.get("RASA_API_TOKEN", "").strip() or None,
        telegram_token=env.get("TELEGRAM_BOT_TOKEN", "").strip() or None,
        telegram_api_base_url=env.get("TELEGRAM_API_BASE_URL", "").strip() or "https://api.telegram.org/bot",
        telegram_webhook_url=env.get("TELEGRAM_WEBHOOK_URL", "").strip() or None,
        telegram_webhook_secret=env.get("TELEGRAM_WEBHOOK_SECRET", "").strip() or None,
        webhook_port=_int(env, "WEBHOOK_PORT", 8443),
        pseudonym_key=_pseudonym_key(env, var_dir),
        log_level=env.get("LOG_LEVEL", "INFO").upper(),
        retention_days=_retention_days(env),
        reminder_day=_reminder_day(env),
        action_url=env.get("ACTION_URL", "").strip() or None,
        model_pull_seconds=_off_or_more(env, "MODEL_PULL_SECONDS", 10),
        tracker_window_turns=_off_or_more(env, "TRACKER_WINDOW_TURNS", 2),
        max_pending_per_chat=_off_or_more(env, "MAX_PENDING_PER_CHAT", 4),
    )


def _off_or_more(env: Mapping[str, str], name: str, default: int) -> int:
    """A whole number where 0 turns the feature off."""
    value = _int(env, name, default)
    if value < 0:
        raise SettingsError(f"{name} must be 0 (off) or more, got {value}")
    return value


def _reminder_day(env: Mapping[str, str]) -> int:
    day = _int(env, "REMINDER_DAY", 10)
    if not 1 <= day <= 14:
        raise SettingsError(f"REMINDER_DAY must be between 1 and 14 (before the 15th deadline), got {day}")
    return day


def _retention_days(env: Mapping[str, str]) -> int:
    days = _int(env, "RETENTION_DAYS", 180)
    if days < 1:
        raise SettingsError(f"RETENTION_DAYS must be at least 1, got {days}")
    return days
