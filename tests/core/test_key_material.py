"""The master key file is checked, made atomically and privately; the dashboard has its own secret
(issue 20 point 1)."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from assistant_core.settings import Settings, SettingsError, load_settings, secret_file
from dashboard.app import DashboardConfig


def settings_in(tmp_path: Path) -> Settings:
    return load_settings({"VAR_DIR": str(tmp_path), "ASSISTANT_ROOT": str(Path(__file__).resolve().parents[2])})


@pytest.mark.parametrize("content", ["", "\n", "abc123", "g" * 64, "0" * 63, "0" * 65, "zz" + "0" * 62])
def test_an_empty_short_or_non_hex_key_file_stops_with_a_clear_error(tmp_path: Path, content: str) -> None:
    (tmp_path / "pseudonym.key").write_text(content)
    with pytest.raises(SettingsError, match="64-character hex key"):
        settings_in(tmp_path)


def test_a_new_key_file_is_64_hex_characters_and_private(tmp_path: Path) -> None:
    key = settings_in(tmp_path).pseudonym_key
    path = tmp_path / "pseudonym.key"
    assert len(key) == 64 and int(key, 16) >= 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".pseudonym.key.")]  # no temporary left


def test_processes_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    path = tmp_path / "k.key"
    found: list[bytes] = []
    threads = [threading.Thread(target=lambda: found.append(secret_file(path))) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(found)) == 1 and len(found) == 16


def test_a_readable_key_file_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "pseudonym.key"
    path.write_text("a" * 64)
    os.chmod(path, 0o644)
    settings_in(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_dashboard_secret_is_its_own(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    config = DashboardConfig.from_env(settings, {"DASHBOARD_USERS": ""})
    secret = config.cookie_secret
    assert secret == (tmp_path / "dashboard.key").read_text().strip()
    assert secret.encode() != settings.pseudonym_key
    assert (
        DashboardConfig.from_env(settings, {"DASHBOARD_USERS": "", "DASHBOARD_SECRET": "s" * 40}).cookie_secret
        == "s" * 40
    )
