"""Starts and stops the local stack (action server, Rasa server, bot) for make run/serve and tests."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import IO

from assistant_core.endpoints import write_endpoints
from assistant_core.model_server import ModelServer
from assistant_core.settings import Settings, load_settings

MODEL_NAME = "assistant.tar.gz"


def rasa_health_url(port: int) -> str:
    """Our REST channel's health route: 200 once the model is loaded and the channel is up."""
    return f"http://127.0.0.1:{port}/webhooks/rest/"


class StackError(RuntimeError):
    """A server did not start or stopped unexpectedly."""


def venv_bin(root: Path, env_name: str, program: str) -> str:
    return str(root / ".venv" / env_name / "bin" / program)


def wait_http(url: str, timeout: float, process: subprocess.Popen[bytes] | None = None) -> float:
    """Wait until `url` answers 200; returns seconds waited. Fails early if the process died."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process is not None and process.poll() is not None:
            raise StackError(f"process for {url} exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback URL we built)
                if response.status == 200:
                    return time.monotonic() - started
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    raise StackError(f"{url} did not answer within {timeout:.0f}s")


class Stack:
    """The action server and the Rasa server as child processes, logs under var/logs/."""

    def __init__(
        self, settings: Settings, extra_env: Mapping[str, str] | None = None, model: Path | None = None
    ) -> None:
        self.settings = settings
        self._model = model
        self.root = settings.root
        self.env = {**os.environ, **(extra_env or {})}
        self.processes: list[tuple[str, subprocess.Popen[bytes]]] = []
        self.log_dir = settings.var_dir / "logs"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self._logs: list[IO[bytes]] = []
        self.model_server: ModelServer | None = None

    def _spawn(self, name: str, args: list[str], env: Mapping[str, str]) -> subprocess.Popen[bytes]:
        log = (self.log_dir / f"{name}.log").open("ab")
        self._logs.append(log)
        process = subprocess.Popen(
            args, cwd=self.root, env=dict(env), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes.append((name, process))
        return process

    def model_path(self) -> Path:
        return self._model or self.settings.root / "var" / "models" / MODEL_NAME

    def spawn_actions(self, port: int | None = None, name: str = "actions") -> subprocess.Popen[bytes]:
        env = {**self.env, "SANIC_HOST": self.settings.bind_host}
        args = [venv_bin(self.root, "app", "python"), "-m", "rasa_sdk", "--actions", "actions"]
        return self._spawn(name, [*args, "--port", str(port or self.settings.action_port)], env)

    def start_actions(self, timeout: float = 60, port: int | None = None, name: str = "actions") -> float:
        process = self.spawn_actions(port, name)
        return wait_http(f"http://127.0.0.1:{port or self.settings.action_port}/health", timeout, process)

    def start_model_server(self) -> ModelServer | None:
        """Serve the model file to our Rasa processes (live rollout); None when it is turned off."""
        if self.model_server is None and self.settings.model_pull_seconds:
            self.model_server = ModelServer(self.model_path()).start()
        return self.model_server

    def spawn_rasa(self, port: int | None = None, name: str = "rasa") -> subprocess.Popen[bytes]:
        model = self.model_path()
        if not model.exists():
            raise StackError(f"no trained model at {model}: run `make train`")
        # Every Rasa process pulls its model from the model server, so `make train` (which
        # publishes atomically) puts a new model live on all of them within MODEL_PULL_SECONDS.
        # --model stays on the command line for reading, but Rasa loads from the server.
        server = self.start_model_server()
        endpoints = write_endpoints(self.settings, model_url=server.url if server else None)
        args = [
            venv_bin(self.root, "rasa", "rasa"),
            "run",
            "--model",
            str(model),
            "--endpoints",
            str(endpoints),
            "--credentials",
            str(self.root / "credentials.yml"),
            "--interface",
            self.settings.bind_host,
            "--port",
            str(port or self.settings.rasa_port),
        ]
        if self.settings.rasa_api_token:
            # The HTTP API exposes every conversation, so it only runs behind a token.
            args += ["--enable-api", "--auth-token", self.settings.rasa_api_token]
        env = {**self.env, "TF_CPP_MIN_LOG_LEVEL": "2", "RASA_TELEMETRY_ENABLED": "false"}
        return self._spawn(name, args, env)

    def start_rasa(self, timeout: float = 300, port: int | None = None, name: str = "rasa") -> float:
        process = self.spawn_rasa(port, name)
        return wait_http(rasa_health_url(port or self.settings.rasa_port), timeout, process)

    def start_bot(self, extra_env: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
        return self._spawn(
            "bot", [venv_bin(self.root, "app", "python"), "-m", "bot"], {**self.env, **(extra_env or {})}
        )

    def check_alive(self) -> None:
        for name, process in self.processes:
            if process.poll() is not None:
                raise StackError(f"{name} exited with code {process.returncode}; see {self.log_dir / name}.log")

    def stop_one(self, name: str, sig: int = signal.SIGTERM) -> None:
        """Stop one server (for restart and fault tests: SIGKILL kills it mid-work); the others keep running."""
        for entry in list(self.processes):
            if entry[0] == name:
                os.killpg(entry[1].pid, sig)
                entry[1].wait(timeout=30)
                self.processes.remove(entry)

    def stop(self) -> None:
        for _, process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for _, process in reversed(self.processes):
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()
        for log in self._logs:
            log.close()
        self._logs.clear()
        if self.model_server is not None:
            self.model_server.stop()
            self.model_server = None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant_core.stack")
    parser.add_argument("mode", choices=["serve", "run"], help="serve: Rasa + actions; run: also the bot")
    args = parser.parse_args(argv)
    settings = load_settings()
    stack = Stack(settings)

    def on_signal(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    try:
        print("Starting the action server…", file=sys.stderr)
        stack.start_actions()
        print("Starting the Rasa server (loading the model takes a little while)…", file=sys.stderr)
        seconds = stack.start_rasa()
        print(f"Rasa is ready after {seconds:.1f}s: {settings.rest_webhook}  (logs: {stack.log_dir})", file=sys.stderr)
        if args.mode == "serve":
            print("Press Ctrl-C to stop.", file=sys.stderr)
            while True:
                stack.check_alive()
                time.sleep(1)
        # run: the bot in the foreground, so the local chat owns this terminal.
        bot = subprocess.Popen([venv_bin(settings.root, "app", "python"), "-m", "bot"], cwd=settings.root)
        while bot.poll() is None:
            stack.check_alive()
            time.sleep(0.5)
        return bot.returncode or 0
    except KeyboardInterrupt:
        return 0
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        print("Stopping…", file=sys.stderr)
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
