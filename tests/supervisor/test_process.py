"""The supervisor: health waits fail early, stops escalate to SIGKILL, a process group dies together."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from supervisor.process import Supervisor, SupervisorError, wait_http

IGNORES_SIGTERM = (
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True); time.sleep(60)"
)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_child_that_ignores_sigterm_is_killed_after_the_timeout(tmp_path: Path) -> None:
    supervisor = Supervisor(tmp_path, tmp_path, stop_timeout=0.5)
    process = supervisor.spawn("stubborn", [sys.executable, "-c", IGNORES_SIGTERM], os.environ)
    time.sleep(0.3)
    started = time.monotonic()
    supervisor.stop_all()
    assert process.returncode == -9
    assert time.monotonic() - started < 5
    assert "up" in (tmp_path / "stubborn.log").read_text()


def test_stopping_a_child_stops_its_own_children(tmp_path: Path) -> None:
    grandchild = tmp_path / "grandchild.pid"
    script = (
        "import subprocess, sys, time; "
        f"p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
        f"open({str(grandchild)!r}, 'w').write(str(p.pid)); time.sleep(60)"
    )
    supervisor = Supervisor(tmp_path, tmp_path)
    supervisor.spawn("parent", [sys.executable, "-c", script], os.environ)
    deadline = time.monotonic() + 10
    while not grandchild.exists() or not grandchild.read_text():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    supervisor.stop("parent")
    pid = int(grandchild.read_text())
    deadline = time.monotonic() + 5
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pid)
    assert supervisor.processes == []
    supervisor.stop_all()  # closes the logs


def test_waiting_for_health_fails_as_soon_as_the_process_dies(tmp_path: Path) -> None:
    supervisor = Supervisor(tmp_path, tmp_path)
    started = time.monotonic()
    with pytest.raises(SupervisorError, match="exited with code 3"):
        supervisor.start("dies", [sys.executable, "-c", "raise SystemExit(3)"], os.environ, "http://127.0.0.1:9/", 30)
    assert time.monotonic() - started < 10
    with pytest.raises(SupervisorError, match="exited with code 3"):
        supervisor.check_alive()
    supervisor.stop_all()


def test_a_failed_command_names_its_log(tmp_path: Path) -> None:
    supervisor = Supervisor(tmp_path, tmp_path, fresh_logs=True)
    assert supervisor.run("ok", [sys.executable, "-c", "print('fine')"], os.environ) >= 0
    with pytest.raises(SupervisorError, match=r"fails\.log"):
        supervisor.run("fails", [sys.executable, "-c", "raise SystemExit(1)"], os.environ)


def test_wait_http_gives_up_after_the_timeout() -> None:
    with pytest.raises(SupervisorError, match="did not answer"):
        wait_http("http://127.0.0.1:9/", 0.5)
