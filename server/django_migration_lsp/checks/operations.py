"""The ``RunPython`` and ``RunSQL`` operations of a migration file, however spelled.

``migrations.RunPython``, ``RunPython`` imported from ``django.db.migrations``,
``RP`` after ``import ... as RP``, ``migrations.operations.special.RunPython``: the
callee is resolved through the file's import bindings, never matched by bare name.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from .bindings import Bindings
from .locate import Locator
from .source import SourceFile
from .syntax import iter_statements

_MIGRATIONS = ("django.db.migrations", "django.db.migrations.operations")
RUN_PYTHON = frozenset(
    {f"{m}.RunPython" for m in _MIGRATIONS} | {"django.db.migrations.operations.special.RunPython"}
)
RUN_SQL = frozenset(
    {f"{m}.RunSQL" for m in _MIGRATIONS} | {"django.db.migrations.operations.special.RunSQL"}
)


@dataclass(frozen=True, eq=False)
class OperationCall:
    """A ``RunPython`` or ``RunSQL`` call, however its callee is spelled."""

    kind: str  # "RunPython" | "RunSQL"
    call: ast.Call
    callee: str  # source text of the callee, e.g. "migrations.RunPython" or "RP"
    class_def: ast.ClassDef | None  # the class whose body holds the call, if any

    def argument(self, position: int, keyword: str) -> ast.expr | None:
        """The argument given at ``position`` or as ``keyword=``, if any."""
        if position < len(self.call.args) and not any(
            isinstance(a, ast.Starred) for a in self.call.args[: position + 1]
        ):
            return self.call.args[position]
        for kw in self.call.keywords:
            if kw.arg == keyword:
                return kw.value
        return None

    @property
    def has_unpacking(self) -> bool:
        """``*args`` or ``**kwargs``: what they hold is unknown."""
        return any(isinstance(a, ast.Starred) for a in self.call.args) or any(
            kw.arg is None for kw in self.call.keywords
        )


def find_operations(
    source: SourceFile, tree: ast.Module, bindings: Bindings, locator: Locator
) -> list[OperationCall]:
    """Every ``RunPython``/``RunSQL`` call, found without walking the whole tree.

    Only nodes whose line span covers a line where the words appear are
    entered, so a 6,000-line initial migration costs a few hundred visits.
    """
    if not any(b.qualified.startswith("django") for b in bindings.module_imports):
        return []
    lines: set[int] = set()
    # ``RP(...)`` after ``from django.db.migrations import RunPython as RP``.
    aliases = {b.name for b in bindings.module_imports if b.qualified in RUN_PYTHON | RUN_SQL}
    for word in {"RunPython", "RunSQL", *aliases}:
        lines |= locator.word_lines(word)
    calls: list[OperationCall] = []
    if not lines:
        return calls
    for child, owner in locator.nodes_on_lines(tree, lines):
        if isinstance(child, ast.Call):
            qualified = bindings.qualified_name(child.func)
            kind = (
                "RunPython"
                if qualified in RUN_PYTHON
                else "RunSQL"
                if qualified in RUN_SQL
                else None
            )
            if kind is not None:
                callee = source.slice(source.node_range(child.func))
                calls.append(OperationCall(kind, child, callee, owner))
    return calls


# -- the Migration class and its operations list ----------------------------------------


def migration_class(tree: ast.Module) -> ast.ClassDef | None:
    """The module's ``Migration`` class (what Django's loader takes), if any."""
    found = None
    for node in iter_statements(tree.body):
        if isinstance(node, ast.ClassDef) and node.name == "Migration":
            found = node
    return found


def class_attribute(cls: ast.ClassDef, name: str) -> ast.expr | None:
    """The expression last assigned to ``name`` in a class body."""
    value = None
    for stmt in iter_statements(cls.body):
        if isinstance(stmt, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in stmt.targets
        ):
            value = stmt.value
        elif (
            isinstance(stmt, ast.AnnAssign)
            and isinstance(stmt.target, ast.Name)
            and stmt.target.id == name
        ):
            value = stmt.value
    return value


@dataclass(frozen=True, eq=False)
class ListedOperation:
    """One element of ``Migration.operations``, as the file spells it."""

    index: int
    node: ast.expr
    #: Django's class name (``"RemoveField"``) when the callee is one of Django's
    #: operations, else ``None``.
    kind: str | None
    #: A ``SeparateDatabaseAndState``'s ``database_operations`` (what the database does).
    database: tuple[ListedOperation, ...] = ()

    def argument(self, position: int, keyword: str) -> ast.expr | None:
        call = self.node
        if not isinstance(call, ast.Call):
            return None
        if position < len(call.args) and not any(
            isinstance(a, ast.Starred) for a in call.args[: position + 1]
        ):
            return call.args[position]
        return next((kw.value for kw in call.keywords if kw.arg == keyword), None)

    def literal(self, position: int, keyword: str) -> str | None:
        node = self.argument(position, keyword)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        return None

    def contains(self, node: ast.AST) -> bool:
        return self.node is node or any(d.contains(node) for d in self.database)


_DJANGO_OPERATIONS = ("django.db.migrations.", "django.db.migrations.operations.")


def _list_elements(node: ast.expr | None) -> list[ast.expr]:
    if isinstance(node, (ast.List, ast.Tuple)):
        return [e for e in node.elts if not isinstance(e, ast.Starred)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _list_elements(node.left) + _list_elements(node.right)
    return []


def _listed(node: ast.expr, index: int, bindings: Bindings) -> ListedOperation:
    kind = None
    database: tuple[ListedOperation, ...] = ()
    if isinstance(node, ast.Call):
        qualified = bindings.qualified_name(node.func) or ""
        if qualified.startswith(_DJANGO_OPERATIONS):
            kind = qualified.rpartition(".")[2]
        if kind == "SeparateDatabaseAndState":
            listed = ListedOperation(index, node, kind)
            ops = _list_elements(listed.argument(0, "database_operations"))
            database = tuple(_listed(n, index, bindings) for n in ops)
    return ListedOperation(index, node, kind, database)


def listed_operations(tree: ast.Module, bindings: Bindings) -> list[ListedOperation]:
    """The elements of the ``Migration`` class's ``operations`` list literal."""
    cls = migration_class(tree)
    if cls is None:
        return []
    elements = _list_elements(class_attribute(cls, "operations"))
    return [_listed(node, i, bindings) for i, node in enumerate(elements)]
