"""The emulator and the demo apart (docs/local-runtime.md): of the emulator's modules
(local_runtime/*.py), only runtime.py imports the demo (local_runtime/demo/)."""

from __future__ import annotations

import ast
from pathlib import Path

LOCAL_RUNTIME = Path(__file__).resolve().parents[2] / "local_runtime"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_only_the_runtime_imports_the_demo():
    importers = {path.name for path in LOCAL_RUNTIME.glob("*.py")
                 if any(name == "local_runtime.demo" or name.startswith("local_runtime.demo.") for name in _imports(path))}
    assert importers == {"runtime.py"}
