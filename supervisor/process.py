"""The one process supervisor: children in their own process groups with a log file each, started
until a health URL answers, stopped newest first with SIGTERM and then SIGKILL after a timeout.

`make run`, `make serve`, `make cluster`, `make bench` and the end-to-end tests all start their
servers through it, so a server is started, watched and stopped the same way everywhere.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO

Process = subprocess.Popen[bytes]


class SupervisorError(RuntimeError):
    """A server did not start, stopped unexpectedly, or a command failed."""


def venv_bin(root: Path, env_name: str, program: str) -> str:
    return str(root / ".venv" / env_name / "bin" / program)


def wait_http(url: str, timeout: float, process: Process | None = None) -> float:
    """Wait until `url` answers 200; returns seconds waited. Fails early if the process died."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process is not None and process.poll() is not None:
            raise SupervisorError(f"process for {url} exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback URL we built)
                if response.status == 200:
                    return time.monotonic() - started
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    raise SupervisorError(f"{url} did not answer within {timeout:.0f}s")


def _terminate(process: Process, sig: int) -> None:
    """Signal the child's whole process group (a server's workers die with it)."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):  # it exited between poll() and killpg()
            os.killpg(process.pid, sig)


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt  # unwinds through run_until_stopped's `finally`, which stops every child


_PR_SET_PDEATHSIG = 1  # linux/prctl.h
try:
    _PRCTL: Callable[..., int] | None = ctypes.CDLL(None, use_errno=True).prctl if sys.platform == "linux" else None
except (OSError, AttributeError):
    _PRCTL = None


def _die_with_parent() -> None:
    """In the child, before exec: the kernel sends it SIGTERM when the launcher dies, even by SIGKILL.

    Without it, a launcher killed outright (OOM killer, `kill -9`, a crashed terminal) leaves Rasa and
    the action server holding their ports, and the next `make run` fails with "address already in use".
    The kernel sends it when the *thread* that spawned the child ends, so spawn from the main thread
    (every caller does). Linux only; elsewhere this does nothing and `stop_all` remains the only way
    down. libc is loaded in the parent: between fork and exec the child makes this one system call."""
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGTERM)


def run_until_stopped(body: Callable[[], int], stop: Callable[[], None]) -> int:
    """A launcher's main loop: run `body` until it returns, Ctrl-C or SIGTERM, then stop what it started."""
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return body()
    except KeyboardInterrupt:
        return 0
    except SupervisorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        # A second Ctrl-C or SIGTERM (make and the launcher both get one from a group signal) must not
        # interrupt the shutdown, or the servers outlive us. stop() is bounded by its own timeouts.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("Stopping…", file=sys.stderr)
        stop()


class Supervisor:
    """Named child processes, each in its own session, logging to `<log_dir>/<name>.log`.

    `fresh_logs` truncates each log when its process starts (a benchmark run); otherwise logs
    grow across runs, as an operator expects of `make run`."""

    def __init__(self, log_dir: Path, cwd: Path, stop_timeout: float = 15, fresh_logs: bool = False) -> None:
        self.log_dir = log_dir
        self.cwd = cwd
        self.stop_timeout = stop_timeout
        self._mode = "wb" if fresh_logs else "ab"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.processes: list[tuple[str, Process]] = []
        self._logs: list[IO[bytes]] = []

    def log_path(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    def spawn(self, name: str, args: list[str], env: Mapping[str, str], cwd: Path | None = None) -> Process:
        log = self.log_path(name).open(self._mode)
        self._logs.append(log)
        process = subprocess.Popen(
            args,
            cwd=cwd or self.cwd,
            env=dict(env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        self.processes.append((name, process))
        return process

    def start(
        self,
        name: str,
        args: list[str],
        env: Mapping[str, str],
        health_url: str,
        timeout: float,
        cwd: Path | None = None,
    ) -> float:
        """Spawn and wait until `health_url` answers 200; returns the seconds waited."""
        return wait_http(health_url, timeout, self.spawn(name, args, env, cwd))

    def run(self, name: str, args: list[str], env: Mapping[str, str], cwd: Path | None = None) -> float:
        """Run a command to its end with its log file (a training); returns its duration in seconds."""
        started = time.monotonic()
        with self.log_path(name).open(self._mode) as log:
            result = subprocess.run(args, cwd=cwd or self.cwd, env=dict(env), stdout=log, stderr=subprocess.STDOUT)
        if result.returncode != 0:
            raise SupervisorError(f"{name} failed with code {result.returncode}; see {self.log_path(name)}")
        return time.monotonic() - started

    def foreground(self, args: list[str], env: Mapping[str, str], poll: float = 0.5) -> int:
        """Run a child on this terminal (the local chat) while watching the others; its exit code.

        It shares our process group, so Ctrl-C reaches it directly; if we leave for any other
        reason (a server died, SIGTERM), it is stopped like the rest."""
        process = subprocess.Popen(args, cwd=self.cwd, env=dict(env))
        try:
            while process.poll() is None:
                self.check_alive()
                time.sleep(poll)
            return process.returncode
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=self.stop_timeout)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()

    def watch(self, poll: float = 1) -> None:
        """Block until a child exits (raises) or we are interrupted."""
        while True:
            self.check_alive()
            time.sleep(poll)

    def pid(self, name: str) -> int:
        return self._find(name).pid

    def _find(self, name: str) -> Process:
        for entry_name, process in reversed(self.processes):
            if entry_name == name:
                return process
        raise KeyError(name)

    def check_alive(self) -> None:
        for name, process in self.processes:
            if process.poll() is not None:
                raise SupervisorError(f"{name} exited with code {process.returncode}; see {self.log_path(name)}")

    def stop(self, name: str, sig: int = signal.SIGTERM) -> None:
        """Stop one child (SIGKILL kills it mid-work, for fault tests); the others keep running."""
        for entry in [e for e in self.processes if e[0] == name]:
            self._stop([entry[1]], sig)
            self.processes.remove(entry)

    def stop_all(self) -> None:
        """Newest first (the front ends before what they call), then close the logs."""
        self._stop([process for _, process in reversed(self.processes)], signal.SIGTERM)
        self.processes.clear()
        for log in self._logs:
            log.close()
        self._logs.clear()

    def _stop(self, processes: list[Process], sig: int) -> None:
        for process in processes:
            _terminate(process, sig)
        # One deadline for all: they shut down side by side.
        deadline = time.monotonic() + self.stop_timeout
        for process in processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _terminate(process, signal.SIGKILL)
                process.wait()
