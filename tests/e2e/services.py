"""Private PostgreSQL and Redis servers for fault tests: they can be stopped and restarted without
touching the machine's shared servers (other tests, CI) or anyone's data."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, timeout: float, up: bool = True) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                if up:
                    return time.monotonic() - started
        except OSError:
            if not up:
                return time.monotonic() - started
        time.sleep(0.05)
    raise TimeoutError(f"port {port} did not go {'up' if up else 'down'} within {timeout}s")


def postgres_bin(program: str) -> str | None:
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{program}"), reverse=True)
    return candidates[0] if candidates else shutil.which(program)


class PrivatePostgres:
    """A throwaway PostgreSQL cluster on a free port (initdb, pg_ctl), trust auth on loopback."""

    def __init__(self) -> None:
        initdb, pg_ctl = postgres_bin("initdb"), postgres_bin("pg_ctl")
        if not initdb or not pg_ctl:
            raise RuntimeError("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
        self.pg_ctl = pg_ctl
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="umkm-pg-"))
        self.data = self.dir / "data"
        # PostgreSQL refuses to run as root: run it as the postgres user when we are root.
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
            self.prefix = ["runuser", "-u", "postgres", "--"]
        self._run([initdb, "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"])

    def _run(self, args: list[str]) -> None:
        result = subprocess.run([*self.prefix, *args], capture_output=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {result.stderr.decode(errors='replace')}")

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def database_url(self, name: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def start(self) -> float:
        started = time.monotonic()
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        self._run([self.pg_ctl, "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"), "-w", "start"])
        return time.monotonic() - started

    def stop(self) -> None:
        self._run([self.pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "stop"])

    def restart(self) -> float:
        """Fast restart: every open connection is cut, as in a real database restart."""
        started = time.monotonic()
        self.stop()
        self.start()
        return time.monotonic() - started

    def destroy(self) -> None:
        with contextlib.suppress(RuntimeError):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivateRedis:
    """A redis-server on a free port that keeps nothing on disk; with a password if given, which is
    in its configuration file, never on its command line."""

    def __init__(self, password: str | None = None) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not Path(binary).exists():
            raise RuntimeError("redis-server is not installed")
        self.binary = binary
        self.port = free_port()
        self.password = password
        self.dir = Path(tempfile.mkdtemp(prefix="umkm-redis-"))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def start(self) -> float:
        conf = self.dir / "redis.conf"
        conf.write_text(f"requirepass {self.password}\n" if self.password else "")
        conf.chmod(0o600)
        args = [self.binary, str(conf), "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        args += ["--appendonly", "no"]
        self.process = subprocess.Popen(
            [*args, "--dir", str(self.dir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        return wait_port(self.port, 15)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=15)
            self.process = None

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
