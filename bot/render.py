"""Turns Rasa replies into what a chat shows: safe Telegram HTML, 4096-char parts, button rows."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from assistant_core.contract import feedback

TELEGRAM_LIMIT = 4096
_ALLOWED = frozenset({"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "code", "pre", "blockquote"})
_TAG = re.compile(r"<(/?)([a-zA-Z]+)((?:\s+href=\"https?://[^\"<>\s]+\")?)\s*>")


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Outgoing:
    text: str  # Telegram HTML
    buttons: tuple[Button, ...] = field(default_factory=tuple)


def sanitise_html(text: str) -> str:
    """Keep Telegram's allowed tags (and https links); escape everything else as text."""
    out: list[str] = []
    position = 0
    for match in _TAG.finditer(text):
        out.append(_escape_text(text[position : match.start()]))
        closing, name, href = match.group(1), match.group(2).lower(), match.group(3)
        if name in _ALLOWED and not href:
            out.append(f"<{closing}{name}>")
        elif name == "a" and (closing or href):
            out.append("</a>" if closing else f"<a{href}>")
        else:
            out.append(html.escape(match.group(0), quote=False))
        position = match.end()
    out.append(_escape_text(text[position:]))
    return _balance("".join(out))


def _escape_text(text: str) -> str:
    # Unescape first so entities already written as &amp; are not doubled.
    return html.escape(html.unescape(text), quote=False)


def _balance(text: str) -> str:
    """Drop unmatched closing tags and close unclosed ones: Telegram rejects unbalanced HTML."""
    stack: list[str] = []
    out: list[str] = []
    for piece in re.split(r"(</?[a-z]+(?:\s+href=\"[^\"]*\")?>)", text):
        tag = re.fullmatch(r"<(/?)([a-z]+)[^>]*>", piece)
        if not tag:
            out.append(piece)
            continue
        closing, name = tag.group(1) == "/", tag.group(2)
        if not closing:
            stack.append(name)
            out.append(piece)
        elif name in stack:
            while stack:
                top = stack.pop()
                out.append(f"</{top}>")
                if top == name:
                    break
    out.extend(f"</{name}>" for name in reversed(stack))
    return "".join(out)


def split_text(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split at paragraph boundaries, then lines, then hard, so every part fits the limit."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for paragraph in text.split("\n\n"):
        candidate = f"{current}\n\n{paragraph}" if current else paragraph
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        if len(paragraph) <= limit:
            current = paragraph
            continue
        current = ""
        for line in paragraph.split("\n"):
            candidate = f"{current}\n{line}" if current else line
            if len(candidate) <= limit:
                current = candidate
                continue
            if current:
                parts.append(current)
            while len(line) > limit:
                parts.append(line[:limit])
                line = line[limit:]
            current = line
    if current:
        parts.append(current)
    return [_balance(p) for p in parts]


def from_rasa(replies: list[dict[str, Any]]) -> list[Outgoing]:
    """Rasa REST replies to chat messages; buttons stay with the message that carried them."""
    messages: list[Outgoing] = []
    for reply in replies:
        text = reply.get("text") if isinstance(reply.get("text"), str) else ""
        buttons = tuple(
            Button(str(b["title"]), str(b["payload"]))
            for b in reply.get("buttons") or []
            if isinstance(b, dict) and b.get("title") and b.get("payload")
        )
        if not text and not buttons:
            continue
        parts = split_text(sanitise_html(text or "…"))
        messages.extend(Outgoing(p) for p in parts[:-1])
        messages.append(Outgoing(parts[-1], buttons))
    return messages


def to_plain(text: str) -> str:
    """Telegram HTML as terminal text: links keep their address."""
    text = re.sub(
        r'<a href="([^"]+)">(.*?)</a>',
        lambda m: f"{m.group(2)} ({m.group(1)})" if m.group(1) not in m.group(2) else m.group(2),
        text,
    )
    return html.unescape(re.sub(r"</?[a-z]+[^>]*>", "", text))


FEEDBACK_PREFIX = feedback.PREFIX


def button_rows(buttons: tuple[Button, ...], long_label: int = 20) -> list[list[Button]]:
    """Two buttons a row when labels are short, one a row when any is long (phones are narrow);
    the 👍/👎 pair always shares the last row."""
    feedback = [b for b in buttons if b.payload.startswith(FEEDBACK_PREFIX)]
    others = tuple(b for b in buttons if not b.payload.startswith(FEEDBACK_PREFIX))
    if any(len(b.title) > long_label for b in others):
        rows = [[b] for b in others]
    else:
        rows = [list(others[i : i + 2]) for i in range(0, len(others), 2)]
    return rows + ([feedback] if feedback else [])
