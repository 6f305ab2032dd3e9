"""The ``RunPython`` and ``RunSQL`` operations of a migration file, however spelled.

``migrations.RunPython``, ``RunPython`` imported from ``django.db.migrations``,
``RP`` after ``import ... as RP``, ``migrations.operations.special.RunPython``: the
callee is resolved through the file's import bindings, never matched by bare name.

Subclasses of the project's own count too (:func:`.classes.operation_class`): defined
in the file, in a helper module of the migrations package (``_db_helpers.py``) or
elsewhere in the project, reached by import, alias or attribute (``ops.RunPython``).
Such a call says where its reverse goes (:attr:`OperationCall.reverse_slot`), or that
the class gives one itself.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from .bindings import Bindings
from .classes import (
    RUN_PYTHON,
    RUN_SQL,
    OperationClass,
    Slot,
    StaticModule,
    django_operation,
    django_slots,
    resolve_operation,
)
from .locate import Locator
from .source import SourceFile
from .syntax import dotted_name, iter_statements

__all__ = ["RUN_PYTHON", "RUN_SQL", "OperationCall", "find_operations"]

_WORDS = ("RunPython", "RunSQL")
_MENTIONS = re.compile(r"RunPython|RunSQL")
#: What lets a file through the byte prefilter of the rules that start from its
#: ``RunPython``/``RunSQL`` calls, besides the words: a relative import, which may bring
#: an operation class of the migrations package under a name of its own
#: (``from ._helpers import DataMigration``; rare in migrations, ~0.2% of the corpus).
RELATIVE_IMPORT = b"from ."


@dataclass(frozen=True, eq=False)
class OperationCall:
    """A ``RunPython`` or ``RunSQL`` call, however its callee is spelled."""

    kind: str  # "RunPython" | "RunSQL"
    call: ast.Call
    callee: str  # source text of the callee, e.g. "migrations.RunPython" or "RP"
    class_def: ast.ClassDef | None  # the class whose body holds the call, if any
    #: The project's own subclass the callee names; ``None`` for Django's class.
    custom: OperationClass | None = None

    def argument(self, position: int | None, keyword: str | None) -> ast.expr | None:
        """The argument given at ``position`` or as ``keyword=``, if any."""
        if (
            position is not None
            and position < len(self.call.args)
            and not any(isinstance(a, ast.Starred) for a in self.call.args[: position + 1])
        ):
            return self.call.args[position]
        for kw in self.call.keywords:
            if keyword is not None and kw.arg == keyword:
                return kw.value
        return None

    @property
    def forward_slot(self) -> Slot | None:
        """Where the code/SQL is passed; ``None``: the class supplies it."""
        return self.custom.forward if self.custom is not None else django_slots(self.kind)[0]

    @property
    def reverse_slot(self) -> Slot | None:
        """Where the reverse is passed; ``None``: the class gives one or decides itself."""
        return self.custom.reverse if self.custom is not None else django_slots(self.kind)[1]

    def slot_argument(self, slot: Slot | None) -> ast.expr | None:
        return self.argument(slot.position, slot.keyword) if slot is not None else None

    @property
    def passed_values(self) -> list[ast.expr]:
        """Every argument, for a class of the project's own: any of them may run."""
        return [
            *(a.value if isinstance(a, ast.Starred) else a for a in self.call.args),
            *(k.value for k in self.call.keywords),
        ]

    @property
    def has_unpacking(self) -> bool:
        """``*args`` or ``**kwargs``: what they hold is unknown."""
        return any(isinstance(a, ast.Starred) for a in self.call.args) or any(
            kw.arg is None for kw in self.call.keywords
        )


def _custom_candidates(bindings: Bindings, tree: ast.Module) -> set[str]:
    """Names bound at the top level that may stand for an operation class of the
    project's own: imported under a name that says so or from a module of the
    migrations package itself (``from ._helpers import DataMigration``), or a class or
    assignment whose text says so (``class Op(migrations.RunPython)``,
    ``RP = helpers.RunPython``)."""
    names = {
        b.name
        for b in bindings.module_imports
        if not b.is_star
        and not b.qualified.startswith("django.")
        and (_MENTIONS.search(b.alias.name) or _relative(b.statement))
    }
    for stmt in iter_statements(tree.body):
        if isinstance(stmt, ast.ClassDef):
            if any(_MENTIONS.search(dotted_name(b) or "") for b in stmt.bases):
                names.add(stmt.name)
        elif isinstance(stmt, ast.Assign) and _MENTIONS.search(dotted_name(stmt.value) or ""):
            names.update(t.id for t in stmt.targets if isinstance(t, ast.Name))
    return names - set(_WORDS)


def _relative(node: ast.AST) -> bool:
    return isinstance(node, ast.ImportFrom) and node.level > 0


def find_operations(
    source: SourceFile, tree: ast.Module, bindings: Bindings, locator: Locator
) -> list[OperationCall]:
    """Every ``RunPython``/``RunSQL`` call, found without walking the whole tree.

    Only nodes whose line span covers a line where the words (or the names of the
    project's own operation classes) appear are entered, so a 6,000-line initial
    migration costs a few hundred visits.
    """
    if not any(b.qualified.startswith("django") for b in bindings.module_imports):
        return []
    # ``RP(...)`` after ``from django.db.migrations import RunPython as RP``.
    aliases = {b.name for b in bindings.module_imports if b.qualified in RUN_PYTHON | RUN_SQL}
    custom = _custom_candidates(bindings, tree)
    # ``RunPython`` as a word, and inside a name (``ops.RunPythonLogged``).
    lines = _mention_lines(source)
    for word in aliases | custom:
        lines |= locator.word_lines(word)
    calls: list[OperationCall] = []
    if not lines:
        return calls
    module: StaticModule | None = None
    for child, owner in locator.nodes_on_lines(tree, lines):
        if not isinstance(child, ast.Call):
            continue
        qualified = bindings.qualified_name(child.func)
        kind = django_operation(qualified)
        own: OperationClass | None = None
        if kind is None and _may_be_custom(child.func, qualified, custom):
            module = module or StaticModule(tree, bindings, None)
            found = resolve_operation(child.func, module)
            if found is not None:
                kind, own = found
        if kind is not None:
            callee = source.slice(source.node_range(child.func))
            calls.append(OperationCall(kind, child, callee, owner, own))
    return calls


def _mention_lines(source: SourceFile) -> set[int]:
    """Lines where ``RunPython`` or ``RunSQL`` occurs, even inside a longer name."""
    text = source.text
    lines: set[int] = set()
    for word in _WORDS:
        start = text.find(word)
        while start != -1:
            lines.add(source.line_at(start))
            start = text.find(word, start + len(word))
    return lines


def _may_be_custom(func: ast.expr, qualified: str | None, custom: set[str]) -> bool:
    """Worth resolving: ``ops.RunPython``, ``RunPythonWithTimeout``, a candidate name."""
    if qualified is not None and qualified.startswith("django."):
        return False
    dotted = dotted_name(func)
    if dotted is None:
        return False
    head, _, _ = dotted.partition(".")
    last = dotted.rpartition(".")[2]
    return head in custom or last in custom or _MENTIONS.search(last) is not None


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
