"""App labels for ``apps.get_model(label, name)``, read statically from ``apps.py``.

``apps.get_model`` wants the app *label*, which is the last part of the app's
package unless its ``AppConfig`` sets ``label``. The app's ``apps.py`` is parsed
with ``ast``, never imported.
"""

from __future__ import annotations

import ast
import os
from functools import lru_cache
from pathlib import Path


def default_label(package: str) -> str:
    return package.rpartition(".")[2]


@lru_cache(maxsize=256)
def _labels_in(apps_py: str, mtime_ns: int) -> tuple[tuple[str | None, str | None, bool], ...]:
    """``(name, label, default)`` of every AppConfig-like class in ``apps_py``."""
    try:
        with open(apps_py, "rb") as fh:
            tree = ast.parse(fh.read())
    except (OSError, SyntaxError, ValueError):
        return ()
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
        values: dict[str, object] = {}
        for stmt in node.body:
            if (
                isinstance(stmt, ast.Assign)
                and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)
                and isinstance(stmt.value, ast.Constant)
            ):
                values[stmt.targets[0].id] = stmt.value.value
        name, label = values.get("name"), values.get("label")
        found.append(
            (
                name if isinstance(name, str) else None,
                label if isinstance(label, str) else None,
                values.get("default") is True,
            )
        )
    return tuple(found)


def find_apps_py(package: str, migration_path: str | None) -> Path | None:
    """Locate ``<package>/apps.py`` in a folder above the migration file."""
    if not migration_path:
        return None
    rel = Path(*package.split("."), "apps.py")
    for folder in Path(os.path.abspath(migration_path)).parents:
        candidate = folder / rel
        if candidate.is_file():
            return candidate
    return None


def app_label(package: str, migration_path: str | None) -> str:
    """The label of the app whose package is ``package`` (e.g. ``"shop"``)."""
    if package.startswith("django.contrib."):
        return default_label(package)
    apps_py = find_apps_py(package, migration_path)
    if apps_py is not None:
        try:
            mtime = apps_py.stat().st_mtime_ns
        except OSError:
            mtime = 0
        configs = _labels_in(str(apps_py), mtime)
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
