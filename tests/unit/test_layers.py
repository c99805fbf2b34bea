"""The layers of the code: services talk through topics, never through imports.

The bottom layer is the contract (``schemas``) and what every service shares
(``services.common``); each service imports only those and itself; the tools on top (the
CLI, the benchmark) may import anything, and nothing imports them. Every import in the
source is checked, those inside functions too, since a lazy import ties packages as much as
one at the top.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import pytest

ROOT: Final = Path(__file__).resolve().parents[2]

#: What each package may import besides itself. A package not listed here is an error of
#: the layout (a new package must say where it stands).
MAY_IMPORT: Final[dict[str, frozenset[str]]] = {
    "schemas": frozenset(),
    "services.common": frozenset({"schemas"}),
    "services.devtools": frozenset({"schemas", "services.common"}),
    **{
        f"services.{service}": frozenset({"schemas", "services.common"})
        for service in ("intake", "dedup", "escalation", "notification", "ledger", "gateway", "ops")
    },
    # The top: commands that compose services, and the benchmark that runs them all.
    "services.cli": frozenset({"*"}),
    "services.bench": frozenset({"*"}),
}


def package_of(module: str) -> str | None:
    """The layer a module belongs to: ``schemas`` or ``services.<package>``."""
    parts = module.split(".")
    if parts[0] == "schemas":
        return "schemas"
    if parts[0] == "services" and len(parts) >= 2:
        return ".".join(parts[:2])
    return None


def imported_modules(source: str) -> Iterator[str]:
    """Every absolute module an import statement of ``source`` names, at any depth."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # ``from services.intake import regions`` names the module services.intake.regions
            # when regions is one; the package alone already decides the layer.
            yield node.module


def forbidden_imports(module: str, source: str) -> list[tuple[str, str]]:
    """The (importer, imported) pairs of ``source`` that its layer does not allow."""
    own = package_of(module)
    if own is None or own == "services":
        return []
    allowed = MAY_IMPORT.get(own)
    if allowed is None:
        return [(module, f"<{own} is in no layer: add it to MAY_IMPORT>")]
    found = []
    for imported in imported_modules(source):
        target = package_of(imported)
        if target is None or target == own or "*" in allowed or target in allowed:
            continue
        if target == "services":  # ``import services`` alone names no package
            continue
        found.append((module, imported))
    return found


def _modules() -> Iterator[tuple[str, Path]]:
    for top in ("schemas", "services"):
        for path in sorted((ROOT / top).rglob("*.py")):
            relative = path.relative_to(ROOT).with_suffix("")
            parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
            yield ".".join(parts), path


def _all_forbidden() -> list[tuple[str, str]]:
    found = []
    for module, path in _modules():
        found += forbidden_imports(module, path.read_text(encoding="utf-8"))
    return found


def test_no_package_imports_across_its_layer() -> None:
    found = _all_forbidden()
    assert not found, "forbidden imports (services talk through topics):\n" + "\n".join(
        f"  {importer} imports {imported}" for importer, imported in found
    )


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("services.gateway.endpoints", "from services.intake.register import register\n"),
        ("services.dedup.app", "def f() -> None:\n    import services.notification.ids\n"),
        ("services.common.dlq", "from services.cli.options import Bootstrap\n"),
        ("schemas.cases", "from services.common import regions\n"),
        ("services.newcomer.app", "import json\n"),
    ],
    ids=["service-to-service", "lazy", "common-to-cli", "schemas-to-services", "unplaced"],
)
def test_a_forbidden_import_is_found(module: str, source: str) -> None:
    assert forbidden_imports(module, source)


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("services.gateway.endpoints", "from services.common.submitted import parse\n"),
        ("services.cli.offline", "from services.dedup.app import load_config\n"),
        ("services.intake.register", "from schemas.identifiers import case_id_for\n"),
        ("services.common.submitted", "from services.common import regions\n"),
    ],
)
def test_an_allowed_import_passes(module: str, source: str) -> None:
    assert forbidden_imports(module, source) == []
