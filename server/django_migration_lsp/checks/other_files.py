"""Static reads of the user's other files: parsed with ``ast``, never imported.

* App labels for ``apps.get_model(label, name)``: the last part of the app's
  package unless its ``AppConfig`` in ``apps.py`` sets ``label``.
* Base classes of a ``Migration`` defined in another module (django-cms's
  ``IrreversibleMigration`` lives in ``cms/migrations/__init__.py``).
"""

from __future__ import annotations

import ast
import os
from functools import lru_cache
from pathlib import Path


def default_label(package: str) -> str:
    return package.rpartition(".")[2]


@lru_cache(maxsize=256)
def _parse(path: str, mtime_ns: int) -> ast.Module | None:
    try:
        with open(path, "rb") as fh:
            return ast.parse(fh.read())
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def parse_file(path: Path) -> ast.Module | None:
    """A parsed file, cached until it changes on disk; ``None`` if unreadable."""
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        return None
    return _parse(str(path), mtime)


def class_constants(cls: ast.ClassDef) -> dict[str, object]:
    """The ``NAME = <literal constant>`` assignments of a class body (an AppConfig's
    ``name`` and ``label``)."""
    values: dict[str, object] = {}
    for stmt in cls.body:
        if (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
            and isinstance(stmt.value, ast.Constant)
        ):
            values[stmt.targets[0].id] = stmt.value.value
    return values


def _labels_in(apps_py: Path) -> list[tuple[str | None, str | None, bool]]:
    """``(name, label, default)`` of every AppConfig-like class in ``apps_py``."""
    tree = parse_file(apps_py)
    if tree is None:
        return []
    found = []
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        if not any(
            (isinstance(b, ast.Name) and b.id.endswith("AppConfig"))
            or (isinstance(b, ast.Attribute) and b.attr.endswith("AppConfig"))
            for b in node.bases
        ):
            continue
        values = class_constants(node)
        name, label = values.get("name"), values.get("label")
        found.append(
            (
                name if isinstance(name, str) else None,
                label if isinstance(label, str) else None,
                values.get("default") is True,
            )
        )
    return found


def find_in_parents(relative: Path, migration_path: str | None) -> Path | None:
    """Locate ``relative`` (e.g. ``shop/apps.py``) in a folder above the migration file."""
    if not migration_path:
        return None
    for folder in Path(os.path.abspath(migration_path)).parents:
        candidate = folder / relative
        if candidate.is_file():
            return candidate
    return None


def find_module(module: str, migration_path: str | None) -> Path | None:
    """The file of dotted ``module`` (a package's ``__init__.py`` or a ``.py``)."""
    parts = module.split(".")
    return find_in_parents(Path(*parts, "__init__.py"), migration_path) or find_in_parents(
        Path(*parts[:-1], parts[-1] + ".py"), migration_path
    )


def app_label(package: str, migration_path: str | None) -> str:
    """The label of the app whose package is ``package`` (e.g. ``"shop"``)."""
    if package.startswith("django.contrib."):
        return default_label(package)
    apps_py = find_in_parents(Path(*package.split("."), "apps.py"), migration_path)
    if apps_py is not None:
        configs = _labels_in(apps_py)
        ranked = sorted(
            configs,
            key=lambda c: (
                c[0] is not None and (c[0] == package or c[0].endswith("." + package)),
                c[2],
            ),
            reverse=True,
        )
        if ranked and ranked[0][1]:
            return ranked[0][1]
    return default_label(package)


def module_class(
    module: str, name: str, migration_path: str | None
) -> tuple[ast.ClassDef, ast.Module] | None:
    """The class ``name`` defined at the top level of ``module``, read statically."""
    path = find_module(module, migration_path)
    tree = parse_file(path) if path is not None else None
    if tree is None:
        return None
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == name:
            return node, tree
    return None
