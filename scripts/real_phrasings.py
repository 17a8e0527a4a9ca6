"""Turn newly collected, labelled real questions into training phrasings (half) and real dev items (half).

    .venv/app/bin/python scripts/real_phrasings.py var/real/new_a.yml [more.yml ...] [--dry-run]

Each input item has the fields of tests/real/dev.yml (q, source, who, scope, topic, answer_must,
answer_source, accept). Which half an item goes to depends only on its text, by the rule used since
2026-12-07 (sha256 of the stripped, lower-cased question, even = phrasing):

- even, in scope, with an `accept` label: a phrasing of its first accepted entry (content/faq);
- even, out of scope: a phrasing of the referral that is right for it (BPJS Kesehatan: the
  ask_bpjs_kesehatan intent; BSU: the `bsu` entry, which refers to Kemnaker; taxes, KUR and
  loans, other agencies: out_of_scope);
- everything else (odd, or in scope with no entry that answers it): appended to tests/real/dev.yml.

Questions of the frozen real held-out, and questions already in dev.yml, nlu/ or content/, are
skipped, so running it twice changes nothing. Placeholders such as [nama] are dropped from
phrasings (Rasa reads square brackets as entity annotations).
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
sys.path.insert(0, str(ROOT))
from assistant_core.content.loader import Entry  # noqa: E402
from assistant_core.content.repository import load_raw  # noqa: E402
from assistant_core.contract import scope  # noqa: E402
from scripts.real_split import norm  # noqa: E402

REAL = ROOT / "tests" / "real"
DEV = REAL / "dev.yml"
HELDOUT = REAL / "heldout.yml"
CONTENT = ROOT / "content"
SCOPE_NLU = ROOT / "nlu" / "scope.yml"
DEV_FIELDS = ("q", "source", "who", "scope", "topic", "accept")  # answer_must stays in the collected file and pool.yml
# out-of-scope kind -> ("intent", name) in nlu/scope.yml or ("entry", key) in content/faq
REFERRAL = {
    "kesehatan": ("intent", scope.BPJS_KESEHATAN),
    "bsu": ("entry", "bsu"),
    "pajak": ("intent", scope.OUT_OF_SCOPE),
    "kur": ("intent", scope.OUT_OF_SCOPE),
    "other_out": ("intent", scope.OUT_OF_SCOPE),
}


def is_phrasing_half(question: str) -> bool:
    return int(hashlib.sha256(question.strip().lower().encode()).hexdigest(), 16) % 2 == 0


def clean(question: str) -> str:
    text = re.sub(r"\[[^\]]*\]", " ", question)
    text = re.sub(r"[\[\]{}]", " ", text)
    return " ".join(text.split())


def known_texts(entries: dict[str, Entry]) -> set[str]:
    """Normalised questions already used anywhere: dev set, held-out, nlu/, content entries."""
    seen = {norm(i["q"]) for i in yaml.safe_load(DEV.read_text(encoding="utf-8")) or []}
    seen |= {norm(i["q"]) for i in yaml.safe_load(HELDOUT.read_text(encoding="utf-8"))}
    seen |= {norm(q) for entry in entries.values() for q in entry.questions}
    for path in (ROOT / "nlu").glob("*.yml"):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
            for line in str(block.get("examples") or "").splitlines():
                seen.add(norm(line.lstrip().removeprefix("- ")))
    return seen


def add_to_entry(lines: list[str], key: str, texts: list[str]) -> None:
    """Insert phrasings after the last question of entry `key` (lines of one content/faq file)."""
    start = lines.index(f"  - key: {key}\n")
    q = next(i for i in range(start, len(lines)) if lines[i] == "    questions:\n")
    end = q + 1
    while end < len(lines) and (lines[end].startswith("      - ") or lines[end].startswith("        ")):
        end += 1
    rendered = ["      " + yaml.safe_dump([t], allow_unicode=True, width=10**6).rstrip("\n") + "\n" for t in texts]
    lines[end:end] = rendered


def add_to_intent(lines: list[str], intent: str, texts: list[str]) -> None:
    start = lines.index(f"- intent: {intent}\n")
    end = start + 2  # past "  examples: |"
    while end < len(lines) and lines[end].startswith("    - "):
        end += 1
    lines[end:end] = [f"    - {t}\n" for t in texts]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)

    entries = load_raw(CONTENT).entries  # the editors' loader: one read of content/, drafts excluded
    seen = known_texts(entries)
    where = {key: CONTENT.parent / entry.file for key, entry in entries.items()}
    to_entry: dict[str, list[str]] = {}
    to_intent: dict[str, list[str]] = {}
    to_dev: list[dict[str, Any]] = []
    skipped = 0
    for path in args.files:
        for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            if {norm(item["q"]), norm(clean(item["q"]))} & seen:
                skipped += 1
                continue
            seen |= {norm(item["q"]), norm(clean(item["q"]))}
            accept = [a for a in item.get("accept") or [] if a in where]
            if item.get("accept") and not accept:
                print(f"unknown accept keys {item['accept']} for {item['q'][:60]!r}", file=sys.stderr)
                return 2
            item["accept"] = accept
            if is_phrasing_half(item["q"]) and (item["scope"] != "in" or accept):
                kind, target = REFERRAL.get(item["scope"], ("entry", accept[0] if accept else ""))
                bucket = to_entry if kind == "entry" else to_intent
                bucket.setdefault(target, []).append(clean(item["q"]))
            else:
                to_dev.append({k: item[k] for k in DEV_FIELDS if k in item})

    n_entry = sum(map(len, to_entry.values()))
    n_intent = sum(map(len, to_intent.values()))
    print(
        f"phrasings: {n_entry} to {len(to_entry)} entries, {n_intent} to intents {sorted(to_intent)}; "
        f"dev: +{len(to_dev)}; skipped (already known): {skipped}"
    )
    if args.dry_run:
        return 0
    by_file: dict[Path, dict[str, list[str]]] = {}
    for key, texts in to_entry.items():
        by_file.setdefault(where[key], {})[key] = texts
    for path, entries in by_file.items():
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        for key, texts in entries.items():
            add_to_entry(lines, key, texts)
        path.write_text("".join(lines), encoding="utf-8")
    if to_intent:
        lines = SCOPE_NLU.read_text(encoding="utf-8").splitlines(keepends=True)
        for intent, texts in to_intent.items():
            add_to_intent(lines, intent, texts)
        SCOPE_NLU.write_text("".join(lines), encoding="utf-8")
    if to_dev:
        with DEV.open("a", encoding="utf-8") as out:
            out.write(yaml.safe_dump(to_dev, allow_unicode=True, sort_keys=False, width=120))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
