"""Questions outside BPJS Ketenagakerjaan, answered with the right referral."""

from __future__ import annotations

from assistant_core.contract.base import Feature

OUT_OF_SCOPE = "out_of_scope"
BPJS_KESEHATAN = "ask_bpjs_kesehatan"

FEATURE = Feature(name="scope", intents=(OUT_OF_SCOPE, BPJS_KESEHATAN))
