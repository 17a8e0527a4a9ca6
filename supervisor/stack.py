"""The local stack (action server, Rasa server, bot) under the supervisor, for make run/serve and tests."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Mapping
from pathlib import Path

from assistant_core.endpoints import write_endpoints
from assistant_core.settings import Settings, load_settings
from supervisor.model_server import ModelServer
from supervisor.process import Process, Supervisor, SupervisorError, run_until_stopped, venv_bin, wait_http

MODEL_NAME = "assistant.tar.gz"
# Rasa and the bot read LOG_LEVEL; rasa_sdk ignores it and takes only these flags (INFO without).
SDK_LEVEL_FLAGS = {"DEBUG": ["--debug"], "WARNING": ["--quiet"], "ERROR": ["--quiet"], "CRITICAL": ["--quiet"]}
TOKEN_VARIABLE = "RASA_API_TOKEN"  # noqa: S105 (read by rasa_components/launch.py; a name, not a secret)


def rasa_health_url(port: int) -> str:
    """Our REST channel's health route: 200 once the model is loaded and the channel is up."""
    return f"http://127.0.0.1:{port}/webhooks/rest/"


class Stack:
    """The action server and the Rasa server as child processes, logs under var/logs/."""

    def __init__(
        self, settings: Settings, extra_env: Mapping[str, str] | None = None, model: Path | None = None
    ) -> None:
        self.settings = settings
        self._model = model
        self.root = settings.root
        self.env = {**os.environ, **(extra_env or {})}
        self.log_dir = settings.var_dir / "logs"
        self.supervisor = Supervisor(self.log_dir, self.root)
        self.model_server: ModelServer | None = None

    def model_path(self) -> Path:
        return self._model or self.settings.root / "var" / "models" / MODEL_NAME

    def spawn_actions(self, port: int | None = None, name: str = "actions") -> Process:
        env = {**self.env, "SANIC_HOST": self.settings.bind_host}
        args = [venv_bin(self.root, "app", "python"), "-m", "rasa_sdk", "--actions", "actions"]
        args += SDK_LEVEL_FLAGS.get(self.env.get("LOG_LEVEL", self.settings.log_level).upper(), [])
        return self.supervisor.spawn(name, [*args, "--port", str(port or self.settings.action_port)], env)

    def start_actions(self, timeout: float = 60, port: int | None = None, name: str = "actions") -> float:
        process = self.spawn_actions(port, name)
        return wait_http(f"http://127.0.0.1:{port or self.settings.action_port}/health", timeout, process)

    def start_model_server(self) -> ModelServer | None:
        """Serve the model file to our Rasa processes (live rollout); None when it is turned off."""
        if self.model_server is None and self.settings.model_pull_seconds:
            self.model_server = ModelServer(self.model_path()).start()
        return self.model_server

    def spawn_rasa(self, port: int | None = None, name: str = "rasa") -> Process:
        model = self.model_path()
        if not model.exists():
            raise SupervisorError(f"no trained model at {model}: run `make train`")
        # Every Rasa process pulls its model from the model server, so `make train` (which
        # publishes atomically) puts a new model live on all of them within MODEL_PULL_SECONDS.
        # --model stays on the command line for reading, but Rasa loads from the server.
        server = self.start_model_server()
        endpoints = write_endpoints(self.settings, model_url=server.url if server else None)
        # Through our launcher, not the `rasa` script: it hands Rasa the API token from the
        # environment, since every local user can read a command line (ps, /proc/<pid>/cmdline).
        args = [
            venv_bin(self.root, "rasa", "python"),
            "-m",
            "rasa_components.launch",
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
        env = {**self.env, "TF_CPP_MIN_LOG_LEVEL": "2", "RASA_TELEMETRY_ENABLED": "false"}
        # The HTTP API exposes every conversation, so it only runs behind a token: with one, the
        # launcher turns the API on (rasa_components/launch.py); without one, it stays off.
        env.pop(TOKEN_VARIABLE, None)
        if self.settings.rasa_api_token:
            env[TOKEN_VARIABLE] = self.settings.rasa_api_token
        return self.supervisor.spawn(name, args, env)

    def start_rasa(self, timeout: float = 300, port: int | None = None, name: str = "rasa") -> float:
        process = self.spawn_rasa(port, name)
        return wait_http(rasa_health_url(port or self.settings.rasa_port), timeout, process)

    def bot_args(self) -> list[str]:
        return [venv_bin(self.root, "app", "python"), "-m", "bot"]

    def start_bot(self, extra_env: Mapping[str, str] | None = None) -> Process:
        return self.supervisor.spawn("bot", self.bot_args(), {**self.env, **(extra_env or {})})

    def check_alive(self) -> None:
        self.supervisor.check_alive()

    def stop_one(self, name: str, sig: int = signal.SIGTERM) -> None:
        """Stop one server (for restart and fault tests: SIGKILL kills it mid-work); the others keep running."""
        self.supervisor.stop(name, sig)

    def stop(self) -> None:
        self.supervisor.stop_all()
        if self.model_server is not None:
            self.model_server.stop()
            self.model_server = None


def main(mode: str) -> int:
    """serve: Rasa + actions; run: also the bot, in the foreground (the local chat owns this terminal)."""
    settings = load_settings()
    stack = Stack(settings)

    def body() -> int:
        print("Starting the action server…", file=sys.stderr)
        stack.start_actions()
        print("Starting the Rasa server (loading the model takes a little while)…", file=sys.stderr)
        seconds = stack.start_rasa()
        print(f"Rasa is ready after {seconds:.1f}s: {settings.rest_webhook}  (logs: {stack.log_dir})", file=sys.stderr)
        if mode == "serve":
            print("Press Ctrl-C to stop.", file=sys.stderr)
            stack.supervisor.watch()
        return stack.supervisor.foreground(stack.bot_args(), os.environ) or 0

    return run_until_stopped(body, stack.stop)
