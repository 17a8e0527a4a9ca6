"""What is stored and for how long (/privasi), and deleting it (/hapusdata): the bot's own flow."""

from __future__ import annotations

from assistant_core.contract.base import Feature, keys

FORGET_YES = "bot:forget:yes"
FORGET_NO = "bot:forget:no"

FEATURE = Feature(
    name="privacy",
    texts=keys(
        "privacy_notice",
        "privacy(days)",
        "forget_confirm",
        "forget_yes",
        "forget_no",
        "forget_done",
        "forget_kept",
        "forget_failed",
        "forget_partial",
    ),
)
