"""The endpoints file Rasa reads is generated from our settings."""

from __future__ import annotations

from pathlib import Path

from assistant_core.endpoints import (
    LOCK_STORE_TYPE,
    TRACKER_STORE_TYPE,
    endpoints,
    lock_store_config,
    tracker_store_config,
)
from assistant_core.settings import load_settings


def test_sqlite_default(tmp_path: Path) -> None:
    settings = load_settings({"VAR_DIR": str(tmp_path), "PSEUDONYM_KEY": "k" * 20})
    config = endpoints(settings)
    assert config["tracker_store"] == {
        "type": TRACKER_STORE_TYPE,
        "dialect": "sqlite",
        "db": str(tmp_path / "assistant.db"),
        "window_turns": 2,
    }
    assert config["lock_store"] == {"type": "in_memory"}
    assert config["action_endpoint"]["url"] == "http://127.0.0.1:5055/webhook"


def test_postgres_and_redis() -> None:
    assert tracker_store_config("postgresql://bot:s3cr%40t@db.internal:5433/assistant") == {
        "type": TRACKER_STORE_TYPE,
        "dialect": "postgresql",
        "url": "db.internal",
        "port": 5433,
        "db": "assistant",
        "username": "bot",
        "password": "s3cr@t",
    }
    assert lock_store_config("redis://:pw@127.0.0.1:6380/2") == {
        "type": LOCK_STORE_TYPE,
        "url": "127.0.0.1",
        "port": 6380,
        "db": 2,
        "key_prefix": "umkm",
        "password": "pw",
    }


def test_pseudonym_key_is_created_once(tmp_path: Path) -> None:
    first = load_settings({"VAR_DIR": str(tmp_path)}).pseudonym_key
    second = load_settings({"VAR_DIR": str(tmp_path)}).pseudonym_key
    assert first == second and len(first) >= 32
    assert (tmp_path / "pseudonym.key").stat().st_mode & 0o077 == 0


def test_models_entry_only_with_a_model_server_and_pulls_on(tmp_path: Path) -> None:
    url = "http://127.0.0.1:4000/models/assistant.tar.gz"
    settings = load_settings({"VAR_DIR": str(tmp_path), "PSEUDONYM_KEY": "k" * 20})
    assert "models" not in endpoints(settings)
    assert endpoints(settings, url)["models"] == {"url": url, "wait_time_between_pulls": 10}
    off = load_settings({"VAR_DIR": str(tmp_path), "PSEUDONYM_KEY": "k" * 20, "MODEL_PULL_SECONDS": "0"})
    assert "models" not in endpoints(off, url)
