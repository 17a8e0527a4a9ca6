"""`.env` is read by the settings, literally (issue 20 point 5).

make's `include .env` expanded `$` and cut values at `#`, so the password hash `make
dashboard-password` prints (scrypt$16384$8$1$…) never reached the dashboard whole.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from assistant_core.settings import DOTENV_MARKER, SettingsError, apply_dotenv, load_settings, parse_dotenv

HASH = "scrypt$16384$8$1$00112233445566778899aabbccddeeff$" + "ab" * 32


@pytest.mark.parametrize(
    ("line", "value"),
    [
        (f"DASHBOARD_USERS=ani:{HASH}", f"ani:{HASH}"),
        (f"DASHBOARD_USERS=ani:{HASH};budi:{HASH}", f"ani:{HASH};budi:{HASH}"),
        ("KEY=$HOME/${USER}/$(shell id)", "$HOME/${USER}/$(shell id)"),
        ("KEY=value # a comment", "value"),
        ("KEY=value\t# a comment", "value"),
        ("KEY=pass#word", "pass#word"),
        ("KEY=#notacomment", "#notacomment"),
        ("KEY= # only a comment", ""),
        ("KEY=", ""),
        ("KEY=  spaced out  ", "spaced out"),
        ("KEY='single $quoted # kept \\n'", "single $quoted # kept \\n"),
        ("KEY='quoted' # comment after", "quoted"),
        ('KEY="a # b $c"', "a # b $c"),
        ('KEY="say \\"hi\\"\\nnext\\tcol \\\\ \\$x"', 'say "hi"\nnext\tcol \\ $x'),
        ('KEY=""', ""),
        ("export KEY=exported", "exported"),
        ("  KEY = around equals", "around equals"),
        ("KEY=a=b=c", "a=b=c"),
        ("KEY=https://example.test/path?x=1#frag", "https://example.test/path?x=1#frag"),
    ],
)
def test_a_value_is_read_literally(line: str, value: str) -> None:
    assert parse_dotenv(line + "\n") == {"KEY" if not line.startswith("DASH") else "DASHBOARD_USERS": value}


def test_blank_and_comment_lines_are_skipped_and_the_last_value_wins() -> None:
    text = "\n# a comment\n   # an indented one\n\nA=1\r\nB=2\nA=3\n\n"
    assert parse_dotenv(text) == {"A": "3", "B": "2"}


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("A=1\nnot an assignment\n", 2),
        ("A='unterminated\n", 1),
        ('A="unterminated\n', 1),
        ("A='x' junk\n", 1),
        ("1A=x\n", 1),
        ("A B=x\n", 1),
    ],
)
def test_a_malformed_line_is_named(text: str, line: int) -> None:
    with pytest.raises(SettingsError, match=f"line {line}"):
        parse_dotenv(text)


def test_the_real_environment_wins_and_empty_values_stay_unset(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text(f"DASHBOARD_USERS=ani:{HASH}\nLOG_LEVEL=DEBUG\nRASA_PORT=\nEXTRA='x y'\n")
    environ = {"LOG_LEVEL": "WARNING"}
    applied = apply_dotenv(path, environ)
    assert environ == {
        "LOG_LEVEL": "WARNING",
        "DASHBOARD_USERS": f"ani:{HASH}",
        "EXTRA": "x y",
        DOTENV_MARKER: "1",
    }
    assert applied == {"DASHBOARD_USERS": f"ani:{HASH}", "EXTRA": "x y"}


def test_a_missing_file_is_fine_and_a_child_does_not_read_again(tmp_path: Path) -> None:
    environ: dict[str, str] = {}
    assert apply_dotenv(tmp_path / ".env", environ) == {} and environ == {DOTENV_MARKER: "1"}
    # A child process inherits the marker: a variable its parent removed on purpose stays removed.
    (tmp_path / ".env").write_text("TELEGRAM_BOT_TOKEN=123:abc\n")
    child = {DOTENV_MARKER: "1", "ENV_FILE": str(tmp_path / ".env")}
    assert apply_dotenv(None, child) == {} and "TELEGRAM_BOT_TOKEN" not in child


def test_env_file_chooses_the_file_and_empty_turns_it_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "other.env").write_text("A=from-other\n")
    (tmp_path / ".env").write_text("A=from-default\n")
    monkeypatch.chdir(tmp_path)
    chosen = {"ENV_FILE": "other.env"}
    apply_dotenv(None, chosen)
    assert chosen["A"] == "from-other"
    default: dict[str, str] = {}
    apply_dotenv(None, default)
    assert default["A"] == "from-default"
    off = {"ENV_FILE": ""}
    assert apply_dotenv(None, off) == {} and "A" not in off


def test_load_settings_reads_dotenv_in_the_current_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ENV_FILE", DOTENV_MARKER, "LOG_LEVEL", "VAR_DIR", "RETENTION_DAYS"):
        monkeypatch.setenv(name, "")  # so monkeypatch restores whatever was there
        monkeypatch.delenv(name)
    monkeypatch.setenv("RETENTION_DAYS", "30")
    (tmp_path / ".env").write_text(f"LOG_LEVEL=debug\nVAR_DIR={tmp_path / 'var'}\nRETENTION_DAYS=99\n")
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.log_level == "DEBUG" and settings.var_dir == tmp_path / "var"
    assert settings.retention_days == 30  # the real environment wins
    assert os.environ[DOTENV_MARKER] == "1"


def test_tests_never_read_a_developers_dotenv() -> None:
    assert os.environ.get("ENV_FILE") == "", "tests/conftest.py must set ENV_FILE to the empty string"


def without_dotenv_decisions(**extra: str) -> dict[str, str]:
    """This environment minus what would decide for `.env` (ENV_FILE, the marker) or override it."""
    drop = {"ENV_FILE", DOTENV_MARKER, "ASSISTANT_TODAY", "VAR_DIR", "DATABASE_URL"}
    return {**{k: v for k, v in os.environ.items() if k not in drop}, **extra}


def test_the_metrics_command_takes_its_question_date_from_dotenv(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"ASSISTANT_TODAY=2027-03-31\nVAR_DIR={tmp_path / 'var'}\n")
    done = subprocess.run(
        [sys.executable, "-m", "assistant_core.analytics", "--tanpa-baca"],
        cwd=tmp_path,
        env=without_dotenv_decisions(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "Metrik 2027-03-02 s.d. 2027-03-31" in done.stdout
    assert (tmp_path / "var" / "assistant.db").exists()


def test_the_action_servers_question_date_comes_from_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from actions import services

    for name in ("ENV_FILE", DOTENV_MARKER, "ASSISTANT_TODAY"):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    (tmp_path / ".env").write_text("ASSISTANT_TODAY=2027-01-02\n")
    monkeypatch.chdir(tmp_path)
    assert services.question_date() == date(2027, 1, 2)


def test_the_supervisor_reads_dotenv_before_anything_else(tmp_path: Path) -> None:
    """`make cluster` reads the environment before its settings: a bad `.env` stops it at once."""
    (tmp_path / ".env").write_text("REDIS_URL=redis://127.0.0.1:6379/0\nthis is not a setting\n")
    done = subprocess.run(
        [sys.executable, "-m", "supervisor", "cluster", "--help"],
        cwd=tmp_path,
        env=without_dotenv_decisions(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and ".env: line 2" in done.stderr, done.stderr
