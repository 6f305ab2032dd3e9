"""Rules are found by walking ``checks/rules``: adding a module adds a rule."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from . import rules as rules_package
from .base import Rule


@cache
def all_rules() -> dict[str, Rule]:
    """Every rule, keyed and ordered by code."""
    found: dict[str, Rule] = {}
    for info in pkgutil.iter_modules(rules_package.__path__):
        module = importlib.import_module(f"{rules_package.__name__}.{info.name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Rule)
                and value.__module__ == module.__name__
            ):
                if value.code in found:
                    raise RuntimeError(f"two rules share the code {value.code}")
                found[value.code] = value()
    return dict(sorted(found.items()))


def get_rule(code: str) -> Rule | None:
    return all_rules().get(code.upper())
