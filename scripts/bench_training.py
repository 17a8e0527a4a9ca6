"""Training time, in one run on this machine: today's data, a synthetic 3x set, a small change, and
Rasa's own `rasa init` assistant beside them.

- 1x: this project's config, domain, nlu/ and stories/ from scratch (an empty training cache);
- 3x: the same with every NLU intent's phrasings tripled by synthetic variants (a typo, a dropped
  vowel, a repeated word: the noise real users add). For this measurement only: never trained on
  for use, never committed;
- small change: after the 1x training, one phrasing added to one FAQ entry and `rasa train` run
  again with the cache the first training left (what `make train` does after an editor's change);
- rasa init: `rasa init --no-prompt`'s project trained from scratch, the reference of the issue.

Usage: make bench-train   (about 10 minutes on 2 cores). Writes var/bench/training.json.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from assistant_core.settings import apply_dotenv

ROOT = Path(__file__).resolve().parents[1]
RASA = str(ROOT / ".venv" / "rasa" / "bin" / "rasa")
OUT = ROOT / "var" / "bench"
LIMIT_S = 240  # issue "Speed": at most 4 minutes from scratch, at 1x and 3x
LIMIT_INIT = 3.0  # and at most 3 x rasa init's time in the same run
LIMIT_SMALL_S = 120  # a small change: at most 2 minutes


def env(cache: Path) -> dict[str, str]:
    return {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "RASA_CACHE_DIRECTORY": str(cache),
    }


def train(project: Path, cache: Path, log: Path, force: bool = True) -> float:
    args = [RASA, "train", "--config", "config.yml", "--domain", "domain.yml", "--data", "nlu", "stories"]
    args += ["--out", str(project / "models"), "--fixed-model-name", "m"]
    if force:
        args.append("--force")
    started = time.monotonic()
    with log.open("wb") as handle:
        result = subprocess.run(args, cwd=project, env=env(cache), stdout=handle, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        raise SystemExit(f"training failed in {project}; see {log}")
    return time.monotonic() - started


def copy_project(target: Path) -> Path:
    for name in ("config.yml", "domain.yml"):
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / name, target / name)
    for folder in ("nlu", "stories"):
        shutil.copytree(ROOT / folder, target / folder)
    (target / "content").mkdir()
    shutil.copyfile(ROOT / "content" / "lexicon.yml", target / "content" / "lexicon.yml")
    return target


def variant(text: str, rng: random.Random) -> str:
    words = text.split()
    kind = rng.randrange(3)
    if kind == 0 and len(text) > 4:  # swap two neighbouring letters
        i = rng.randrange(1, len(text) - 2)
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if kind == 1:  # drop one vowel
        vowels = [i for i, c in enumerate(text) if c in "aiueo"]
        if vowels:
            i = rng.choice(vowels)
            return text[:i] + text[i + 1 :]
    if words:  # repeat a word
        i = rng.randrange(len(words))
        return " ".join(words[: i + 1] + words[i:])
    return text + " ya"


def rewrite_examples(project: Path, change: Callable[[list[str]], list[str]]) -> int:
    """Replace every intent's examples in the project's nlu/ by change(examples); returns the number
    of phrasings now."""
    total = 0
    for path in sorted((project / "nlu").rglob("*.yml")):
        data = yaml.safe_load(path.read_text())
        if not isinstance(data, dict) or not data.get("nlu"):
            continue
        for block in data["nlu"]:
            if "intent" not in block or "examples" not in block:
                continue
            examples = [line[2:] for line in block["examples"].splitlines() if line.startswith("- ")]
            block["examples"] = "".join(f"- {e}\n" for e in change(examples))
            total += len(block["examples"].splitlines())
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10_000))
    return total


def triple(project: Path) -> int:
    """Every intent's examples x3 with variants; returns the number of phrasings now."""
    rng = random.Random(17)

    def grow(examples: list[str]) -> list[str]:
        grown = list(examples)
        for example in examples:
            if "[" in example:  # annotated entities: keep them as they are
                grown += [example, example]
                continue
            grown += [variant(example, rng), variant(variant(example, rng), rng)]
        return list(dict.fromkeys(grown)) or grown

    return rewrite_examples(project, grow)


def phrasings(project: Path) -> int:
    count = 0
    for path in (project / "nlu").rglob("*.yml"):
        count += len(re.findall(r"^\s+- ", path.read_text(), flags=re.MULTILINE))
    return count


def main() -> int:
    apply_dotenv()  # .env, which make no longer reads (issue 20 point 5)
    OUT.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="bench-train-", dir=OUT))
    results: dict[str, float | int] = {}
    try:
        init = work / "rasa_init"
        init.mkdir()
        print("rasa init (creates its project and trains once, not measured)…", file=sys.stderr)
        subprocess.run(
            [RASA, "init", "--no-prompt", "--init-dir", str(init)],
            env=env(work / "cache-init-0"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=True,
        )
        one = copy_project(work / "x1")
        three = copy_project(work / "x3")
        results["phrasings_1x"] = phrasings(one)
        results["phrasings_3x"] = triple(three)
        print("rasa init from scratch…", file=sys.stderr)
        args = [RASA, "train", "--force", "--out", str(init / "models")]
        started = time.monotonic()
        subprocess.run(
            args,
            cwd=init,
            env=env(work / "cache-init"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=True,
        )
        results["rasa_init_s"] = time.monotonic() - started
        print("ours, 1x from scratch…", file=sys.stderr)
        results["ours_1x_s"] = train(one, work / "cache-1x", work / "x1.log")
        print("ours, 3x from scratch…", file=sys.stderr)
        results["ours_3x_s"] = train(three, work / "cache-3x", work / "x3.log")
        print("ours, one FAQ entry's phrasings changed, with the cache of the 1x training…", file=sys.stderr)
        faq = one / "nlu" / "generated" / "faq.yml"
        text = faq.read_text()
        marker = "- intent: faq/jkm_apa\n  examples: |\n"
        faq.write_text(text.replace(marker, marker + "    - santunan kematian pekerja harian berapa ya\n", 1))
        results["ours_small_change_s"] = train(one, work / "cache-1x", work / "small.log", force=False)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    init_s = float(results["rasa_init_s"])
    (OUT / "training.json").write_text(json.dumps(results, indent=2) + "\n")
    rows = [
        ("rasa init from scratch", init_s, None),
        (f"ours 1x from scratch ({results['phrasings_1x']} phrasings)", results["ours_1x_s"], LIMIT_S),
        (f"ours 3x from scratch ({results['phrasings_3x']} phrasings)", results["ours_3x_s"], LIMIT_S),
        ("ours after one FAQ entry's phrasings changed", results["ours_small_change_s"], LIMIT_SMALL_S),
    ]
    for label, seconds, limit in rows:
        versus = f"{float(seconds) / init_s:5.2f}x rasa init" if label != rows[0][0] else ""
        within = "" if limit is None else ("  within" if float(seconds) <= limit else "  OVER") + f" {limit} s"
        print(f"{label:<52}{float(seconds):7.0f} s  {versus}{within}")
    worst = max(float(results["ours_1x_s"]), float(results["ours_3x_s"])) / init_s
    print(f"from scratch, worst of 1x and 3x / rasa init: {worst:.2f}x (target <= {LIMIT_INIT}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
