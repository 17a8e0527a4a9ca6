"""`make run` without a Telegram token: the local chat, through the real Rasa and action servers."""

from __future__ import annotations

import os
import subprocess

import pytest

from assistant_core.settings import ROOT
from supervisor.stack import Stack

pytestmark = pytest.mark.e2e


def test_local_chat_shows_numbered_buttons_and_follows_a_choice(stack: Stack, e2e_env: dict[str, str]) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"} | e2e_env
    result = subprocess.run(
        [str(ROOT / ".venv/app/bin/python"), "-m", "bot"],
        input="5\niuran jkm brp\nkeluar\n",
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "bukan kanal resmi" in out  # greeting, as plain text (no HTML tags)
    assert "<b>" not in out
    assert "[1] Hitung iuran" in out and "[5] Iuran karyawan" in out
    assert "(Anda memilih: Iuran karyawan)" in out
    assert "0,3%" in out  # JKM answer
    assert "Sumber:" in out
