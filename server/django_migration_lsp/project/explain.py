"""What the editor shows about an operation, from the historical state (for hovers).

* :func:`operation_at`: the operation of ``Migration.operations`` at a line of a file
  (its index as Django counts, and for a ``SeparateDatabaseAndState`` the database
  operation), read with ``ast``;
* :func:`historical_model`: the model as the state has it just before that operation,
  with :func:`describe_model`: each field with its type, null/default, and the migration
  that last changed it;
* :func:`removed_field`: what unapplying a ``RemoveField`` does: the column it re-adds,
  with or without a default, and what the existing rows get (DJM005's question).

The hovers are built on them, at a position of a file as the editor has it:

* :func:`call_at`: the ``get_model`` or ``RemoveField`` call there, read with ``ast``
  alone (no project: most positions have none, and need not wait for the graph);
* :func:`get_model_at` and :func:`explain_get_model`: a historical registry's
  ``get_model`` (``registry_get_model_calls``) in a function that a ``RunPython`` of
  the migration runs (its forward or reverse, directly or through the file's helpers),
  and the model as the state has it just before that ``RunPython``;
* :func:`remove_field_at` and :func:`explain_remove_field`: a ``RemoveField`` (at the
  top level or among database operations) and what its reverse re-adds.

The ``explain_*`` functions return Markdown.

Nothing here imports the project's code; the state comes from :class:`~.model.Project`.
"""

from __future__ import annotations

import ast
import warnings
from dataclasses import dataclass

from ..checks.base import Position, Range
from ..checks.bindings import Bindings
from ..checks.context import MigrationContext
from ..checks.effects import registry_get_model_calls
from ..checks.facts import FAILS, FILLED, NO_COLUMN, NULLS, FieldFacts, MigrationKey, ModelFacts
from ..checks.operations import ListedOperation, listed_operations
from ..checks.rules._state import exact_indices, literal_list, position
from ..checks.source import SourceFile, decode_source
from .model import Project
from .reader import read_file

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
    #: The call's range (code points), in the text it was read from.
    range: Range | None = None

    @property
    def where(self) -> str:
        """``shop.0002_changes`` ``operations[1]`` (``.database_operations[0]``), in Markdown."""
        return _where(self.key, self.index, self.database_operation)


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
                    return _at(key, op.index, j, nested, source)
        return _at(key, op.index, None, op, source)
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
    return [f"{field.name}: {describe_field(field)}" for field in model.fields]


def describe_field(field: FieldFacts) -> str:
    """``"TextField, NOT NULL, no default (shop.0001_initial)"``: its type, null, default
    and the migration that last changed it."""
    by = f" ({field.changed_by[0]}.{field.changed_by[1]})" if field.changed_by else ""
    return f"{_type(field)}, {_null(field)}, {_default(field)}{by}"


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


# -- at a position of a file: the hovers -------------------------------------------------

GET_MODEL = "get_model"
REMOVE_FIELD = "RemoveField"
#: What each direction of a ``RunPython`` is called when it runs.
_RUNS = {"forward": "applied", "reverse": "unapplied"}


def call_at(text: str, line: int, column: int) -> str | None:
    """:data:`GET_MODEL` or :data:`REMOVE_FIELD` when the innermost such call (by its
    callee's name) holds the position (1-based ``line``, ``column`` in code points);
    ``None`` elsewhere, or when ``text`` does not parse. ``ast`` alone: no project."""
    tree, source = _parse("<buffer>", text)
    found = _call_at(tree, source, Position(line, column)) if tree and source else None
    return found[0] if found is not None else None


@dataclass(frozen=True)
class ModelAt:
    """A ``get_model`` call of a historical registry, and one ``RunPython`` of the
    migration that runs the function holding it (the state it sees is the one just
    before that operation)."""

    key: MigrationKey
    #: The ``RunPython``'s index in ``Migration.operations``, and for one among a
    #: ``SeparateDatabaseAndState``'s ``database_operations``, its index there.
    index: int
    database_operation: int | None
    app_label: str
    model_name: str
    #: ``("forward",)``, ``("reverse",)`` or both: what the function runs as.
    runs: tuple[str, ...]
    #: The call's range (code points).
    range: Range

    @property
    def where(self) -> str:
        return _where(self.key, self.index, self.database_operation)


def get_model_at(
    project: Project, path: str, line: int, column: int, text: str | bytes | None = None
) -> list[ModelAt]:
    """The ``X.get_model("app", "Model")`` / ``X.get_model("app.Model")`` call at the
    position, ``X`` the registry its function was given (``registry_get_model_calls``),
    once for each ``RunPython`` of the migration whose forward or reverse runs that
    function, directly or through the file's functions it calls; ``[]`` when there is
    none, or the file is not a migration of the project's graph. In the order of the
    operations."""
    found = _migration_call(project, path, Position(line, column), text, GET_MODEL)
    if found is None:
        return []
    key, tree, source, call = found
    ctx = MigrationContext(source, tree)
    listed = listed_operations(tree, ctx.bindings)
    exact = exact_indices(tree)
    runs: dict[tuple[int, int | None], list[str]] = {}
    named: tuple[str, str] | None = None
    for op in ctx.operations:
        where = position(listed, exact, op.call) if op.kind == "RunPython" else None
        if where is None:
            continue
        for direction, slot in (("forward", op.forward_slot), ("reverse", op.reverse_slot)):
            argument = op.slot_argument(slot)
            if argument is None:
                continue
            fn = ctx.reach.lookup_callable(argument, op.class_def)
            if fn is None:
                continue
            for function in ctx.reach.reached_from(fn):
                got = next(
                    (g for g in registry_get_model_calls(function, ctx.bindings) if g.call is call),
                    None,
                )
                if got is not None:
                    named = (got.app_label, got.model_name)
                    if direction not in runs.setdefault(where, []):
                        runs[where].append(direction)
                    break
    if named is None:
        return []
    rng = source.node_range(call)
    return [
        ModelAt(key, index, j, *named, tuple(directions), rng)
        for (index, j), directions in sorted(runs.items(), key=lambda item: item[0][0])
    ]


def explain_get_model(project: Project, found: list[ModelAt]) -> str:
    """Markdown: for each :class:`ModelAt`, the model as the state has it just before
    its ``RunPython``, one line per field (:func:`describe_field`); or, in one line, that
    there is no such model there (``get_model`` raises ``LookupError``, as DJM006
    says), or that the state there is not known."""
    parts = []
    for at in found:
        runs = " and ".join(at.runs)
        where = f"{at.where} (`RunPython`, {runs})"
        name = f"{at.app_label}.{at.model_name}"
        try:
            model = project.model_before(
                at.key, at.index, at.app_label, at.model_name,
                database_operation=at.database_operation,
            )  # fmt: skip
        except LookupError as exc:
            parts.append(f"**{name}** before {where}: the state there is unknown ({_reason(exc)})")
            continue
        if model is None:
            verb = " or ".join(_RUNS[r] for r in at.runs)
            parts.append(
                f"**{name}** is not in the state before {where}: `get_model` raises "
                f"`LookupError` when this migration is {verb} ({_why_missing(project, at)})"
            )
            continue
        lines = [f"- `{f.name}`: {describe_field(f)}" for f in model.fields] or ["(no fields)"]
        parts.append(f"**{model.app_label}.{model.name}** before {where}\n\n" + "\n".join(lines))
    return "\n\n---\n\n".join(parts)


def remove_field_at(
    project: Project, path: str, line: int, column: int, text: str | bytes | None = None
) -> OperationAt | None:
    """The ``RemoveField(...)`` call at the position: an operation of
    ``Migration.operations``, or one of a ``SeparateDatabaseAndState``'s
    ``database_operations`` (among its ``state_operations`` it never touches the
    database); ``None`` elsewhere, or when the file is not a migration of the graph."""
    found = _migration_call(project, path, Position(line, column), text, REMOVE_FIELD)
    if found is None:
        return None
    key, tree, source, call = found
    listed = listed_operations(tree, Bindings(source, tree))
    where = position(listed, exact_indices(tree), call)
    if where is None:
        return None
    index, j = where
    op = listed[index] if j is None else listed[index].database[j]
    return _at(key, index, j, op, source) if op.kind == REMOVE_FIELD else None


def explain_remove_field(project: Project, at: OperationAt) -> str:
    """Markdown: what unapplying the ``RemoveField`` re-adds (:meth:`RemovedField.describe`),
    or why that is not known."""
    found = removed_field(project, at)
    if found is not None:
        model = found.model
        head = f"**RemoveField** `{model.app_label}.{model.name}.{found.field.name}`, {at.where}"
        if model.has_table is False:
            what = "unmanaged or a proxy"
            return f"{head}\n\n`{model.name}` is {what}: unapplying it changes no table."
        return f"{head}\n\n{found.describe()}"
    head = f"**RemoveField** `{at.key[0]}.{at.model or '?'}.{at.field or '?'}`, {at.where}"
    if not at.model or not at.field:
        return f"{head}: its model or field is not a literal name"
    try:
        model = project.model_before(
            at.key, at.index, at.key[0], at.model, database_operation=at.database_operation
        )
    except LookupError as exc:
        return f"{head}: the state before it is not known ({_reason(exc)})"
    if model is None:
        return f"{head}: there is no model `{at.model}` in the state before it"
    return f"{head}: `{model.name}` has no field `{at.field}` in the state before it"


def _why_missing(project: Project, at: ModelAt) -> str:
    app, name = at.app_label, at.model_name
    creators = project.creators(app, name)
    if not creators:
        return f"no migration of `{app}` creates a model `{name}`"
    if at.key in creators:
        return "this migration creates it, after that operation"
    first = f"{creators[0][0]}.{creators[0][1]}"
    if any(project.is_ancestor(c, at.key) for c in creators):
        return f"`{first}` creates it; a migration before this one deletes or renames it"
    return f"`{first}`, which creates it, does not run before this migration"


def _reason(exc: LookupError) -> str:
    return exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)


def _migration_call(
    project: Project, path: str, pos: Position, text: str | bytes | None, kind: str
) -> tuple[MigrationKey, ast.Module, SourceFile, ast.Call] | None:
    """The migration's key, its tree and text, and the call of ``kind`` at ``pos``."""
    key = project.migration_of(path)
    tree, source = _parse(path, text) if key is not None else (None, None)
    found = _call_at(tree, source, pos) if tree is not None and source is not None else None
    if key is None or tree is None or source is None or found is None or found[0] != kind:
        return None
    return key, tree, source, found[1]


def _call_at(tree: ast.Module, source: SourceFile, pos: Position) -> tuple[str, ast.Call] | None:
    """The innermost call named ``get_model`` (an attribute) or ``RemoveField`` whose
    range holds ``pos``; only the nodes whose lines hold it are entered."""
    found = None
    stack: list[ast.AST] = [tree]
    while stack:
        for child in ast.iter_child_nodes(stack.pop()):
            start = getattr(child, "lineno", None)
            if start is None:
                stack.append(child)  # arguments, comprehensions, ...: no position of their own
                continue
            if not start <= pos.line <= (getattr(child, "end_lineno", None) or start):
                continue
            stack.append(child)
            if isinstance(child, ast.Call):
                kind = _call_kind(child)
                if kind is not None:
                    rng = source.node_range(child)
                    if rng.start <= pos <= rng.end:
                        found = (kind, child)  # each one found is inside the last
    return found


def _call_kind(call: ast.Call) -> str | None:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if name == GET_MODEL and isinstance(func, ast.Attribute):
        return GET_MODEL
    return REMOVE_FIELD if name == REMOVE_FIELD else None


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


def _at(
    key: MigrationKey, index: int, j: int | None, op: ListedOperation, source: SourceFile
) -> OperationAt:
    kind = op.kind
    if kind in _MODEL_ARGUMENT:
        model, field = op.literal(0, _MODEL_ARGUMENT[kind]), None
    else:
        model, field = op.literal(0, "model_name"), op.literal(1, "name")
    node, rng = op.node, source.node_range(op.node)
    return OperationAt(key, index, j, kind, model, field, node.lineno, node.end_lineno or 0, rng)


def _where(key: MigrationKey, index: int, database_operation: int | None) -> str:
    """The migration and the operation, in Markdown code spans."""
    nested = "" if database_operation is None else f".database_operations[{database_operation}]"
    return f"`{key[0]}.{key[1]}` `operations[{index}]{nested}`"


def _parse(path: str, text: str | bytes | None) -> tuple[ast.Module | None, SourceFile | None]:
    try:
        data = read_file(path) if text is None else text
        decoded = decode_source(data)[0] if isinstance(data, bytes) else data
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(decoded, filename=path)
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None, None
    return tree, SourceFile(decoded, path)
