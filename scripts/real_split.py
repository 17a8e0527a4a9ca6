"""Split the collected real questions into a frozen real held-out set and a pool, once.

    .venv/app/bin/python scripts/real_split.py            # writes tests/real/heldout.yml (+ .sha256) and pool.yml

Which side a question goes to depends only on a hash of its normalised text, so the split does not
depend on file order or on who collected what, and near-identical copies (case, punctuation,
spacing) land on the same side. The held-out set is then frozen: `tests/core/test_real_heldout.py`
checks its hash and that none of its questions is trained on. Run this once; questions collected
later go to the pool (pass --pool-only), never into the frozen set.

The hash that freezes the set is taken over its questions (normalised, in file order), not over the
whole file: a reviewer may correct an item's `answer_must` or `source` without unfreezing it, but
adding, removing or rewording a question fails the test.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT / "tests" / "real"
COLLECTED = "collected_*.yml"
HELDOUT_SHARE = 45  # percent; about 180 of 400


def norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def bucket(question: str) -> int:
    return int(hashlib.sha256(norm(question).encode()).hexdigest()[:8], 16) % 100


def collected() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    seen: set[str] = set()
    for path in sorted(REAL.glob(COLLECTED)):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            key = norm(item["q"])
            if key and key not in seen:
                seen.add(key)
                items.append({**item, "file": path.name})
    return items


def questions_digest(items: list[dict[str, Any]]) -> str:
    return hashlib.sha256("\n".join(norm(t["q"]) for t in items).encode()).hexdigest()


def dump(items: list[dict[str, Any]]) -> str:
    return yaml.safe_dump(items, allow_unicode=True, sort_keys=False, width=110)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--pool-only", action="store_true", help="the held-out set is frozen: add new items to the pool"
    )
    args = parser.parse_args(argv)
    heldout_path, pool_path = REAL / "heldout.yml", REAL / "pool.yml"
    items = collected()
    if args.pool_only:
        frozen = {norm(t["q"]) for t in yaml.safe_load(heldout_path.read_text(encoding="utf-8"))}
        pool = [t for t in items if norm(t["q"]) not in frozen]
        pool_path.write_text(dump(pool), encoding="utf-8")
        print(f"pool: {len(pool)}")
        return 0
    if heldout_path.exists():
        print(f"{heldout_path} exists and is frozen; use --pool-only", file=sys.stderr)
        return 1
    heldout = [t for t in items if bucket(t["q"]) < HELDOUT_SHARE]
    pool = [t for t in items if bucket(t["q"]) >= HELDOUT_SHARE]
    heldout_path.write_text(dump(heldout), encoding="utf-8")
    (REAL / "heldout.sha256").write_text(f"{questions_digest(heldout)}  questions of heldout.yml\n", encoding="utf-8")
    pool_path.write_text(dump(pool), encoding="utf-8")
    public = sum(1 for t in heldout if t.get("who") == "public")
    print(f"held-out: {len(heldout)} ({public} typed by the public); pool: {len(pool)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
