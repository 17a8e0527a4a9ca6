"""Trains the Rasa model only when its inputs changed (content hash, not file times), and publishes it.

Publishing is one atomic rename of the finished file over var/models/assistant.tar.gz. Running
Rasa processes pull that file from the model server of `make run` / `make serve` /
`make cluster` (supervisor/model_server.py) and switch to it within MODEL_PULL_SECONDS, with
no restart. Rasa writes its archive in place, so it trains into var/models/.staging/ first: a
model server never serves half a file.

    scripts/train.py                      # this project, var/models/assistant.tar.gz
    scripts/train.py --root DIR --model F # another copy of the project (tests, benchmarks)
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "var" / "models" / "assistant.tar.gz"
# Everything that changes what the model learns. Answer texts and facts are NOT here: they are
# rendered at send time, so editing them needs no retraining. Of our Rasa-side code, only the
# components config.yml's pipeline names count (the REST channel is not part of the model).
INPUTS = ["config.yml", "domain.yml", "content/lexicon.yml", "nlu/**/*.yml", "stories/**/*.yml"]
_COMPONENT = re.compile(r"^\s*-?\s*name:\s*rasa_components\.(\w+)\.", re.MULTILINE)


def pipeline_modules(root: Path = ROOT) -> list[str]:
    config = (root / "config.yml").read_text()
    return [f"rasa_components/{module}.py" for module in _COMPONENT.findall(config)]


def inputs_hash(root: Path = ROOT) -> str:
    digest = hashlib.sha256()
    # The components are the installed ones (this checkout's), whatever project is trained.
    patterns = [(root, p) for p in INPUTS] + [(ROOT, p) for p in pipeline_modules(root)]
    files = sorted({(base, p) for base, pattern in patterns for p in base.glob(pattern) if p.is_file()})
    for base, path in files:
        digest.update(str(path.relative_to(base)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def stamp_for(model: Path) -> Path:
    return model.with_name(model.name.removesuffix(".tar.gz") + ".inputs.sha256")


def publish(trained: Path, model: Path) -> None:
    """Put a finished model live: one rename on the same filesystem, so readers see old or new."""
    model.parent.mkdir(parents=True, exist_ok=True)
    if trained.parent.stat().st_dev != model.parent.stat().st_dev:
        copy = model.with_name(f".{model.name}.incoming")
        shutil.copyfile(trained, copy)
        trained = copy
    os.replace(trained, model)


def train(root: Path = ROOT, model: Path = MODEL) -> int:
    current = inputs_hash(root)
    stamp = stamp_for(model)
    if model.exists() and stamp.exists() and stamp.read_text().strip() == current:
        print(f"Model is up to date ({model}); nothing to train.")
        return 0
    staging = model.parent / ".staging"
    staging.mkdir(parents=True, exist_ok=True)
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
        str(staging),
        "--fixed-model-name",
        "assistant",
    ]
    result = subprocess.run(command, cwd=root, check=False)
    if result.returncode != 0:
        return result.returncode
    trained_seconds = time.monotonic() - started
    publish(staging / "assistant.tar.gz", model)
    stamp.write_text(current + "\n")
    print(f"Training took {trained_seconds:.0f}s; published {model}.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=ROOT, help="the project to train (default: this one)")
    parser.add_argument("--model", type=Path, help="where to publish (default: ROOT/var/models/assistant.tar.gz)")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    return train(root, (args.model or root / "var" / "models" / "assistant.tar.gz").resolve())


if __name__ == "__main__":
    sys.exit(main())
