"""Trains the Rasa model only when its inputs changed (content hash, not file times)."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "var" / "models"
MODEL = MODELS / "assistant.tar.gz"
STAMP = MODELS / "assistant.inputs.sha256"
# Everything that changes what the model learns. Answer texts and facts are NOT here: they are
# rendered at send time, so editing them needs no retraining. Of our Rasa-side code, only the
# components config.yml's pipeline names count (the REST channel is not part of the model).
INPUTS = ["config.yml", "domain.yml", "content/lexicon.yml", "nlu/**/*.yml", "stories/**/*.yml"]
_COMPONENT = re.compile(r"^\s*-?\s*name:\s*rasa_components\.(\w+)\.", re.MULTILINE)


def pipeline_modules() -> list[str]:
    config = (ROOT / "config.yml").read_text()
    return [f"rasa_components/{module}.py" for module in _COMPONENT.findall(config)]


def inputs_hash() -> str:
    digest = hashlib.sha256()
    files = sorted({p for pattern in INPUTS + pipeline_modules() for p in ROOT.glob(pattern) if p.is_file()})
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def main() -> int:
    current = inputs_hash()
    if MODEL.exists() and STAMP.exists() and STAMP.read_text().strip() == current:
        print(f"Model is up to date ({MODEL.relative_to(ROOT)}); nothing to train.")
        return 0
    MODELS.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    command = [
        str(ROOT / ".venv/rasa/bin/rasa"),
        "train",
        "--config",
        "config.yml",
        "--domain",
        "domain.yml",
        "--data",
        "nlu",
        "stories",
        "--out",
        str(MODELS),
        "--fixed-model-name",
        "assistant",
    ]
    result = subprocess.run(command, cwd=ROOT, check=False)
    if result.returncode != 0:
        return result.returncode
    STAMP.write_text(current + "\n")
    print(f"Training took {time.monotonic() - started:.0f}s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
