"""Scaffolding for the state tests and ``bench_state.py``: a tree of migration files,
read and replayed in an order that respects their dependencies.

The real order is Django's forwards plan, from the migration graph (another part of the
project); here a topological sort of the dependencies each file declares stands in for
it, with squashed migrations in place of the ones they replace (what Django does on a
database where none of them is applied). Apps are labelled by ``label = "..."`` in their
``apps.py`` or by their folder's name.
"""

from __future__ import annotations

import ast
import graphlib
import re
from dataclasses import dataclass
from pathlib import Path

from django_migration_lsp.checks.bindings import Bindings
from django_migration_lsp.checks.operations import class_attribute, migration_class
from django_migration_lsp.checks.source import SourceFile
from django_migration_lsp.project.operations import MigrationOperations, read_operations
from django_migration_lsp.project.state import HistoricalState

Key = tuple[str, str]
LABEL = re.compile(r"^\s*label\s*=\s*['\"]([\w.]+)['\"]", re.M)


@dataclass
class Migration:
    key: Key
    path: Path
    operations: MigrationOperations
    dependencies: list[Key]
    replaces: list[Key]


def app_label(migrations_dir: Path) -> str:
    apps_py = migrations_dir.parent / "apps.py"
    if apps_py.is_file():
        found = LABEL.search(apps_py.read_text(encoding="utf-8", errors="replace"))
        if found:
            return found.group(1)
    return migrations_dir.parent.name


def _keys(node: ast.expr | None, bindings: Bindings, app: str) -> list[Key]:
    out: list[Key] = []
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _keys(node.left, bindings, app) + _keys(node.right, bindings, app)
    if not isinstance(node, (ast.List, ast.Tuple)):
        return out
    for elt in node.elts:
        if isinstance(elt, (ast.Tuple, ast.List)) and len(elt.elts) == 2:
            parts = [e.value if isinstance(e, ast.Constant) else None for e in elt.elts]
            if all(isinstance(p, str) for p in parts):
                out.append((parts[0], parts[1]))  # type: ignore[arg-type]
        elif isinstance(elt, ast.Call) and (bindings.qualified_name(elt.func) or "").endswith(
            "swappable_dependency"
        ):
            out.append(("auth", "__first__"))
    return out


def read_tree(root: Path, auth_user_model: str = "auth.User") -> dict[Key, Migration]:
    found: dict[Key, Migration] = {}
    for path in sorted(root.rglob("migrations/*.py")):
        if path.name == "__init__.py" or not path.name[:1].isdigit():
            continue
        app = app_label(path.parent)
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        source = SourceFile(text, str(path))
        bindings = Bindings(source, tree)
        cls = migration_class(tree)
        deps = _keys(class_attribute(cls, "dependencies"), bindings, app) if cls else []
        replaces = _keys(class_attribute(cls, "replaces"), bindings, app) if cls else []
        operations = read_operations(source, tree, bindings, auth_user_model=auth_user_model)
        key = (app, path.stem)
        found[key] = Migration(key, path, operations, deps, replaces)
    return found


def static_plan(migrations: dict[Key, Migration]) -> list[Key]:
    """All migrations in an order that respects their dependencies (within the tree)."""
    replaced = {r: m.key for m in migrations.values() for r in m.replaces if r in migrations}
    nodes = {k: m for k, m in migrations.items() if k not in replaced}
    by_app: dict[str, list[Key]] = {}
    for key in sorted(nodes):
        by_app.setdefault(key[0], []).append(key)
    sorter: graphlib.TopologicalSorter = graphlib.TopologicalSorter()
    for key, m in sorted(nodes.items()):
        deps = []
        for dep in m.dependencies:
            dep = replaced.get(dep, dep)
            if dep[1] == "__first__" and dep[0] in by_app:
                dep = by_app[dep[0]][0]
            elif dep[1] == "__latest__" and dep[0] in by_app:
                dep = by_app[dep[0]][-1]
            if dep in nodes and dep != key:
                deps.append(dep)
        sorter.add(key, *deps)
    return list(sorter.static_order())


def replay(migrations: dict[Key, Migration], plan: list[Key]) -> HistoricalState:
    return HistoricalState.replay((key, migrations[key].operations) for key in plan)
