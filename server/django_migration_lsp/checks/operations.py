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
