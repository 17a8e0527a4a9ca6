"""A fake Telegram Bot API on loopback: queues updates for getUpdates and records what the bot sends."""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

BOT_USER = {
    "id": 777000,
    "is_bot": True,
    "first_name": "Asisten UMKM",
    "username": "asisten_umkm_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


class FakeTelegram:
    def __init__(self, token: str) -> None:
        self.token = token
        self.calls: list[Call] = []
        # When each update was first handed to the bot by getUpdates (time.monotonic()).
        self.delivered: dict[int, float] = {}
        # Chats whose messages fail: blocked -> 403 Forbidden; flood_once -> one 429 RetryAfter.
        self.blocked: set[int] = set()
        self.flood_once: set[int] = set()
        self._updates: list[dict[str, Any]] = []
        self._cond = threading.Condition()
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/bot"

    def start(self) -> FakeTelegram:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- what tests use ---
    def push(self, update: dict[str, Any]) -> int:
        with self._cond:
            update = {"update_id": next(self._update_ids), **update}
            self._updates.append(update)
            self._cond.notify_all()
            return int(update["update_id"])

    def push_raw(self, update: dict[str, Any]) -> None:
        """Queue an update exactly as given (e.g. a duplicate delivery with the same update_id)."""
        with self._cond:
            self._updates.append(update)
            self._cond.notify_all()

    def wait_for(self, predicate: Any, timeout: float = 30.0, since: int = 0) -> list[Call]:
        """Wait until predicate(calls made after index `since`) is true; return those calls."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                new = self.calls[since:]
                if predicate(new):
                    return new
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out; calls so far: {[(c.method, c.params) for c in new]}")
                self._cond.wait(remaining)

    def mark(self) -> int:
        with self._cond:
            return len(self.calls)

    # --- the HTTP side ---
    def _error_for(self, method: str, params: dict[str, Any]) -> dict[str, Any] | None:
        if method != "sendMessage":
            return None
        try:
            chat_id = int(params.get("chat_id") or 0)
        except ValueError:  # Telegram's answer to a chat id that is not a number
            return {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
        with self._cond:
            self.calls.append(Call(f"{method}:attempt", params))
            if chat_id in self.blocked:
                return {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
            if chat_id in self.flood_once:
                self.flood_once.discard(chat_id)
                return {
                    "ok": False,
                    "error_code": 429,
                    "description": "Too Many Requests: retry after 1",
                    "parameters": {"retry_after": 1},
                }
        return None

    def _record(self, method: str, params: dict[str, Any]) -> Any:
        with self._cond:
            if method == "getUpdates":
                offset = int(params.get("offset") or 0)
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                if not self._updates:
                    self._cond.wait(min(float(params.get("timeout") or 0), 1.0))
                handed = [u for u in self._updates if u["update_id"] >= offset]
                now = time.monotonic()
                for update in handed:
                    self.delivered.setdefault(int(update["update_id"]), now)
                return handed
            self.calls.append(Call(method, params))
            self._cond.notify_all()
        if method == "getMe":
            return BOT_USER
        if method in {"sendMessage", "editMessageText"}:
            chat_id = int(params["chat_id"])
            return {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
        return True

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                self._serve()

            def do_GET(self) -> None:
                self._serve()

            def _serve(self) -> None:
                path = self.path.split("?")[0]
                prefix = f"/bot{fake.token}/"
                if not path.startswith(prefix):
                    self._reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
                    return
                method = path[len(prefix) :]
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                kind = self.headers.get("Content-Type", "")
                params: dict[str, Any] = {}
                if raw and "json" in kind:
                    params = json.loads(raw)
                elif raw:
                    params = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                for key in ("reply_markup", "commands", "allowed_updates"):
                    if isinstance(params.get(key), str):
                        params[key] = json.loads(params[key])
                error = fake._error_for(method, params)
                if error is not None:
                    self._reply(error["error_code"], error)
                    return
                self._reply(200, {"ok": True, "result": fake._record(method, params)})

            def _reply(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the bot hung up mid long-poll while shutting down

        return Handler


def user(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": "Budi", "language_code": "id"}


def private_chat(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "type": "private", "first_name": "Budi"}


def text_update(user_id: int, text: str, message_id: int = 1) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": message_id,
        "date": int(time.time()),
        "chat": private_chat(user_id),
        "from": user(user_id),
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"message": message}


STICKER = {
    "file_id": "CAAC",
    "file_unique_id": "AgAD",
    "type": "regular",
    "width": 512,
    "height": 512,
    "is_animated": False,
    "is_video": False,
}


def sticker_update(user_id: int) -> dict[str, Any]:
    return {
        "message": {
            "message_id": 5,
            "date": int(time.time()),
            "chat": private_chat(user_id),
            "from": user(user_id),
            "sticker": STICKER,
        }
    }


def callback_update(user_id: int, data: str, query_id: str = "cb-1") -> dict[str, Any]:
    return {
        "callback_query": {
            "id": query_id,
            "from": user(user_id),
            "chat_instance": "ci-1",
            "data": data,
            "message": {
                "message_id": 1001,
                "date": int(time.time()),
                "chat": private_chat(user_id),
                "from": BOT_USER,
                "text": "menu",
            },
        }
    }
