"""A small driver for headless Chromium over the DevTools protocol (tornado's websocket client).

Enough for the dashboard test: open pages, run JavaScript, wait for navigation, screenshots,
downloads. Uses Debian's `chromium`; no Selenium or Node needed.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from tornado.websocket import WebSocketClientConnection, websocket_connect


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


class Browser:
    def __init__(self) -> None:
        binary = chromium_path()
        if binary is None:
            raise FileNotFoundError("chromium is not installed (Debian package: chromium)")
        self.profile = Path(tempfile.mkdtemp(prefix="cdp-"))
        self.process = subprocess.Popen(
            [
                binary,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--window-size=1280,1600",
                "--remote-debugging-port=0",
                f"--user-data-dir={self.profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text().strip():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("chromium did not start")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
            pages = [p for p in json.loads(response.read()) if p.get("type") == "page"]
        self.ws_url = pages[0]["webSocketDebuggerUrl"]
        self.loop = asyncio.new_event_loop()
        self.ws: WebSocketClientConnection = self.loop.run_until_complete(self._connect())
        self.ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []
        self.call("Page.enable")
        self.call("Runtime.enable")

    async def _connect(self) -> WebSocketClientConnection:
        return await websocket_connect(self.ws_url, max_message_size=256 * 1024 * 1024)

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        return self.loop.run_until_complete(self._call(method, params))

    async def _call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        ident = next(self.ids)
        await self.ws.write_message(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            raw = await asyncio.wait_for(self.ws.read_message(), timeout=60)
            if raw is None:
                raise RuntimeError("DevTools connection closed")
            message = json.loads(raw)
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return dict(message.get("result") or {})
            self.events.append(message)

    def wait_event(self, method: str, timeout: float = 30) -> dict[str, Any]:
        return self.loop.run_until_complete(self._wait_event(method, timeout))

    async def _wait_event(self, method: str, timeout: float) -> dict[str, Any]:
        for index, event in enumerate(self.events):
            if event.get("method") == method:
                return dict(self.events.pop(index))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            raw = await asyncio.wait_for(self.ws.read_message(), timeout=max(0.1, deadline - time.monotonic()))
            if raw is None:
                raise RuntimeError("DevTools connection closed")
            message = json.loads(raw)
            if message.get("method") == method:
                return dict(message)
            self.events.append(message)
        raise TimeoutError(method)

    def js(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"JavaScript failed: {result['exceptionDetails']}")
        return (result.get("result") or {}).get("value")

    def open(self, url: str) -> None:
        self.events.clear()
        self.call("Page.navigate", url=url)
        self.wait_event("Page.loadEventFired")

    def click_and_wait(self, selector: str) -> None:
        """Click something that loads a new page (a link or a submit button)."""
        self.events.clear()
        self.js(f"document.querySelector({json.dumps(selector)}).click()")
        self.wait_event("Page.loadEventFired")

    def text(self, selector: str) -> str:
        return str(self.js(f"document.querySelector({json.dumps(selector)}).innerText"))

    def screenshot(self, path: Path) -> Path:
        data = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path

    def download(self, selector: str, folder: Path, timeout: float = 30) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        self.call("Browser.setDownloadBehavior", behavior="allow", downloadPath=str(folder))
        before = set(folder.iterdir())
        self.js(f"document.querySelector({json.dumps(selector)}).click()")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = [p for p in set(folder.iterdir()) - before if not p.name.endswith(".crdownload")]
            if done:
                return done[0]
            time.sleep(0.1)
        raise TimeoutError(f"no download from {selector}")

    async def _close(self) -> None:
        self.ws.close()
        await asyncio.sleep(0.1)  # let the close frame go out before the loop closes

    def close(self) -> None:
        try:
            # Inside the loop: outside it, tornado would create (and leak) a new event loop.
            self.loop.run_until_complete(self._close())
        except Exception:
            pass
        finally:
            self.loop.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.profile, ignore_errors=True)
