"""What the forward of a ``RunPython``/``RunSQL`` destroys that a rollback would need.

A reverse that does nothing is right for the ordinary backfill (fill a new column: the
schema rollback drops it again). It loses data when the forward destroys some:

* SQL that deletes rows, drops a table or a column, or truncates (``RunSQL``, or
  ``cursor.execute(...)`` strings and f-strings in the forward function and the
  functions of this file it calls);
* ORM ``.delete()`` calls in those functions;

(not de-duplication: rows deleted because their group counts more than one, the usual
step before a unique constraint, are copies of rows that stay);
* data moved, then its source dropped: the forward reads a model's field (or a model)
  that a later operation of the same migration removes (``RemoveField``, ``DeleteModel``,
  also as a ``SeparateDatabaseAndState`` database operation). A no-op reverse re-adds
  the column (re-creates the table) empty, while the data sits where the forward put it.

DJM004 reports such a forward whose reverse does nothing; DJM001 will not offer a
no-op reverse for one as an automatic fix.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from .effects import (
    executed_sql,
    finds_duplicates,
    get_model_calls,
    mentions,
    module_string_constants,
    orm_deletes,
)
from .operations import ListedOperation, OperationCall, listed_operations
from .sql import created_tables, destructive_statements

if TYPE_CHECKING:
    from .context import MigrationContext

_EXECUTE = frozenset({"execute", "executemany", "executescript"})
_DELETE = frozenset({"delete", "_raw_delete"})
#: How much of a statement or call a message quotes.
QUOTE = 50


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE else text[: QUOTE - 3] + "..."


@dataclass(frozen=True)
class Loss:
    """Something the forward destroys."""

    #: ``"runs `DROP TABLE constance_config`"``: what the forward does.
    what: str
    #: ``"table `constance_config` and its rows stay gone"``: after a no-op rollback.
    consequence: str
    #: The line that does it.
    line: int

    def describe(self) -> str:
        return f"{self.what} (line {self.line})"


def _sql_losses(sql: str, line: int, created: set[str]) -> list[Loss]:
    found = []
    for statement in destructive_statements(sql):
        if statement.deduplicates:
            continue  # the rows that stay hold the same data
        table = statement.table
        if statement.kind == "DROP TABLE" and table and table.lower() in created:
            continue  # a table made by the same operation (a temporary table)
        what = f"runs `{_quote(statement.head)}`"
        if statement.kind == "DROP TABLE":
            consequence = (
                f"table `{table}` and its rows stay gone" if table else "the table stays gone"
            )
        elif statement.kind == "DROP COLUMN":
            consequence = f"column `{statement.column}` and its values stay gone"
        else:
            consequence = "the deleted rows stay gone"
        found.append(Loss(what, consequence, line))
    return found


def _sql_of(node: ast.expr | None) -> list[tuple[str, int]]:
    """The SQL strings of a ``RunSQL`` argument: a string, a list of strings or of
    ``(sql, params)`` pairs."""
    if node is None:
        return []
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [(node.value, node.lineno)]
    if isinstance(node, (ast.List, ast.Tuple)):
        out = []
        for elt in node.elts:
            if isinstance(elt, (ast.List, ast.Tuple)) and elt.elts:
                elt = elt.elts[0]
            if isinstance(elt, ast.Constant) and isinstance(elt.value, str):
                out.append((elt.value, elt.lineno))
        return out
    return []


class Losses:
    """The losses of each operation of one file, computed once."""

    def __init__(self, ctx: MigrationContext) -> None:
        self.ctx = ctx
        self._cache: dict[int, list[Loss]] = {}

    @cached_property
    def listed(self) -> list[ListedOperation]:
        return listed_operations(self.ctx.tree, self.ctx.bindings)

    @cached_property
    def _module_constants(self) -> dict[str, str]:
        return module_string_constants(self.ctx.tree)

    def of(self, op: OperationCall) -> list[Loss]:
        """What ``op``'s forward destroys (in source order)."""
        key = id(op.call)
        if key not in self._cache:
            self._cache[key] = self._compute(op)
        return self._cache[key]

    def _compute(self, op: OperationCall) -> list[Loss]:
        if op.kind == "RunSQL":
            pieces = _sql_of(op.argument(0, "sql"))
            created = set().union(*(created_tables(sql) for sql, _ in pieces))
            return [loss for sql, line in pieces for loss in _sql_losses(sql, line, created)]
        forward = op.argument(0, "code")
        fn = self.ctx.reach.lookup_callable(forward, op.class_def) if forward is not None else None
        if fn is None:
            return []
        functions = self.ctx.reach.reached_from(fn)
        found: list[Loss] = []
        for function in functions:
            # The identifiers of the function's text (a regex at C speed) rule most
            # functions out before any walk of their nodes.
            words = self.ctx.locate.identifiers(function)
            if words & _EXECUTE:
                sql = executed_sql(function, self._module_constants)
                created = set().union(*(created_tables(s.text) for s in sql))
                for piece in sql:
                    found.extend(_sql_losses(piece.text, piece.node.lineno, created))
            if not words & _DELETE or finds_duplicates(function):
                continue  # no delete, or de-duplication: the rows that stay hold the same data
            for call in orm_deletes(function):
                found.append(
                    Loss(
                        f"deletes rows with `{_quote(ast.unparse(call))}`",
                        "the deleted rows stay gone",
                        call.lineno,
                    )
                )
        found.extend(self._moved(op, functions))
        return sorted(found, key=lambda loss: loss.line)

    def _moved(self, op: OperationCall, functions: list) -> list[Loss]:
        """Fields and models the forward reads that a later operation removes."""
        index = next((o.index for o in self.listed if o.contains(op.call)), None)
        if index is None:
            return []
        removals = [
            removal
            for later in self.listed[index + 1 :]
            for removal in (later, *later.database)
            if removal.kind in ("RemoveField", "DeleteModel")
        ]
        if not removals:
            return []
        models: dict[str, str] = {}
        for function in functions:
            if "get_model" in self.ctx.locate.identifiers(function):
                for got in get_model_calls(function):
                    models.setdefault(got.model_name.lower(), got.model_name)
        if not models:
            return []
        read: set[str] | None = None
        found = []
        for removal in removals:
            if removal.kind == "DeleteModel":
                model = (removal.literal(0, "name") or "").lower()
                if model in models:
                    found.append(
                        Loss(
                            f"reads `{models[model]}`, which `DeleteModel` then drops",
                            f"re-creates `{models[model]}` empty",
                            removal.node.lineno,
                        )
                    )
                continue
            model = (removal.literal(0, "model_name") or "").lower()
            field = removal.literal(1, "name")
            if model not in models or not field:
                continue
            if read is None:
                read = set().union(*(mentions(f) for f in functions))
            if field in read:
                found.append(
                    Loss(
                        f"reads `{models[model]}.{field}`, which `RemoveField` then drops",
                        f"re-adds `{model}.{field}` empty",
                        removal.node.lineno,
                    )
                )
        return found
