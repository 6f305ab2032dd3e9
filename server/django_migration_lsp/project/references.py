"""Where a migration file names other migrations, and which file each name means.

The entries of the ``Migration`` class's ``dependencies``, ``run_before`` and
``replaces``, each with the range it covers in the text (the ``("shop", "0002_x")``
tuple, or the ``migrations.swappable_dependency(...)`` call), for the editor's document
links and go-to-definition. Read with ``ast`` from the text as it is (an unsaved buffer
too): the reader (:mod:`.reader`) keeps what the graph needs, not where it was written.

:func:`target` resolves an entry the way Django's loader does (``check_key``):
``__first__`` / ``__latest__`` of another app are that app's first root node / first
leaf node in the graph before squashes replace what they replace; to the migration's own
app, or to an app without migrations, they mean nothing. ``swappable_dependency`` is the
first migration of the user model's app. A name that is no file of the project or of an
installed app has no target.
"""

from __future__ import annotations

import ast
import warnings
from dataclasses import dataclass

from ..checks.base import Range
from ..checks.bindings import Bindings
from ..checks.source import SourceFile
from ..checks.syntax import iter_statements
from .model import Project
from .reader import MigrationKey, dependency_entry

#: The class attributes whose entries name migrations.
FIELDS = ("dependencies", "run_before", "replaces")
#: Django's two special names (``MigrationLoader.check_key``).
SPECIAL = ("__first__", "__latest__")


@dataclass(frozen=True)
class Reference:
    """One entry of ``dependencies``, ``run_before`` or ``replaces``, as written."""

    field: str
    range: Range
    app_label: str
    name: str
    #: For ``swappable_dependency(settings.X)``: ``"X"`` (app and name are then empty).
    swappable: str | None = None


def references(text: str, path: str | None = None) -> list[Reference]:
    """Every readable entry of the three fields, in the order written; ``[]`` for a text
    that does not parse or defines no ``Migration``."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text, filename=path or "<unknown>")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    classes = [n for n in iter_statements(tree.body) if isinstance(n, ast.ClassDef)]
    migration = next((c for c in reversed(classes) if c.name == "Migration"), None)
    if migration is None:
        return []
    source = SourceFile(text, path)
    bindings = Bindings(source, tree)
    values: dict[str, ast.expr] = {}
    for stmt in migration.body:  # the last assignment wins, as in the class body
        if isinstance(stmt, ast.Assign):
            for name in stmt.targets:
                if isinstance(name, ast.Name) and name.id in FIELDS:
                    values[name.id] = stmt.value
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            if stmt.target.id in FIELDS and stmt.value is not None:
                values[stmt.target.id] = stmt.value
    found: list[Reference] = []
    for field in FIELDS:
        node = values.get(field)
        if not isinstance(node, (ast.List, ast.Tuple)):
            continue
        for element in node.elts:
            entry = dependency_entry(element, bindings, field != "replaces")
            if entry is not None:
                found.append(Reference(field, source.node_range(element), *entry))
    return found


def target(project: Project, ref: Reference, app_label: str | None) -> MigrationKey | None:
    """The migration ``ref`` means in ``project``, for a migration of ``app_label``;
    ``None`` when it means none that has a file."""
    app, name = ref.app_label, ref.name
    if ref.swappable is not None:
        value = project.setting(ref.swappable)
        if not value or "." not in value:
            return None
        app = value.split(".", 1)[0]
    if ref.field == "replaces" or name not in SPECIAL or (app, name) in project.infos:
        return (app, name) if (app, name) in project.infos else None
    if app == app_label:
        return None  # Django ignores __first__ / __latest__ of the migration's own app
    # Django resolves them while it builds the graph, before squashes stand in.
    graph = project.unreplaced.graph if project.links.replaced_by else project.graph
    nodes = graph.root_nodes(app) if name == "__first__" else graph.leaf_nodes(app)
    return nodes[0] if nodes and nodes[0] in project.infos else None
