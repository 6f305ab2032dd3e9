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

Method = ast.FunctionDef | ast.AsyncFunctionDef
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
        return self.unapply_method(class_def) is not None

    def unapply_method(self, class_def: ast.ClassDef | None) -> tuple[Method, ast.ClassDef] | None:
        """The ``unapply`` that this class or a base class we can read defines, and that
        class."""
        if class_def is None:
            return None
        return _find_method(class_def, "unapply", self.classes, self.imported_class, 0)


def _find_method(
    cls: ast.ClassDef,
    name: str,
    classes: dict[str, ast.ClassDef],
    resolve: Resolver | None,
    depth: int,
) -> tuple[Method, ast.ClassDef] | None:
    for stmt in cls.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name == name:
            return stmt, cls
    if depth >= MAX_DEPTH:
        return None
    for base in cls.bases:
        found: tuple[Method, ast.ClassDef] | None = None
        if isinstance(base, ast.Name) and base.id in classes and classes[base.id] is not cls:
            found = _find_method(classes[base.id], name, classes, resolve, depth + 1)
        elif resolve is not None:
            imported = resolve(base)
            if imported is not None:
                found = _find_method(imported[0], name, imported[1], None, depth + 1)
        if found is not None:
            return found
    return None
