"""Running a test script in the Rasa environment (.venv/rasa), where our Rasa-side components live."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from assistant_core.settings import ROOT
from supervisor.process import venv_bin

RASA_PYTHON = venv_bin(ROOT, "rasa", "python")
# pg_ctl is called through runuser (in /usr/sbin) as root; Rasa must not phone home.
RASA_ENV = {"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
needs_rasa = pytest.mark.skipif(
    not (ROOT / ".venv" / "rasa" / "bin" / "python").exists(),
    reason="the Rasa environment is not installed (make install)",
)


def start(script: str, *args: str) -> subprocess.Popen[str]:
    """The script running in the Rasa environment; it prints its outcome as `RESULT <json>`."""
    return subprocess.Popen(
        [RASA_PYTHON, "-c", script, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=RASA_ENV,
    )


def result(process: subprocess.Popen[str], timeout: float) -> Any:
    """The script's `RESULT` line, parsed; fails with the end of its stderr if it printed none."""
    stdout, stderr = process.communicate(timeout=timeout)
    lines = [line for line in stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, stderr[-3000:]
    return json.loads(lines[-1][len("RESULT ") :])
