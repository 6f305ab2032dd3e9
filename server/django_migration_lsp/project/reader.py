"""One migration file, read with ``ast`` into a small :class:`MigrationInfo`.

What Django's loader takes from an imported ``Migration`` class, without importing it:
``dependencies`` (with ``migrations.swappable_dependency(settings.X)``, ``__first__`` and
``__latest__`` kept in their raw form, resolved by :mod:`.loader`), ``run_before``,
``replaces``, ``initial`` and ``atomic``; and what the rollback plan needs: the line of
``class Migration``, the models its operations create, and whether the class (or a base
class we can read) overrides ``unapply()`` and what that override does.

Names are resolved through the file's imports (:mod:`checks.bindings`): ``migrations``
may be ``m``, ``settings`` may be ``conf``. A value that cannot be read statically is
not guessed: it is left out and described in :attr:`MigrationInfo.problems`.

A :class:`MigrationInfo` is a frozen dataclass of strings, ints and tuples: cheap to
pickle (the CLI hands a project to worker processes) and to compare (a re-read file
whose info is equal leaves the graph alone).
"""

from __future__ import annotations

import ast
import hashlib
import os
import warnings
from dataclasses import dataclass, field
from functools import cache

from ..checks.bindings import Bindings
from ..checks.classes import ClassReader
from ..checks.source import SourceDecodeError, SourceFile, decode_source
from ..checks.syntax import dotted_name, iter_statements
from ..files import SkippedFile, read_source

MigrationKey = tuple[str, str]

NO_MIGRATION_CLASS = "no `class Migration` in the file"
SWAPPABLE = "django.db.migrations.swappable_dependency"
MIGRATION = "django.db.migrations.Migration"
SETTINGS = "django.conf.settings"
#: Operations that bring a model into the state under a name: ``(callee, name argument)``.
_CREATES = {"CreateModel": (0, "name"), "RenameModel": (1, "new_name")}
#: Operations that take a model out of the state under a name.
_DELETES = {"DeleteModel": (0, "name"), "RenameModel": (0, "old_name")}
_RENAMES = {"RenameModel": (0, "old_name")}
_WRAPPERS = ("SeparateDatabaseAndState",)


@dataclass(frozen=True)
class Dependency:
    """One entry of ``dependencies`` (or ``run_before``) as written.

    ``("shop", "0001_initial")``, ``("auth", "__first__")``, or, for
    ``swappable_dependency(settings.AUTH_USER_MODEL)``, ``swappable="AUTH_USER_MODEL"``
    with ``app_label``/``name`` empty until :mod:`.loader` resolves the setting (Django
    turns it into ``(<the model's app label>, "__first__")``). ``swappable_dependency("a.B")``
    with a literal is resolved here.
    """

    app_label: str
    name: str
    swappable: str | None = None
    line: int = 0

    @property
    def key(self) -> MigrationKey:
        return (self.app_label, self.name)


@dataclass(frozen=True)
class Unapply:
    """An ``unapply()`` override and what it does, read from its body.

    ``kind`` is one of:

    * ``"raises"``: a ``raise`` at the top level of the body: it refuses, every time;
    * ``"raises-if"``: a ``raise`` under a condition (rows exist, a setting is on...);
    * ``"super"``: calls the base ``unapply()``, so the operations are reversed as usual;
    * ``"noop"``: neither: the rollback is recorded and nothing is undone.
    """

    kind: str
    line: int
    #: The class that defines it (``"IrreversibleMigration"``) when not ``Migration``.
    defined_in: str | None
    #: What it raises, as written (``"IrreversibleError('...')"``), for ``raises*``.
    raises: str | None = None
    #: The condition of a conditional raise, as written.
    condition: str | None = None


@dataclass(frozen=True)
class MigrationInfo:
    """What the graph and the rollback plan need from one migration file."""

    app_label: str
    name: str
    path: str
    dependencies: tuple[Dependency, ...] = ()
    run_before: tuple[Dependency, ...] = ()
    #: ``replaces`` as written: keys of the migrations this one squashes.
    replaces: tuple[MigrationKey, ...] = ()
    initial: bool | None = None
    atomic: bool = True
    #: Line of ``class Migration`` (1-based); 0 when the file defines none.
    class_line: int = 0
    #: Model names that ``CreateModel`` / ``RenameModel`` give, in operation order.
    creates: tuple[str, ...] = ()
    #: Model names that ``DeleteModel`` / ``RenameModel`` take away (the state's view:
    #: a ``DeleteModel`` only among a ``SeparateDatabaseAndState``'s database
    #: operations leaves the model in the state).
    deletes: tuple[str, ...] = ()
    #: Does it rename a model (``RenameModel``, however its names are given)? That is
    #: the one operation that changes other apps' models in the state: it repoints
    #: their relations to the renamed model.
    renames: bool = False
    unapply: Unapply | None = None
    #: The file's git blob id (``git hash-object``), to compare with another commit.
    blob: str = ""
    #: The rules' trigger words the file holds (``b"RunPython"``...): a rule whose words
    #: are all absent cannot report on it, and the file need not be read again for it.
    triggers: frozenset[bytes] = frozenset()
    #: What could not be read statically, in words.
    problems: tuple[str, ...] = field(default=(), compare=False)

    @property
    def key(self) -> MigrationKey:
        return (self.app_label, self.name)

    @property
    def is_migration(self) -> bool:
        """Does the file define ``Migration``? Django refuses a module without one."""
        return self.class_line > 0

    def __str__(self) -> str:  # what Django's ``migrate --plan`` prints for a migration
        return f"{self.app_label}.{self.name}"


@cache
def _trigger_words() -> frozenset[bytes]:
    from ..checks.registry import all_rules

    return frozenset(t for rule in all_rules().values() for t in rule.triggers)


def read_file(path: str | os.PathLike[str]) -> bytes:
    """A file's bytes as ``check`` reads them (:func:`..files.read_source`): a regular
    file only, of bounded size, never waiting on a FIFO. ``OSError`` (its message the
    reason) for one that cannot be or is not read."""
    try:
        return read_source(path)
    except SkippedFile as exc:
        raise OSError(str(exc)) from None


def blob_id(data: bytes) -> str:
    """The id git gives these bytes as a blob (``git hash-object``)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def read_migration(path: str, app_label: str, name: str, data: bytes | str) -> MigrationInfo:
    """Read one migration file's contents (bytes from disk or an editor's text).

    Never raises on bad input: an undecodable or unparsable file gives an info with
    ``class_line == 0`` and the reason in ``problems``.
    """
    raw = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
    words = frozenset(t for t in _trigger_words() if t in raw)
    base = MigrationInfo(app_label, name, path, blob=blob_id(raw), triggers=words)
    try:
        text = decode_source(data)[0] if isinstance(data, bytes) else data
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning for invalid escapes etc.
            tree = ast.parse(text, filename=path)
    except SourceDecodeError as exc:
        return _with(base, problems=(str(exc),))
    except SyntaxError as exc:
        return _with(base, problems=(f"SyntaxError: {exc.msg} (line {exc.lineno})",))
    except (ValueError, RecursionError, MemoryError) as exc:
        return _with(base, problems=(f"cannot parse file: {exc}",))
    return _Reader(SourceFile(text, path), tree, base).read()


def _with(info: MigrationInfo, **changes) -> MigrationInfo:
    from dataclasses import replace

    return replace(info, **changes)


class _Reader:
    def __init__(self, source: SourceFile, tree: ast.Module, base: MigrationInfo) -> None:
        self.source = source
        self.tree = tree
        self.base = base
        self.bindings = Bindings(source, tree)
        self.problems: list[str] = []

    def read(self) -> MigrationInfo:
        classes = {
            n.name: n for n in iter_statements(self.tree.body) if isinstance(n, ast.ClassDef)
        }
        migration = classes.get("Migration")
        if migration is None:
            return _with(self.base, problems=(NO_MIGRATION_CLASS,))
        values = self._class_values(migration)
        dependencies = self._dependencies(values.get("dependencies"), "dependencies")
        run_before = self._dependencies(values.get("run_before"), "run_before")
        replaces = tuple(
            d.key for d in self._dependencies(values.get("replaces"), "replaces") if d.app_label
        )
        initial = self._constant(values.get("initial"), (bool, type(None)), "initial")
        atomic = self._constant(values.get("atomic"), (bool,), "atomic")
        override = None
        if "unapply" in self.source.text or not self._plain(migration):
            reader = ClassReader(self.bindings, classes, self.source.path)
            override = reader.unapply_method(migration)
        return _with(
            self.base,
            dependencies=dependencies,
            run_before=run_before,
            replaces=replaces,
            initial=initial if isinstance(initial, bool) else None,
            atomic=atomic if isinstance(atomic, bool) else True,
            class_line=migration.lineno,
            creates=_names(values.get("operations"), _CREATES),
            deletes=_names(values.get("operations"), _DELETES),
            renames=_calls(values.get("operations"), "RenameModel", self.source.text),
            unapply=_unapply(*override, migration, self.source, classes) if override else None,
            problems=tuple(self.problems),
        )

    def _plain(self, cls: ast.ClassDef) -> bool:
        """Is every base class Django's ``Migration`` (nothing to read elsewhere)?"""
        return all(self.bindings.qualified_name(base) == MIGRATION for base in cls.bases)

    # -- the class body --------------------------------------------------------

    def _class_values(self, cls: ast.ClassDef) -> dict[str, ast.expr]:
        """The last value the class body assigns to each name (``X = ...``, ``X: T = ...``)."""
        values: dict[str, ast.expr] = {}
        for stmt in cls.body:
            if isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        values[target.id] = stmt.value
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                if stmt.value is not None:
                    values[stmt.target.id] = stmt.value
            elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
                self.problems.append(
                    f"`{stmt.target.id} +=` on line {stmt.lineno} is not read statically"
                )
        return values

    def _constant(self, node: ast.expr | None, types: tuple[type, ...], what: str) -> object:
        if node is None:
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, types):
            return node.value
        self.problems.append(f"`{what}` on line {node.lineno} is not a literal")
        return None

    def _dependencies(self, node: ast.expr | None, what: str) -> tuple[Dependency, ...]:
        if node is None:
            return ()
        if not isinstance(node, (ast.List, ast.Tuple)):
            self.problems.append(
                f"`{what}` on line {node.lineno} is not a list literal: not read statically"
            )
            return ()
        found: list[Dependency] = []
        for element in node.elts:
            dep = self._dependency(element)
            if dep is None:
                self.problems.append(
                    f"an entry of `{what}` on line {element.lineno} is not read statically: "
                    f"`{self.source.slice(self.source.node_range(element))}`"
                )
            else:
                found.append(dep)
        return tuple(found)

    def _dependency(self, node: ast.expr) -> Dependency | None:
        entry = dependency_entry(node, self.bindings)
        if entry is None:
            return None
        app, name, setting = entry
        return Dependency(app, name, swappable=setting, line=node.lineno)


def dependency_entry(
    node: ast.expr, bindings: Bindings, swappable: bool = True
) -> tuple[str, str, str | None] | None:
    """An entry of ``dependencies`` (or ``replaces``/``run_before``: ``swappable=False``)
    as (app label, migration name, the setting a ``swappable_dependency`` names): an
    ``("app", "name")`` pair, or ``swappable_dependency("app.Model")`` (``__first__`` of
    that app) or ``swappable_dependency(settings.X)`` (app ``""`` until the setting is
    read). ``None`` for anything else."""
    if isinstance(node, (ast.Tuple, ast.List)) and len(node.elts) == 2:
        app, name = node.elts
        if (
            isinstance(app, ast.Constant)
            and isinstance(app.value, str)
            and isinstance(name, ast.Constant)
            and isinstance(name.value, str)
        ):
            return app.value, name.value, None
        return None
    if not (swappable and isinstance(node, ast.Call) and len(node.args) == 1):
        return None
    if node.keywords or bindings.qualified_name(node.func) != SWAPPABLE:
        return None
    (arg,) = node.args
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and "." in arg.value:
        return arg.value.split(".", 1)[0], "__first__", None
    if isinstance(arg, ast.Attribute) and bindings.qualified_name(arg.value) == SETTINGS:
        return "", "__first__", arg.attr
    return None


def _names(node: ast.expr | None, operations: dict[str, tuple[int, str]]) -> tuple[str, ...]:
    """The literal model names that ``operations`` (``{callee: (position, keyword)}``)
    are given in an operations list, in order (also inside
    ``SeparateDatabaseAndState(state_operations=[...])``)."""
    if not isinstance(node, (ast.List, ast.Tuple)):
        return ()
    names: list[str] = []
    stack = list(reversed(node.elts))
    while stack:
        call = stack.pop()
        if not isinstance(call, ast.Call):
            continue
        callee = dotted_name(call.func) or ""
        op = callee.rpartition(".")[2]
        if op in operations:
            position, keyword = operations[op]
            arg = _argument(call, position, keyword)
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                names.append(arg.value)
        elif op in _WRAPPERS:
            inner = _argument(call, 1, "state_operations")
            if isinstance(inner, (ast.List, ast.Tuple)):
                stack.extend(reversed(inner.elts))
    return tuple(names)


def _calls(node: ast.expr | None, operation: str, text: str) -> bool:
    """Does the operations list hold a call of ``operation``? Unknown (not a list):
    assumed so. An ASCII ``text`` without the word holds none (the walk of a large
    initial migration's every node costs half its parse); elsewhere an identifier
    written with other characters may still normalise to it (NFKC), so the tree says."""
    if not isinstance(node, (ast.List, ast.Tuple)):
        return node is not None
    if operation not in text and text.isascii():
        return False
    return any(
        isinstance(sub, ast.Call) and (dotted_name(sub.func) or "").rpartition(".")[2] == operation
        for sub in ast.walk(node)
    )


def _argument(call: ast.Call, position: int, keyword: str) -> ast.expr | None:
    if position < len(call.args) and not any(
        isinstance(a, ast.Starred) for a in call.args[: position + 1]
    ):
        return call.args[position]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


def _unapply(
    method: ast.FunctionDef | ast.AsyncFunctionDef,
    owner: ast.ClassDef,
    migration: ast.ClassDef,
    source: SourceFile,
    local: dict[str, ast.ClassDef],
) -> Unapply:
    """What an ``unapply()`` override does, from its body.

    Lines and texts are this file's; for a base class imported from another module,
    only what it does is kept (``line`` is the ``class Migration`` line).
    """
    here = any(owner is cls for cls in local.values())
    line = method.lineno if here else migration.lineno
    defined_in = None if owner is migration else owner.name

    def text(node: ast.AST | None) -> str | None:
        if node is None:
            return None
        if here and hasattr(node, "lineno"):
            return source.slice(source.node_range(node))
        return ast.unparse(node)

    for stmt in method.body:
        if isinstance(stmt, ast.Raise):
            return Unapply("raises", line, defined_in, raises=text(stmt.exc))
    for node in ast.walk(method):
        for block, condition in _guarded(node):
            for sub in (n for stmt in block for n in ast.walk(stmt)):
                if isinstance(sub, ast.Raise):
                    return Unapply(
                        "raises-if",
                        line,
                        defined_in,
                        raises=text(sub.exc),
                        condition=text(condition),
                    )
    calls_super = any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "unapply"
        for n in ast.walk(method)
    )
    return Unapply("super" if calls_super else "noop", line, defined_in)


def _guarded(node: ast.AST):
    """``(statements, condition)`` for each block an ``if``/``while``/``for``/``except`` guards."""
    if isinstance(node, (ast.If, ast.While)):
        yield node.body, node.test
        if node.orelse:
            yield node.orelse, ast.UnaryOp(ast.Not(), node.test)
    elif isinstance(node, (ast.For, ast.AsyncFor)):
        yield node.body, node.iter  # runs once per row: raises only when there are rows
    elif isinstance(node, ast.Try):
        for handler in node.handlers:
            yield handler.body, handler.type
