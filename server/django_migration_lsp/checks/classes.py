"""Classes and what they inherit, read statically from this file or the module a base
is imported from (never imported).

django-cms's ``IrreversibleMigration`` lives in ``cms/migrations/__init__.py`` and
overrides ``unapply()``: a ``Migration`` built on it decides its own rollback.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from .bindings import Bindings
from .other_files import module_class

#: How many levels of base classes are followed.
MAX_DEPTH = 5

Resolver = Callable[[ast.expr], "tuple[ast.ClassDef, dict[str, ast.ClassDef]] | None"]


class ClassReader:
    """Base classes of the classes in one file, followed into other modules."""

    def __init__(
        self, bindings: Bindings, classes: dict[str, ast.ClassDef], path: str | None
    ) -> None:
        self.bindings = bindings
        self.classes = classes
        self.path = path

    def imported_class(self, base: ast.expr) -> tuple[ast.ClassDef, dict[str, ast.ClassDef]] | None:
        """The class an imported name stands for, with its module's other classes."""
        qualified = self.bindings.qualified_name(base)
        if qualified is None or qualified.startswith("django."):
            return None
        module, _, name = qualified.rpartition(".")
        found = module_class(module, name, self.path) if module else None
        if found is None:
            return None
        cls, tree = found
        return cls, {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}

    def overrides_unapply(self, class_def: ast.ClassDef | None) -> bool:
        """Does this migration class, or a base class we can read, define ``unapply``?

        Such a class decides its own rollback: django-cms's ``IrreversibleMigration``
        raises ``IrreversibleError`` on purpose. Bases are looked up in this file
        and, statically, in the module they are imported from.
        """
        if class_def is None:
            return False
        return _overrides_unapply(class_def, self.classes, self.imported_class, 0)


def _overrides_unapply(
    cls: ast.ClassDef, classes: dict[str, ast.ClassDef], resolve: Resolver | None, depth: int
) -> bool:
    if any(
        isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == "unapply"
        for s in cls.body
    ):
        return True
    if depth >= MAX_DEPTH:
        return False
    for base in cls.bases:
        if isinstance(base, ast.Name) and base.id in classes and classes[base.id] is not cls:
            if _overrides_unapply(classes[base.id], classes, resolve, depth + 1):
                return True
        elif resolve is not None:
            found = resolve(base)
            if found is not None and _overrides_unapply(found[0], found[1], None, depth + 1):
                return True
    return False
