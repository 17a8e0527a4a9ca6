"""What is stored and for how long (/privasi), and deleting it (/hapusdata): the bot's own flow."""

from __future__ import annotations

from assistant_core.contract.base import Feature

FORGET_YES = "bot:forget:yes"
FORGET_NO = "bot:forget:no"

NONE = frozenset[str]()
FEATURE = Feature(
    name="privacy",
    texts={
        "privacy_notice": NONE,
        "privacy": frozenset({"days"}),
        "forget_confirm": NONE,
        "forget_yes": NONE,
        "forget_no": NONE,
        "forget_done": NONE,
        "forget_kept": NONE,
        "forget_failed": NONE,
    },
)
