"""What the editor shows about an operation, from the historical state (for hovers).

* :func:`operation_at`: the operation of ``Migration.operations`` at a line of a file
  (its index as Django counts, and for a ``SeparateDatabaseAndState`` the database
  operation), read with ``ast``;
* :func:`historical_model`: the model as the state has it just before that operation,
  with :func:`describe_model`: each field with its type, null/default, and the migration
  that last changed it;
* :func:`removed_field`: what unapplying a ``RemoveField`` does: the column it re-adds,
  with or without a default, and what the existing rows get (DJM005's question).

Nothing here imports the project's code; the state comes from :class:`~.model.Project`.
"""

from __future__ import annotations

import ast
import warnings
from dataclasses import dataclass
from pathlib import Path

from ..checks.bindings import Bindings
from ..checks.facts import FAILS, FILLED, NO_COLUMN, NULLS, FieldFacts, MigrationKey, ModelFacts
from ..checks.operations import ListedOperation, listed_operations
from ..checks.rules._state import exact_indices, literal_list
from ..checks.source import SourceFile, decode_source
from .model import Project

#: Operations whose first argument names a model of the migration's app.
_MODEL_ARGUMENT = {
    "CreateModel": "name",
    "DeleteModel": "name",
    "AlterModelOptions": "name",
    "AlterModelTable": "name",
    "AlterUniqueTogether": "name",
    "AlterIndexTogether": "name",
    "AlterModelManagers": "name",
    "AlterOrderWithRespectTo": "name",
    "RenameModel": "old_name",
}


@dataclass(frozen=True)
class OperationAt:
    """One operation of a migration file, where the state questions about it go."""

    key: MigrationKey
    #: Its index in ``Migration.operations``, as Django counts.
    index: int
    #: For one of a ``SeparateDatabaseAndState``'s ``database_operations``: its index there.
    database_operation: int | None
    #: Django's class name (``"RemoveField"``), or ``None`` for another callable.
    kind: str | None
    #: The model it names (as written), and the field for a field operation.
    model: str | None
    field: str | None
    line: int
    end_line: int


def operation_at(
    project: Project, path: str, line: int, text: str | bytes | None = None
) -> OperationAt | None:
    """The operation of the file at ``path`` (its ``text``, else the file on disk) that
    spans ``line`` (1-based): the innermost one, a database operation of a
    ``SeparateDatabaseAndState`` rather than the wrapper. ``None`` when the line is in
    none, or the file is not a migration of the project's graph."""
    key = project.migration_of(path)
    if key is None:
        return None
    tree, source = _parse(path, text)
    if tree is None or source is None:
        return None
    listed = listed_operations(tree, Bindings(source, tree))
    exact = exact_indices(tree)
    for op in listed[:exact]:
        if not _spans(op, line):
            continue
        if op.database and literal_list(op.argument(0, "database_operations")):
            for j, nested in enumerate(op.database):
                if _spans(nested, line):
                    return _at(key, op.index, j, nested)
        return _at(key, op.index, None, op)
    return None


def historical_model(project: Project, at: OperationAt, model: str | None = None):
    """The model (``at.model`` unless given) just before the operation, as the state has
    it: :class:`~django_migration_lsp.checks.facts.ModelFacts`, or ``None`` when there
    is no such model there or the state there is unknown."""
    name = model or at.model
    if not name:
        return None
    try:
        return project.model_before(
            at.key, at.index, at.key[0], name, database_operation=at.database_operation
        )
    except LookupError:
        return None


def describe_model(model: ModelFacts) -> list[str]:
    """One line per field: ``"note: TextField, NOT NULL, no default (shop.0001_initial)"``."""
    lines = []
    for field in model.fields:
        by = f" ({field.changed_by[0]}.{field.changed_by[1]})" if field.changed_by else ""
        lines.append(f"{field.name}: {_type(field)}, {_null(field)}, {_default(field)}{by}")
    return lines


@dataclass(frozen=True)
class RemovedField:
    """What unapplying a ``RemoveField`` puts back."""

    model: ModelFacts
    field: FieldFacts
    #: What the existing rows get: :data:`~django_migration_lsp.checks.facts.FILLED`,
    #: ``NULLS``, ``FAILS`` (IntegrityError on a table with rows), ``NO_COLUMN``; ``None``:
    #: unknown.
    rows: str | None

    def describe(self) -> str:
        table = f" to `{self.model.table}`" if self.model.table else ""
        field = self.field
        if self.rows == NO_COLUMN:
            what = (
                "re-creates the many-to-many table"
                if field.many_to_many
                else "re-adds the generated column"
            )
            return f"Unapplying it {what} of `{field.name}`{table}."
        column = field.column or field.name
        head = (
            f"Unapplying it re-adds column `{column}`{table}: {_type(field)}, {_null(field)}, "
            f"{_default(field)}."
        )
        rows = {
            FILLED: f"Existing rows get {_fill(field)}.",
            NULLS: "Existing rows get NULL.",
            FAILS: "On a table with rows it fails with IntegrityError (empty: it passes).",
        }.get(self.rows or "", "What existing rows get is not known statically.")
        return f"{head} {rows}"


def removed_field(project: Project, at: OperationAt) -> RemovedField | None:
    """For a ``RemoveField`` (at the top level or among database operations): the field
    its reverse re-adds, as the state has it just before it; ``None`` when unknown."""
    if at.kind != "RemoveField" or not at.model or not at.field:
        return None
    model = historical_model(project, at)
    field = model.field(at.field) if model is not None else None
    if model is None or field is None:
        return None
    return RemovedField(model, field, field.re_added)


def _fill(field: FieldFacts) -> str:
    """What Django's ``effective_default`` gives the rows of a re-added column."""
    if field.has_default:
        return "the default"
    if field.has_db_default:
        return "the database default"
    if field.auto_now:
        return "the current time"
    return '""'


def _type(field: FieldFacts) -> str:
    return field.type.rpartition(".")[2] if field.opaque else field.type


def _null(field: FieldFacts) -> str:
    return {True: "NULL", False: "NOT NULL"}.get(field.null, "NULL unknown")  # type: ignore[arg-type]


def _default(field: FieldFacts) -> str:
    if field.has_db_default:
        return "db_default"
    if field.has_default:
        return "default"
    if field.auto_now:
        return "auto_now"
    if field.has_default is None:
        return "default unknown"
    if field.blank and field.empty_strings_allowed and field.null is False:
        return 'no default (blank: "")'
    return "no default"


def _spans(op: ListedOperation, line: int) -> bool:
    return op.node.lineno <= line <= (op.node.end_lineno or op.node.lineno)


def _at(key: MigrationKey, index: int, j: int | None, op: ListedOperation) -> OperationAt:
    kind = op.kind
    if kind in _MODEL_ARGUMENT:
        model, field = op.literal(0, _MODEL_ARGUMENT[kind]), None
    else:
        model, field = op.literal(0, "model_name"), op.literal(1, "name")
    node = op.node
    return OperationAt(key, index, j, kind, model, field, node.lineno, node.end_lineno or 0)


def _parse(path: str, text: str | bytes | None) -> tuple[ast.Module | None, SourceFile | None]:
    try:
        data = Path(path).read_bytes() if text is None else text
        decoded = decode_source(data)[0] if isinstance(data, bytes) else data
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(decoded, filename=path)
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None, None
    return tree, SourceFile(decoded, path)
