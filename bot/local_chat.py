"""Terminal chat for running without a Telegram token: same Rasa turn and rendering, buttons numbered."""

from __future__ import annotations

import asyncio
import getpass
import sys
from typing import TextIO

from assistant_core.contract import smalltalk
from assistant_core.pseudonym import local_conversation_id
from assistant_core.settings import Settings
from bot.conversation import Conversation, Texts
from bot.render import Button, Outgoing, to_plain

QUIT = frozenset({"keluar", "exit", "quit", "/keluar"})


def show(replies: list[Outgoing], out: TextIO, texts: Texts) -> list[Button]:
    buttons: list[Button] = []
    for reply in replies:
        print(f"\n{texts.text('local_chat_bot')}: {to_plain(reply.text)}", file=out)
        buttons = list(reply.buttons) or buttons
    if buttons:
        print(texts.text("local_chat_choose"), file=out)
        for number, button in enumerate(buttons, 1):
            print(f"  [{number}] {button.title}", file=out)
    out.flush()
    return buttons


async def run_local_chat(
    settings: Settings, conversation: Conversation, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout
) -> None:
    sender = local_conversation_id(settings.pseudonym_key, getpass.getuser())
    texts = conversation.texts
    print(texts.text("local_chat_intro"), file=out)
    print(f"\n{to_plain(texts.text('privacy_notice'))}", file=out)
    buttons = show(await conversation.turn(sender, smalltalk.GREET_PAYLOAD), out, texts)
    try:
        while True:
            print(f"\n{texts.text('local_chat_you')}: ", end="", file=out, flush=True)
            line = await asyncio.to_thread(stdin.readline)
            if not line:
                break
            text = line.strip()
            if not text:
                continue
            if text.lower() in QUIT:
                break
            if text.isdigit() and 1 <= int(text) <= len(buttons):
                chosen = buttons[int(text) - 1]
                print(f"({to_plain(texts.text('button_chosen', title=chosen.title))})", file=out)
                if chosen.payload.startswith("https://"):  # a link button: a terminal can only show it
                    print(chosen.payload, file=out)
                    continue
                text = chosen.payload
            buttons = show(await conversation.turn(sender, text), out, texts) or buttons
    finally:
        await conversation.rasa.close()
