"""What the rules that ask the historical state (DJM005, DJM006) share: where an
operation sits in ``Migration.operations``, as Django counts, and this file's node."""

from __future__ import annotations

import ast
from typing import Any

from ..context import MigrationContext
from ..facts import MigrationKey
from ..operations import ListedOperation, class_attribute, migration_class


def this_migration(ctx: MigrationContext) -> tuple[Any, MigrationKey] | None:
    """``(project, key)`` for this file, when a project view is there and has it."""
    project = ctx.project
    if project is None or not ctx.source.path:
        return None
    key = project.migration_of(ctx.source.path)
    return (project, key) if key is not None else None


def exact_indices(tree: ast.Module) -> int:
    """How many leading elements of ``Migration.operations`` have, among the listed
    operations (:func:`~django_migration_lsp.checks.operations.listed_operations`), the
    index Django gives them: a ``*spread`` or a name in the list makes the indices after
    it unknown."""
    cls = migration_class(tree)
    count, _ = _count(class_attribute(cls, "operations") if cls is not None else None)
    return count


def _count(node: ast.expr | None) -> tuple[int, bool]:
    if isinstance(node, (ast.List, ast.Tuple)):
        for n, element in enumerate(node.elts):
            if isinstance(element, ast.Starred):
                return n, False
        return len(node.elts), True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, complete = _count(node.left)
        if not complete:
            return left, False
        right, complete = _count(node.right)
        return left + right, complete
    return 0, False


def literal_list(node: ast.expr | None) -> bool:
    """A list or tuple literal without ``*spread``: its elements' positions are exact."""
    return isinstance(node, (ast.List, ast.Tuple)) and not any(
        isinstance(e, ast.Starred) for e in node.elts
    )


def position(
    listed: list[ListedOperation], exact: int, node: ast.AST
) -> tuple[int, int | None] | None:
    """``(index, database operation)`` of the operation call ``node``: a top-level
    operation, or one of a ``SeparateDatabaseAndState``'s ``database_operations``.
    ``None`` elsewhere (among ``state_operations``: it never runs on the database) or
    when the index is not exact."""
    for op in listed[:exact]:
        if op.node is node:
            return op.index, None
        if op.database and literal_list(op.argument(0, "database_operations")):
            for j, nested in enumerate(op.database):
                if nested.node is node:
                    return op.index, j
    return None
