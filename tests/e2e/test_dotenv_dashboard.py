"""The documented dashboard login works (issue 20 point 5): `make dashboard-password`, the hash into
`.env` as `DASHBOARD_USERS=nama:<hash>`, `make dashboard`, log in.

The repository's own Makefile runs in a scratch directory that holds only the Makefile, a link to
the real `.venv` and the `.env` written as the README says, so no developer's `.env` is read or
touched. When make included `.env` itself, the `$` in the hash (scrypt$16384$8$1$…) was expanded
and the login answered 401.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import subprocess
import time
import urllib.parse
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

from assistant_core.settings import DOTENV_MARKER, ROOT
from tests.e2e.services import free_port

pytestmark = pytest.mark.e2e

PASSWORD = "kata-sandi-staf-#1$HOME"  # a '#' and a '$' in the password too: the hash is what .env holds
MAKE = ["make", "--no-print-directory", "-o", ".venv/app/.installed"]  # no reinstall of the environment


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A scratch directory that `make` treats as the project: the real Makefile and environments."""
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    return tmp_path


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """This machine's environment without anything that would decide the test's outcome for it."""
    drop = {"ENV_FILE", DOTENV_MARKER, "MAKEFLAGS", "MAKELEVEL", "MFLAGS"}
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("DASHBOARD_")}
    return {**env, "VAR_DIR": str(tmp_path / "var"), **extra}


def request(port: int, method: str, path: str, body: str | None = None, cookie: str = "") -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": cookie} if cookie else {}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def cookies(response: http.client.HTTPResponse) -> SimpleCookie:
    jar: SimpleCookie = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return jar


@pytest.fixture
def dashboard(project: Path) -> Iterator[int]:
    made = subprocess.run(
        [*MAKE, "dashboard-password"],
        cwd=project,
        env=clean_env(project),
        input=f"{PASSWORD}\n{PASSWORD}\n",
        capture_output=True,
        text=True,
        timeout=120,
        start_new_session=True,  # no controlling terminal: getpass reads the password from stdin
        check=True,
    )
    stored = made.stdout.strip().splitlines()[-1]
    assert stored.startswith("scrypt$") and "$" in stored[7:], made.stdout
    (project / ".env").write_text(f"DASHBOARD_USERS=staf:{stored}\n")  # as the README says

    port = free_port()
    log = (project / "dashboard.log").open("w")
    process = subprocess.Popen(
        [*MAKE, "dashboard"],
        cwd=project,
        env=clean_env(project, DASHBOARD_PORT=str(port)),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # make and the dashboard in their own group, stopped together
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if request(port, "GET", "/sehat").status == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("make dashboard did not start:\n" + (project / "dashboard.log").read_text())
            time.sleep(0.3)
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)
        log.close()


def test_the_documented_login_path_works(dashboard: int) -> None:
    page = request(dashboard, "GET", "/masuk")
    assert page.status == 200
    xsrf = cookies(page)["_xsrf"].value
    form = urllib.parse.urlencode({"nama": "staf", "sandi": PASSWORD, "next": "/", "_xsrf": xsrf})
    login = request(dashboard, "POST", "/masuk", form, cookie=f"_xsrf={xsrf}")
    assert login.status == 302, f"login answered {login.status}: the hash in .env did not arrive whole"
    session = cookies(login)
    assert "sesi" in session and session["sesi"].value
    home = request(dashboard, "GET", "/", cookie=f"_xsrf={xsrf}; sesi={session['sesi'].value}")
    assert home.status == 200  # the session works, not only the redirect
