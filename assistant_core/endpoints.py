"""Writes the endpoints file Rasa reads, from our settings (Rasa fails on unset ${VAR}s)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from assistant_core.settings import Settings, load_settings

# Our subclasses of Rasa's stores (rasa_components/): connections checked, failures loud, and a
# defined fallback when Redis is down. Rasa loads them by module path.
TRACKER_STORE_TYPE = "rasa_components.tracker_store.CheckedSQLTrackerStore"
LOCK_STORE_TYPE = "rasa_components.lock_store.FallbackRedisLockStore"


def tracker_store_config(database_url: str) -> dict[str, Any]:
    parts = urlsplit(database_url)
    scheme = parts.scheme.split("+")[0]
    if scheme == "sqlite":
        path = unquote(parts.path)
        # sqlite:////abs/path -> "//abs/path"; sqlite:///rel/path -> "/rel/path"
        db = path[1:] if path.startswith("//") else path.lstrip("/")
        return {"type": TRACKER_STORE_TYPE, "dialect": "sqlite", "db": db}
    if scheme in {"postgresql", "postgres"}:
        db = parts.path.lstrip("/") or "postgres"
        config: dict[str, Any] = {
            "type": TRACKER_STORE_TYPE,
            "dialect": "postgresql",
            "url": parts.hostname or "127.0.0.1",
            "port": parts.port or 5432,
            "db": db,
        }
        if parts.username:
            config["username"] = unquote(parts.username)
        if parts.password:
            config["password"] = unquote(parts.password)
        return config
    raise ValueError(f"DATABASE_URL scheme {parts.scheme!r} is not supported (use sqlite or postgresql)")


def lock_store_config(redis_url: str | None) -> dict[str, Any]:
    if not redis_url:
        return {"type": "in_memory"}
    parts = urlsplit(redis_url)
    config: dict[str, Any] = {
        "type": LOCK_STORE_TYPE,
        "url": parts.hostname or "127.0.0.1",
        "port": parts.port or 6379,
        "db": int(parts.path.lstrip("/") or 1),
        "key_prefix": "umkm",
    }
    if parts.password:
        config["password"] = unquote(parts.password)
    return config


def endpoints(settings: Settings, model_url: str | None = None) -> dict[str, Any]:
    config: dict[str, Any] = {
        "action_endpoint": {"url": settings.action_endpoint},
        "tracker_store": {
            **tracker_store_config(settings.database_url),
            "window_turns": settings.tracker_window_turns,
        },
        "lock_store": lock_store_config(settings.redis_url),
    }
    if model_url and settings.model_pull_seconds:
        # Rasa pulls the model from our model server (supervisor/model_server.py) at start
        # and then every `wait_time_between_pulls` seconds, sending the ETag it runs.
        config["models"] = {"url": model_url, "wait_time_between_pulls": settings.model_pull_seconds}
    return config


def write_endpoints(settings: Settings, target: Path | None = None, model_url: str | None = None) -> Path:
    """Write var/endpoints.yml (JSON is valid YAML); private, since it may hold a password."""
    target = target or settings.var_dir / "endpoints.yml"
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(endpoints(settings, model_url), handle, indent=2)
        handle.write("\n")
    return target


if __name__ == "__main__":
    print(write_endpoints(load_settings()), file=sys.stderr)
