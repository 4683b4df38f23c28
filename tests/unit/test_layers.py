"""The import contract of chalicelib/ (architecture.md): imports point down the layers.

    app.py · handlers · api          ways in: HTTP, websocket, stream, schedule
    bootstrap                        composition root
    notifications                    reminders, escalation
    live · webhooks                  listeners: pushes to operators, deliveries to bots
    services · views · auth          use cases; the JSON shapes
    storage · adapters               DynamoDB (every PynamoDB expression), S3, AWS clients
    domain · clock · config · observability · text    pure rules, no AWS

A module may import from a lower layer or from its own package; an import sideways (another
package of the same layer) or up fails here, function-level imports included. Plain `ast`,
so the check costs no dependency and reads the source exactly as it is.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "chalicelib"

LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"domain", "clock", "config", "observability", "text"}),
    frozenset({"storage", "adapters"}),
    frozenset({"services", "views", "auth"}),
    frozenset({"live", "webhooks"}),
    frozenset({"notifications"}),
    frozenset({"bootstrap"}),
    frozenset({"handlers", "api"}),
)
LAYER_OF = {part: number for number, parts in enumerate(LAYERS) for part in parts}

# Libraries that talk to AWS or are AWS's: the domain stays plain Python.
AWS_LIBRARIES = {"boto3", "botocore", "pynamodb", "chalice", "aws_lambda_powertools"}
# Development-only code must never be packaged into the Lambda.
DEVELOPMENT_ONLY = {"moto", "pytest", "local_runtime", "tests", "bench", "ops", "infra", "playwright"}


def part_of(module: str) -> str | None:
    """`chalicelib.storage.dialogs` -> `storage`; `chalicelib.views` -> `views`."""
    pieces = module.split(".")
    if pieces[0] != "chalicelib" or len(pieces) < 2:
        return None
    return pieces[1]


def imports_of(source: str) -> list[tuple[int, str]]:
    """(line, imported module) of every import in `source`, at any depth."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            if node.module == "chalicelib":
                # `from chalicelib import bootstrap`: each name is a module of the package.
                found += [(node.lineno, f"chalicelib.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, node.module))
    return found


def violations(module: str, source: str) -> list[str]:
    """What `module` (e.g. `chalicelib.live.pushes`) imports against the contract."""
    here = part_of(module)
    assert here in LAYER_OF, f"{module} is in no layer: add its package to LAYERS"
    found: list[str] = []
    for line, imported in imports_of(source):
        top = imported.split(".")[0]
        if top in DEVELOPMENT_ONLY:
            found.append(f"{module}:{line} imports development-only {imported}")
        if here == "domain" and top in AWS_LIBRARIES:
            found.append(f"{module}:{line}: the domain imports {imported} (no AWS in the domain)")
        if top == "pynamodb" and here != "storage":
            found.append(f"{module}:{line} imports {imported}: PynamoDB belongs in storage/")
        there = part_of(imported)
        if there is None or there == here:
            continue
        if there not in LAYER_OF:
            found.append(f"{module}:{line} imports {imported}, which is in no layer")
        elif LAYER_OF[there] >= LAYER_OF[here]:
            way = "sideways" if LAYER_OF[there] == LAYER_OF[here] else "up"
            found.append(f"{module}:{line} imports {imported}: {here} -> {there} points {way}")
    return found


def chalicelib_modules() -> dict[str, Path]:
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(ROOT).with_suffix("")
        parts = list(relative.parts)
        if parts[-1] == "__init__":
            parts.pop()
        if len(parts) >= 2:
            modules[".".join(parts)] = path
    return modules


def test_every_import_in_chalicelib_points_down_the_layers() -> None:
    modules = chalicelib_modules()
    assert len(modules) > 40, "the walk found too few modules: is PACKAGE right?"
    found = [problem for module, path in modules.items() for problem in violations(module, path.read_text())]
    assert found == []


def test_app_py_imports_only_the_ways_in() -> None:
    allowed = {"handlers", "api"}
    found = [imported for _, imported in imports_of((ROOT / "app.py").read_text())
             if part_of(imported) is not None and part_of(imported) not in allowed]
    assert found == []


def test_an_upward_import_fails_the_contract() -> None:
    # A listener importing the composition root, and storage importing a service.
    assert violations("chalicelib.live.pushes", "from chalicelib.bootstrap import services\n") == [
        "chalicelib.live.pushes:1 imports chalicelib.bootstrap: live -> bootstrap points up"]
    assert violations("chalicelib.storage.dialogs", "def f():\n    from chalicelib.services import dialogs\n") == [
        "chalicelib.storage.dialogs:2 imports chalicelib.services: storage -> services points up"]
    assert violations("chalicelib.webhooks.events", "from chalicelib import api\n") == [
        "chalicelib.webhooks.events:1 imports chalicelib.api: webhooks -> api points up"]


def test_a_sideways_import_and_the_other_rules_fail_the_contract() -> None:
    assert violations("chalicelib.webhooks.delivery", "import chalicelib.live.fanout\n") == [
        "chalicelib.webhooks.delivery:1 imports chalicelib.live.fanout: webhooks -> live points sideways"]
    assert violations("chalicelib.domain.dialog", "import boto3\n") == [
        "chalicelib.domain.dialog:1: the domain imports boto3 (no AWS in the domain)"]
    assert violations("chalicelib.services.bots", "from pynamodb.models import Model\n") == [
        "chalicelib.services.bots:1 imports pynamodb.models: PynamoDB belongs in storage/"]
    assert violations("chalicelib.api.http", "from local_runtime import gateway\n") == [
        "chalicelib.api.http:1 imports development-only local_runtime"]


def test_imports_within_a_package_and_down_are_allowed() -> None:
    source = "from chalicelib.live.fanout import Fanout\nfrom chalicelib.storage.connections import ConnectionStore\n"
    assert violations("chalicelib.live.pushes", source) == []
