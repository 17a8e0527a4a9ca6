"""assistant_core holds domain logic only: no web server, no process control, nothing of the
packages that run it (dashboard/, supervisor/ depend on the core, never the other way round)."""

from __future__ import annotations

import ast
from pathlib import Path

from assistant_core.settings import ROOT

CORE = ROOT / "assistant_core"
# Web servers and frameworks, process control, and our own packages that sit on top of the core.
FORBIDDEN = (
    "tornado",
    "aiohttp",
    "sanic",
    "http.server",
    "socketserver",
    "wsgiref",
    "subprocess",
    "signal",
    "multiprocessing",
    "dashboard",
    "supervisor",
    "bot",
    "actions",
)


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def forbidden_in(path: Path) -> list[str]:
    return sorted(
        name
        for name in imported_modules(path)
        for banned in FORBIDDEN
        if name == banned or name.startswith(banned + ".")
    )


def test_no_module_of_the_core_imports_a_web_server_or_process_control() -> None:
    found = {str(path.relative_to(ROOT)): names for path in sorted(CORE.rglob("*.py")) if (names := forbidden_in(path))}
    assert found == {}, "move these to dashboard/ or supervisor/: " + repr(found)


def test_the_check_sees_every_kind_of_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import subprocess\nfrom http import server\nfrom tornado.web import Application\nimport os\n")
    found = forbidden_in(sample)
    assert {"http.server", "subprocess", "tornado.web"} <= set(found)
    assert not [name for name in found if name.startswith("os")]
