"""Benchmark of `make serve`: start-up time, resident memory, and latency of questions via REST.

Usage: make bench-serve  (starts its own action server and Rasa server on free ports, then stops them)
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from assistant_core.settings import apply_dotenv, load_settings  # noqa: E402
from supervisor.stack import Stack  # noqa: E402

QUESTIONS = [
    "iuran jkm brp",
    "sy punya 3 pegawai wajib daftar gk",
    "klo kena phk dpt jkp brp",
    "bpjs tk mandiri paling murah brp skrg",
    "halo",
    "cara daftar bpjs tk utk usaha kecil",
    "jht bisa cair kapan",
    "batas upah jp brp",
    "makasih",
    "beda bpjs kesehatan sama ketenagakerjaan apa",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def main() -> int:
    apply_dotenv()  # .env, which make no longer reads (issue 20 point 5)
    n = int(os.environ.get("BENCH_N", "100"))
    var = Path(tempfile.mkdtemp(prefix="bench-"))
    env = {
        "VAR_DIR": str(var),
        "RASA_PORT": str(free_port()),
        "ACTION_PORT": str(free_port()),
        "PSEUDONYM_KEY": "bench-key-0123456789abcdef",
    }
    settings = load_settings({**os.environ, **env})
    stack = Stack(settings, extra_env=env)
    try:
        action_s = stack.start_actions()
        rasa_s = stack.start_rasa()
        rasa_pid = stack.supervisor.pid("rasa")
        actions_pid = stack.supervisor.pid("actions")
        timings = []
        for i in range(n + 5):
            body = json.dumps({"sender": f"bench-{i % 10}", "message": QUESTIONS[i % len(QUESTIONS)]}).encode()
            request = urllib.request.Request(  # noqa: S310 (loopback URL we built)
                settings.rest_webhook, data=body, headers={"Content-Type": "application/json"}
            )
            started = time.perf_counter()
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
                assert response.status == 200 and json.loads(response.read())
            if i >= 5:  # the first few warm up TensorFlow's graph
                timings.append(1000 * (time.perf_counter() - started))
        timings.sort()
        print(f"action server start-up: {action_s:.1f} s")
        print(f"Rasa server start-up (process start to REST channel ready, model loaded): {rasa_s:.1f} s")
        print(f"resident memory: Rasa {rss_mb(rasa_pid):.0f} MB, action server {rss_mb(actions_pid):.0f} MB")
        print(
            f"latency of one question via REST over {n} questions: median {statistics.median(timings):.0f} ms, "
            f"p95 {timings[int(0.95 * len(timings)) - 1]:.0f} ms, max {timings[-1]:.0f} ms"
        )
        return 0
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
