#!/usr/bin/env python3
"""Container health probe: exits 0 when a URL answers with one of the expected HTTP statuses.

    assistant-healthcheck URL [STATUS ...]      (default status: 200)

The images have no curl; this needs only the standard library. A status other than 200 is for
servers that have no GET route, such as the bot's webhook, which answers GET with 405.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request


def probe(url: str, expected: set[int], timeout: float = 4.0) -> str | None:
    """None when `url` answers with an expected status, else what went wrong."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (a loopback URL from compose.yml)
            status = int(response.status)
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (urllib.error.URLError, OSError) as exc:
        return f"{url}: {exc}"
    return None if status in expected else f"{url}: HTTP {status}, expected {sorted(expected)}"


def main(argv: list[str]) -> int:
    if not argv or not argv[0].startswith("http://"):
        print(__doc__, file=sys.stderr)
        return 2
    problem = probe(argv[0], {int(s) for s in argv[1:]} or {200})
    if problem:
        print(problem, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
