"""Which programs a business must join, by size (PP 44/2015 and Permenaker; content/guide.yml)."""

from __future__ import annotations

from assistant_core.contract.base import Feature, keys, payload

INTENT = "check_obligation"
ACTION = "action_obligation"
SIZE = "size"  # entity: mikro, kecil, menengah, besar, or "unknown" (show the ranges)

ENTRY_PAYLOAD = payload(INTENT)


def size_payload(size: str) -> str:
    return payload(INTENT, **{SIZE: size})


FEATURE = Feature(
    name="obligation",
    intents=(INTENT,),
    entities=(SIZE,),
    actions=(ACTION,),
    entry_payloads=(ENTRY_PAYLOAD,),
    # guide.yml's `obligation:` section; only the result has placeholders.
    guide_texts=keys(
        *(f"obligation.{key}" for key in ("ask", "ranges", "calc_button", "register_button")),
        "obligation.result(size, size_code, programs)",
    ),
)
