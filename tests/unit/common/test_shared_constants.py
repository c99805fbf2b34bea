"""The gateway and notification read the constants services/common defines, never a copy.

A copy agrees with its original only until one of them changes: the gateway's agency API
kept its own 5-minute clock skew beside intake's (``AGENCY_CLOCK_SKEW``) and a test pinned
the two equal. Here every module-level constant of the gateway and notification is
compared with those of services/common: one whose value (a time, a span of time, a time
zone, a text) is services/common's, or that has the name of such a constant of its type,
must be imported from there.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from types import ModuleType

import pytest

import services.common
import services.gateway
import services.notification

#: Values compared across modules: a number alike by chance is no shared meaning.
_COMPARED = (datetime, timedelta, tzinfo, str)


def _modules(package: ModuleType) -> list[ModuleType]:
    found = [package]
    for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
        found.append(importlib.import_module(info.name))
    return found


def _assigned(module: ModuleType) -> list[str]:
    """The upper-case names ``module`` assigns at its top level (not those it imports)."""
    source = Path(str(module.__file__)).read_text(encoding="utf-8")
    names = []
    for node in ast.parse(source).body:
        targets = (
            [node.target]
            if isinstance(node, ast.AnnAssign)
            else node.targets
            if isinstance(node, ast.Assign)
            else []
        )
        names += [t.id for t in targets if isinstance(t, ast.Name) and t.id.lstrip("_").isupper()]
    return names


def _constants(package: ModuleType) -> dict[str, tuple[str, object]]:
    """Qualified name -> (name, value) of every constant ``package``'s modules define."""
    return {
        f"{module.__name__}.{name}": (name, getattr(module, name))
        for module in _modules(package)
        for name in _assigned(module)
        if hasattr(module, name)
    }


def _shared(value: object) -> bool:
    return isinstance(value, _COMPARED) and not (isinstance(value, str) and len(value) < 4)


@pytest.mark.parametrize("package", [services.gateway, services.notification])
def test_no_constant_of_services_common_is_copied(package: ModuleType) -> None:
    common = _constants(services.common)
    copies = []
    for where, (name, value) in _constants(package).items():
        for original, (common_name, common_value) in common.items():
            if not (_shared(value) and type(value) is type(common_value)):
                continue
            same_name = name.lstrip("_") == common_name.lstrip("_")
            if same_name or value == common_value:
                copies.append(f"{where} copies {original}")
    assert copies == []
