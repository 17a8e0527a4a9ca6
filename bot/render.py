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


# One unit a split may never cut: a tag, an entity, or a single character.
_ATOM = re.compile(r"<[^<>]*>|&#?\w+;|.", re.DOTALL)
_TAG_NAME = re.compile(r"<(/?)([a-zA-Z]+)")


def split_text(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split sanitised HTML so every part fits the limit and parses on its own: never inside a tag
    or an entity; tags open at a cut are closed there and reopened in the next part. Cuts at a
    paragraph, else a line, else a space (in the second half of a part), else hard."""
    if len(text) <= limit:
        return [text]
    atoms = _ATOM.findall(text)
    parts: list[str] = []
    stack: list[tuple[str, str]] = []  # (name, opening tag) of the tags open here
    i = 0
    while i < len(atoms):
        while i < len(atoms) and atoms[i] == "\n":
            i += 1  # a part never starts with the line breaks it was cut at
        if i == len(atoms):
            break
        chunk = [tag for _, tag in stack]
        length = sum(len(a) for a in chunk)
        # Where a cut may go: kind (2 paragraph, 1 line, 0 space) -> (next atom, chunk size, open tags).
        breaks: dict[int, tuple[int, int, list[tuple[str, str]]]] = {}
        j, here = i, list(stack)
        while j < len(atoms):
            after = _opened(here, atoms[j])
            closing = sum(len(name) + 3 for name, _ in after)
            if length + len(atoms[j]) + closing > limit and j > i:
                break
            chunk.append(atoms[j])
            length += len(atoms[j])
            here = after
            j += 1
            if atoms[j - 1] in {"\n", " "}:
                kind = 0 if atoms[j - 1] == " " else 2 if j >= 2 and atoms[j - 2] == "\n" else 1
                breaks[kind] = (j, len(chunk), list(here))
        cut = (j, len(chunk), here)
        if j < len(atoms):
            early = [b for b in breaks.values() if b[1] > len(chunk) // 2]
            preferred = [breaks[k] for k in (2, 1, 0) if k in breaks and breaks[k] in early]
            cut = preferred[0] if preferred else cut
        i, size, stack = cut
        body = chunk[:size]
        if i < len(atoms) and body[-1] == " ":
            body.pop()  # the space cut at
        while i < len(atoms) and body[-1] == "\n":
            body.pop()  # the line breaks cut at
        parts.append("".join(body) + "".join(f"</{name}>" for name, _ in reversed(stack)))
    return parts


def _opened(stack: list[tuple[str, str]], atom: str) -> list[tuple[str, str]]:
    """The tags open after `atom`, given those open before it (the text is balanced)."""
    match = _TAG_NAME.match(atom)
    if match is None:
        return stack
    name = match.group(2).lower()
    if not match.group(1):
        return [*stack, (name, atom)]
    names = [n for n, _ in stack]
    if name not in names:
        return stack
    return stack[: len(names) - 1 - names[::-1].index(name)]


def plain_title(title: str) -> str:
    """A button title as Telegram shows it, plain text: no tags, entities as the characters they
    stand for, one line. Where a title is put into a message it is escaped again."""
    return " ".join(html.unescape(re.sub(r"<[^<>]*>", "", title)).split())


def from_rasa(replies: list[dict[str, Any]]) -> list[Outgoing]:
    """Rasa REST replies to chat messages; buttons stay with the message that carried them."""
    messages: list[Outgoing] = []
    for reply in replies:
        text = reply.get("text") if isinstance(reply.get("text"), str) else ""
        buttons = tuple(
            Button(plain_title(str(b["title"])), str(b["payload"]))
            for b in reply.get("buttons") or []
            if isinstance(b, dict) and plain_title(str(b.get("title") or "")) and b.get("payload")
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
