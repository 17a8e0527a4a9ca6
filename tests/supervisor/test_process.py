"""The supervisor: health waits fail early, stops escalate to SIGKILL, a process group dies together."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
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


# A launcher like `python -m supervisor serve`: two servers under one Supervisor, run_until_stopped.
LAUNCHER = """
import os, sys
from pathlib import Path
from supervisor.process import Supervisor, run_until_stopped

folder, server, ports = Path(sys.argv[1]), sys.argv[2], [int(p) for p in sys.argv[3:]]
supervisor = Supervisor(folder, folder, stop_timeout=2)

def body():
    for port in ports:
        supervisor.start(f"s{port}", [sys.executable, "-c", server, str(port)], os.environ,
                         f"http://127.0.0.1:{port}/", timeout=20)
    print("up", flush=True)
    supervisor.watch(0.2)
    return 0

sys.exit(run_until_stopped(body, supervisor.stop_all))
"""
SERVER = """
import http.server, sys
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), http.server.SimpleHTTPRequestHandler).serve_forever()
"""
STUBBORN_SERVER = "import signal; signal.signal(signal.SIGTERM, signal.SIG_IGN)" + SERVER


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("127.0.0.1", 0))
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def launch(tmp_path: Path, server: str, ports: list[int]) -> subprocess.Popen[str]:
    launcher = subprocess.Popen(
        [sys.executable, "-c", LAUNCHER, str(tmp_path), server, *map(str, ports)],
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own group, as `make serve` has: a group signal reaches only it
    )
    assert launcher.stdout is not None
    assert launcher.stdout.readline().strip() == "up"
    return launcher


def wait_until(check: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


def test_a_second_sigterm_during_shutdown_still_stops_every_server(tmp_path: Path) -> None:
    """Issue 20 point 13: systemd or a container runtime signals the group twice; nothing may survive.

    The servers ignore SIGTERM, so the shutdown is still waiting to SIGKILL them when the second
    signal arrives; before, that signal raised inside `finally` and the servers kept their ports."""
    ports = free_ports(2)
    launcher = launch(tmp_path, STUBBORN_SERVER, ports)
    os.killpg(launcher.pid, signal.SIGTERM)
    time.sleep(0.5)
    os.killpg(launcher.pid, signal.SIGTERM)
    os.killpg(launcher.pid, signal.SIGINT)
    launcher.communicate(timeout=15)
    assert wait_until(lambda: all(port_is_free(p) for p in ports), 5), "a server outlived its launcher"


def test_servers_do_not_outlive_a_launcher_killed_outright(tmp_path: Path) -> None:
    ports = free_ports(2)
    launcher = launch(tmp_path, SERVER, ports)
    os.killpg(launcher.pid, signal.SIGKILL)
    launcher.communicate(timeout=5)
    assert wait_until(lambda: all(port_is_free(p) for p in ports), 10), "a server outlived its launcher"
