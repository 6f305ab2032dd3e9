"""A migration file's operations, read from its ``ast`` into Django's own operation objects.

``migrations.AddField("order", "note", models.TextField(null=True))`` in the file becomes
``django.db.migrations.AddField("order", "note", <django.db.models.TextField null=True>)``
here, so that Django's ``state_forwards`` can replay it (:mod:`.state`). Nothing of the
user's project is imported or run:

* names are resolved through the file's import bindings (``migrations``, ``models``,
  ``RP`` after ``import ... as RP``), never matched by bare name;
* only literal arguments are evaluated (strings, numbers, lists, dicts, ...), plus
  objects of Django itself from a few packages that build no connection and read no
  setting (``django.db.models``, ``django.core.validators``, ...);
* ``settings.AUTH_USER_MODEL`` is the value read statically from the settings (or
  Django's default ``auth.User``), never the live setting.

What cannot be read is never guessed:

* an unreadable ``null``/``blank``/``primary_key``/``db_default`` becomes an :class:`Unread`
  marker on a real Django field, which the state reports as unknown; an unreadable
  ``default`` (a callable of the project, ``uuid.uuid4``) becomes an :class:`Unread`
  default, so the field still *has* a default; an unreadable cosmetic argument
  (``verbose_name=_("...")``, ``choices=CHOICES``, ``validators=[...]``) is dropped;
* a field class of the project or of a third-party package (or a Django field that cannot
  be built in the installed Django, e.g. ``db_default`` before 5.0) becomes an
  :class:`OpaqueField` stand-in that knows only what the literal arguments say;
* an operation that cannot be built at all (a custom operation class, a model name
  computed at import time, ``*args``) is kept with ``operation=None`` and the reason,
  so that the state says "unknown from here" instead of lying.

Django's own API differs between versions (``db_default`` is 5.0+, ``RenameIndex`` 4.1+):
every class is looked up in the installed Django, and a missing one is unreadable.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.db import models
from django.db.migrations.operations.base import Operation

from ..checks.bindings import Bindings
from ..checks.operations import class_attribute, migration_class
from ..checks.source import SourceFile
from ..checks.syntax import dotted_name, iter_statements

#: Django packages whose objects may be built from literal arguments: importing them
#: opens no connection and reads no setting. ``django.contrib.gis`` reads
#: ``settings.GDAL_LIBRARY_PATH`` on import, so it is not here.
IMPORTABLE = (
    "django.db.models",
    "django.db.migrations",
    "django.core.validators",
    "django.utils.timezone",
    "django.contrib.postgres",
)
AUTH_USER_MODEL = "django.conf.settings.AUTH_USER_MODEL"
GETTEXT = frozenset(
    f"django.utils.translation.{name}"
    for name in ("gettext", "gettext_lazy", "ugettext", "ugettext_lazy", "pgettext_lazy")
)
DEFAULT_AUTH_USER_MODEL = "auth.User"

#: Field arguments that the historical state's facts depend on. Anything else that
#: cannot be read is dropped: it changes nothing that the rules ask.
ESSENTIAL = frozenset(
    {
        "null",
        "blank",
        "default",
        "db_default",
        "primary_key",
        "to",
        "through",
        "db_column",
        "auto_now",
        "auto_now_add",
        "to_field",
    }
)
#: Of those, the ones a real Django field can carry as an :class:`Unread` marker.
MARKABLE = frozenset({"null", "blank", "default", "db_default", "primary_key"})

#: Operations that change only a model's options, indexes or constraints (not its
#: fields, table or existence): one that cannot be built is skipped, not "unknown".
FIELDS_NEUTRAL = frozenset(
    {
        "AddConstraint",
        "AddIndex",
        "AlterConstraint",
        "AlterIndexTogether",
        "AlterModelManagers",
        "AlterModelOptions",
        "AlterModelTableComment",
        "AlterOrderWithRespectTo",
        "AlterUniqueTogether",
        "RemoveConstraint",
        "RemoveIndex",
        "RenameIndex",
        # django.contrib.postgres.operations, whose import needs psycopg:
        "AddConstraintNotValid",
        "AddIndexConcurrently",
        "RemoveIndexConcurrently",
        "ValidateConstraint",
        "CreateExtension",
        "BloomExtension",
        "BtreeGinExtension",
        "BtreeGistExtension",
        "CITextExtension",
        "CryptoExtension",
        "HStoreExtension",
        "TrigramExtension",
        "UnaccentExtension",
        "CreateCollation",
        "RemoveCollation",
    }
)
#: Operations with no effect on the state unless they carry ``state_operations``.
CODE_OPERATIONS = frozenset({"RunPython", "RunSQL"})
#: Methods that, defined in a local subclass of a Django operation, change how it
#: reads its arguments or what it does to the state.
STATE_METHODS = frozenset({"__init__", "__new__", "state_forwards", "deconstruct"})
TOO_DEEP = "nested too deeply to read"
#: Builtins evaluated on values that were read (unless the module rebinds the name).
CONTAINERS: dict[str, Any] = {
    "set": set,
    "frozenset": frozenset,
    "tuple": tuple,
    "list": list,
    "dict": dict,
}
#: Methods of ``str`` evaluated on a string that was read.
STR_METHODS = frozenset(
    {"lower", "upper", "split", "rsplit", "strip", "lstrip", "rstrip", "replace", "title"}
)


class Unread:
    """A value the migration computes at import time: the source text, not the value."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"<unread {self.text}>"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:  # a placeholder for RunPython code
        raise RuntimeError(f"{self.text} was read statically, not imported")

    def __deepcopy__(self, memo: dict) -> Unread:
        return self


class CannotRead(Exception):
    """An argument that is not a literal or a readable object of Django."""


class OpaqueField(models.Field):
    """A stand-in for a field that cannot be built: a class of the project or of a
    third-party package, or a Django field the installed Django does not accept.

    It knows what the literal arguments said (``None`` where they said nothing it can
    rely on) and survives ``clone()`` (Django's state clones fields)."""

    def __init__(
        self,
        *,
        type_name: str = "?",
        facts: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self.type_name = type_name
        self.facts = dict(facts or {})
        super().__init__(**kwargs)

    def deconstruct(self) -> tuple[str | None, str, list, dict]:
        name, path, args, kwargs = super().deconstruct()
        kwargs.update(type_name=self.type_name, facts=self.facts)
        return name, f"{__name__}.OpaqueField", args, kwargs

    def __repr__(self) -> str:
        return f"<OpaqueField {self.type_name}>"


@dataclass(frozen=True, eq=False)
class ReadOperation:
    """One element of ``Migration.operations``, read statically."""

    #: Position in ``Migration.operations`` (in the enclosing list for nested ones).
    index: int
    line: int
    #: Django's class name (``"AddField"``), or the callee's source text when unknown.
    kind: str
    #: Django's operation object; ``None`` when it could not be built.
    operation: Operation | None
    #: Why it could not be built, or what of it is approximate (``None``: exact).
    problem: str | None = None
    #: Lower-cased names of the models it acts on when readable even if it was not
    #: built; ``None`` when unknown (then any model of the app may have changed).
    targets: tuple[str, ...] | None = None
    #: ``"order.note"`` for each field replaced by an :class:`OpaqueField`.
    stand_ins: tuple[str, ...] = ()
    #: The ``state_operations`` of a ``SeparateDatabaseAndState`` or ``RunSQL``.
    state_operations: tuple[ReadOperation, ...] | None = None
    #: The ``database_operations`` of a ``SeparateDatabaseAndState``.
    database_operations: tuple[ReadOperation, ...] | None = None

    @property
    def fields_neutral(self) -> bool:
        """Does it leave every model's fields and table as they are?"""
        base = self.kind.rpartition(" as ")[2]
        return base in FIELDS_NEUTRAL or (base in CODE_OPERATIONS and not self.state_operations)

    @property
    def built(self) -> bool:
        return self.operation is not None


@dataclass
class MigrationOperations:
    """What :func:`read_operations` found in one migration file."""

    operations: list[ReadOperation] = field(default_factory=list)
    #: Why the list itself could not be read (then nothing after it is known).
    problem: str | None = None
    line: int = 1

    def walk(self) -> Iterator[ReadOperation]:
        """Every operation, nested ones (``SeparateDatabaseAndState``) after their parent."""
        stack = list(reversed(self.operations))
        while stack:
            op = stack.pop()
            yield op
            for nested in (op.database_operations, op.state_operations):
                stack.extend(reversed(nested or ()))


# -- the operations list of the Migration class -------------------------------------


def _module_assignments(tree: ast.Module) -> dict[str, ast.expr | None]:
    """Module-level names bound once by a plain assignment (``None``: bound otherwise too)."""
    return _scope_assignments(tree.body)


def _scope_assignments(body: list[ast.stmt]) -> dict[str, ast.expr | None]:
    found: dict[str, ast.expr | None] = {}
    for stmt in iter_statements(body):
        targets: list[ast.expr] = []
        value = None
        if isinstance(stmt, ast.Assign):
            targets, value = list(stmt.targets), stmt.value
        elif isinstance(stmt, ast.AnnAssign):
            targets, value = [stmt.target], stmt.value
        elif isinstance(stmt, (ast.AugAssign, ast.For, ast.AsyncFor)):
            targets = [stmt.target]
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found[stmt.name] = None
            continue
        for target in targets:
            for node in ast.walk(target):
                if isinstance(node, ast.Name):
                    once = isinstance(target, ast.Name) and node.id not in found
                    found[node.id] = value if once else None
    return found


# -- Django objects by qualified name -------------------------------------------------


@lru_cache(maxsize=512)
def django_object(qualified: str) -> Any:
    """The object of Django named ``qualified``, from :data:`IMPORTABLE` packages only.

    Raises :class:`CannotRead` for anything else, or when the installed Django lacks it
    (or cannot import it: ``django.contrib.postgres`` needs psycopg)."""
    if not qualified.startswith(IMPORTABLE) or qualified.startswith("django.db.models.sql"):
        raise CannotRead(f"`{qualified}`")
    parts = qualified.split(".")
    for cut in range(len(parts) - 1, 1, -1):
        module_name = ".".join(parts[:cut])
        try:
            with no_user_settings():
                obj: Any = importlib.import_module(module_name)
        except ImportError:
            continue
        except Exception as exc:  # ImproperlyConfigured and the like: not readable here
            raise CannotRead(f"`{qualified}` ({type(exc).__name__})") from None
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
        except AttributeError:
            raise CannotRead(f"`{qualified}` is not in Django {_django_version()}") from None
        if inspect.ismodule(obj):
            raise CannotRead(f"`{qualified}` is a module")
        return obj
    raise CannotRead(f"`{qualified}` cannot be imported")


def _django_version() -> str:
    import django

    return django.get_version()


@contextmanager
def no_user_settings() -> Iterator[None]:
    """While Django objects are built: a setting read by Django must fail rather than
    import the user's settings module (``DJANGO_SETTINGS_MODULE`` in the environment)."""
    if "DJANGO_SETTINGS_MODULE" not in os.environ:
        yield
        return
    from django.conf import settings

    if settings.configured:
        yield
        return
    saved = os.environ.pop("DJANGO_SETTINGS_MODULE")
    try:
        yield
    finally:
        os.environ["DJANGO_SETTINGS_MODULE"] = saved


def _is_subclass(obj: Any, base: type) -> bool:
    return isinstance(obj, type) and issubclass(obj, base)


# -- the reader -------------------------------------------------------------------------


class OperationReader:
    """Reads the operation calls of one file into Django objects."""

    def __init__(
        self,
        source: SourceFile,
        tree: ast.Module,
        bindings: Bindings | None = None,
        *,
        auth_user_model: str = DEFAULT_AUTH_USER_MODEL,
    ) -> None:
        self.source = source
        self.tree = tree
        self.bindings = bindings or Bindings(source, tree)
        self.auth_user_model = auth_user_model
        self._assignments: dict[str, ast.expr | None] | None = None
        #: Names bound in the ``Migration`` class body (``state_operations = [...]``
        #: used by ``SeparateDatabaseAndState(state_operations=state_operations)``).
        self._class_scope: dict[str, ast.expr | None] = {}
        self._evaluating: set[str] = set()
        self._classes = {
            n.name: n for n in iter_statements(tree.body) if isinstance(n, ast.ClassDef)
        }

    # -- values ---------------------------------------------------------------------

    def text(self, node: ast.AST) -> str:
        text = ast.unparse(node)
        return text if len(text) <= 60 else text[:57] + "..."

    def qualified(self, node: ast.expr) -> str | None:
        return self.bindings.qualified_name(node)

    def value(self, node: ast.expr) -> Any:
        """The value of a literal expression, or of an object of Django; else CannotRead."""
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            kind = {ast.List: list, ast.Tuple: tuple, ast.Set: set}[type(node)]
            return kind(self._values(node.elts))
        if isinstance(node, ast.Dict):
            out: dict = {}
            for key, val in zip(node.keys, node.values, strict=True):
                if key is None:
                    out.update(self.value(val))
                else:
                    out[self.value(key)] = self.value(val)
            return out
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd, ast.Not)):
            operand = self.value(node.operand)
            if isinstance(node.op, ast.Not):
                return not operand
            if isinstance(operand, (int, float)) and not isinstance(operand, bool):
                return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self.value(node.left), self.value(node.right)
            if type(left) is type(right) and isinstance(left, (str, list, tuple, int, float)):
                return left + right
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Sub, ast.BitOr)):
            left, right = self.value(node.left), self.value(node.right)
            if all(isinstance(v, int) and not isinstance(v, bool) for v in (left, right)) and (
                abs(left) < 2**32 and abs(right) < 2**32
            ):
                ops = {ast.Mult: int.__mul__, ast.Sub: int.__sub__, ast.BitOr: int.__or__}
                return ops[type(node.op)](left, right)
        if isinstance(node, (ast.Name, ast.Attribute)):
            return self._named(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.JoinedStr):
            parts = []
            for part in node.values:
                if isinstance(part, ast.FormattedValue):
                    if part.conversion != -1 or part.format_spec is not None:
                        raise CannotRead(f"`{self.text(node)}`")
                    value = self.value(part.value)
                    if not isinstance(value, (str, int)):
                        raise CannotRead(f"`{self.text(node)}`")
                    parts.append(str(value))
                else:
                    parts.append(self.value(part))
            return "".join(parts)
        if isinstance(node, ast.Subscript):
            container, index = self.value(node.value), self.value(node.slice)
            if isinstance(container, (str, tuple, list)) and isinstance(index, int):
                try:
                    return container[index]
                except IndexError:
                    pass
        raise CannotRead(f"`{self.text(node)}`")

    def _named(self, node: ast.Name | ast.Attribute) -> Any:
        qualified = self.qualified(node)
        if qualified == AUTH_USER_MODEL:
            return self.auth_user_model
        if qualified is not None:
            return django_object(qualified)
        if isinstance(node, ast.Name):
            value = self._assigned(node.id)
            if value is not None and node.id not in self._evaluating:
                self._evaluating.add(node.id)
                try:
                    return self.value(value)
                finally:
                    self._evaluating.discard(node.id)
        raise CannotRead(f"`{self.text(node)}`")

    def _assigned(self, name: str) -> ast.expr | None:
        """The expression a name is bound to once, in the class body or the module."""
        if name in self._class_scope:
            return self._class_scope[name]
        if self._assignments is None:
            self._assignments = _module_assignments(self.tree)
        return self._assignments.get(name)

    def _call(self, node: ast.Call) -> Any:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in STR_METHODS:
            # ``settings.AUTH_USER_MODEL.rsplit(".", 1)[1].lower()`` (django-cms)
            receiver = self.value(func.value)
            if isinstance(receiver, str):
                args, kwargs = self._arguments(node)
                if all(isinstance(a, (str, int)) or a is None for a in [*args, *kwargs.values()]):
                    return getattr(receiver, func.attr)(*args, **kwargs)
            raise CannotRead(f"`{self.text(node)}`")
        if (
            isinstance(func, ast.Name)
            and func.id in CONTAINERS
            and func.id not in self.bindings.module_names
        ):
            # ``set([("event", "code")])``: what makemigrations wrote before Django 2.0.
            args, kwargs = self._arguments(node)
            return CONTAINERS[func.id](*args, **kwargs)
        qualified = self.qualified(func)
        if qualified is None:
            raise CannotRead(f"`{self.text(node)}`")
        if qualified in GETTEXT and node.args:
            return self.value(node.args[-1])
        callee = django_object(qualified)
        if _is_subclass(callee, models.Field):
            built, _ = self.field(node)
            return built
        if not callable(callee) or not qualified.startswith(
            ("django.db.models", "django.core.validators", "django.contrib.postgres")
        ):
            raise CannotRead(f"`{self.text(node)}`")
        args, kwargs = self._arguments(node)
        try:
            return callee(*args, **kwargs)
        except Exception as exc:
            raise CannotRead(f"`{self.text(node)}` ({type(exc).__name__})") from None

    def _values(self, nodes: list[ast.expr]) -> list:
        """The values of a list's elements or a call's arguments, ``*x`` unpacked."""
        out: list = []
        for node in nodes:
            if isinstance(node, ast.Starred):
                out.extend(self.value(node.value))
            else:
                out.append(self.value(node))
        return out

    def _arguments(self, node: ast.Call) -> tuple[list, dict]:
        args = self._values(node.args)
        kwargs = {}
        for kw in node.keywords:
            if kw.arg is None:
                kwargs.update(self.value(kw.value))
            else:
                kwargs[kw.arg] = self.value(kw.value)
        return args, kwargs

    # -- fields ---------------------------------------------------------------------

    def field(self, node: ast.expr) -> tuple[models.Field, str | None]:
        """A field object for ``node``, and why it is a stand-in (``None``: a real one)."""
        if isinstance(node, ast.Name) and node.id not in self._evaluating:
            value = self._assigned(node.id)
            if value is not None:
                self._evaluating.add(node.id)
                try:
                    return self.field(value)
                finally:
                    self._evaluating.discard(node.id)
        if not isinstance(node, ast.Call):
            return self._opaque(self.text(node), {}, None), f"`{self.text(node)}` is not a call"
        qualified = self.qualified(node.func)
        type_name = qualified or self.text(node.func)
        cls: Any = None
        if qualified is not None:
            try:
                cls = django_object(qualified)
            except CannotRead:
                cls = None
        if not _is_subclass(cls, models.Field):
            facts = self._literal_facts(node)
            return self._opaque(type_name, facts, None), f"`{type_name}` is not a Django field"
        if any(isinstance(a, ast.Starred) for a in node.args) or any(
            kw.arg is None for kw in node.keywords
        ):
            return self._opaque(cls.__name__, {}, cls), "`*args`/`**kwargs`"
        args: list[Any] = []
        for arg in node.args:
            try:
                args.append(self.value(arg))
            except CannotRead:
                args.append(Unread(self.text(arg)))
        kwargs: dict[str, Any] = {}
        dropped: list[str] = []
        for kw in node.keywords:
            assert kw.arg is not None
            try:
                kwargs[kw.arg] = self.value(kw.value)
            except CannotRead:
                if kw.arg in MARKABLE:
                    kwargs[kw.arg] = Unread(self.text(kw.value))
                elif kw.arg == "on_delete":
                    kwargs[kw.arg] = models.DO_NOTHING  # how rows are deleted: not a fact here
                elif kw.arg in ESSENTIAL:
                    facts = self._literal_facts(node)
                    return self._opaque(cls.__name__, facts, cls), f"`{kw.arg}` is not literal"
                else:
                    dropped.append(kw.arg)
        if _is_subclass(cls, models.fields.related.RelatedField):
            # ``swappable`` asks the global app registry when the field is cloned.
            kwargs["swappable"] = False
        built = self._construct(cls, args, kwargs)
        if built is None:
            facts = self._literal_facts(node)
            return self._opaque(
                cls.__name__, facts, cls
            ), f"Django {_django_version()} cannot build it"
        return built, None

    def _construct(self, cls: type, args: list, kwargs: dict) -> models.Field | None:
        """``cls(*args, **kwargs)``; else without the cosmetic arguments (one this Django
        does not know, like ``db_comment`` before 4.2); else ``None``."""
        keep = ESSENTIAL | {"on_delete", "swappable"}
        attempts = [kwargs, {k: v for k, v in kwargs.items() if k in keep}]
        for attempt in attempts:
            try:
                built = cls(*args, **attempt)
            except Exception:
                continue
            prepare_field(built)
            return built
        return None

    def _literal_facts(self, node: ast.Call) -> dict[str, Any]:
        """What the keyword arguments say for certain (a literal ``null=True``)."""
        facts: dict[str, Any] = {}
        for kw in node.keywords:
            if kw.arg in ("null", "blank", "primary_key", "auto_now", "auto_now_add"):
                try:
                    value = self.value(kw.value)
                except CannotRead:
                    continue
                if isinstance(value, bool):
                    facts[kw.arg] = value
            elif kw.arg in ("default", "db_default"):
                facts[kw.arg] = True
            elif kw.arg in ("to", "db_column"):
                try:
                    value = self.value(kw.value)
                except CannotRead:
                    continue
                if isinstance(value, str):
                    facts[kw.arg] = value
        return facts

    def _opaque(self, type_name: str, facts: dict[str, Any], cls: type | None) -> OpaqueField:
        """A stand-in. For a Django class, what the arguments do not say is the class's
        default (read from an instance built without arguments); for any other class it
        is unknown (its ``__init__`` may set ``null=True``)."""
        known = dict(facts)
        probe = _probe(cls) if cls is not None else None
        if probe is not None:
            known.setdefault("null", probe.null)
            known.setdefault("blank", probe.blank)
            known.setdefault("primary_key", probe.primary_key)
            known.setdefault("default", probe.has_default())
            known.setdefault("db_default", False)
            known.setdefault("empty_strings_allowed", probe.empty_strings_allowed)
            known.setdefault("many_to_many", bool(probe.many_to_many))
            known.setdefault("auto_now", False)
            known.setdefault("generated", bool(getattr(probe, "generated", False)))
        return OpaqueField(type_name=type_name, facts=known)

    # -- operations -----------------------------------------------------------------

    def operations(self) -> MigrationOperations:
        with no_user_settings():
            try:
                return self._operations()
            except RecursionError:  # expressions nested thousands deep
                return MigrationOperations(problem=TOO_DEEP)

    def _operations(self) -> MigrationOperations:
        cls = migration_class(self.tree)
        if cls is None:
            return MigrationOperations(problem="no `Migration` class")
        self._class_scope = {
            name: value
            for name, value in _scope_assignments(cls.body).items()
            if name != "operations"
        }
        value = class_attribute(cls, "operations")
        if value is None:
            return MigrationOperations(problem="no `operations` list", line=cls.lineno)
        try:
            elements = self._list_elements(value)
        except CannotRead as exc:
            return MigrationOperations(problem=f"`operations` is {exc}", line=value.lineno)
        return MigrationOperations(
            [self._guarded(node, i) for i, node in enumerate(elements)], line=value.lineno
        )

    def _guarded(self, node: ast.expr, index: int) -> ReadOperation:
        try:
            return self.operation(node, index)
        except RecursionError:
            line = getattr(node, "lineno", 1)
            return ReadOperation(
                index,
                line,
                self.text(node.func) if isinstance(node, ast.Call) else "?",
                None,
                TOO_DEEP,
            )

    def _list_elements(self, node: ast.expr, depth: int = 0) -> list[ast.expr]:
        if isinstance(node, (ast.List, ast.Tuple)):
            out: list[ast.expr] = []
            for elt in node.elts:
                if isinstance(elt, ast.Starred):
                    out.extend(self._list_elements(elt.value, depth + 1))
                else:
                    out.append(elt)
            return out
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self._list_elements(node.left, depth + 1) + self._list_elements(
                node.right, depth + 1
            )
        if isinstance(node, ast.Name) and depth < 5:
            value = self._assigned(node.id)
            if value is not None:
                return self._list_elements(value, depth + 1)
        raise CannotRead(f"`{self.text(node)}`, not a list")

    def operation(self, node: ast.expr, index: int) -> ReadOperation:
        line = getattr(node, "lineno", 1)
        if not isinstance(node, ast.Call):
            return ReadOperation(index, line, self.text(node), None, "not a call")
        cls, kind, why = self._operation_class(node.func)
        if cls is None:
            return ReadOperation(index, line, kind, None, why, targets=None)
        try:
            bound = _signature(cls).bind(
                *node.args, **{kw.arg: kw.value for kw in node.keywords if kw.arg is not None}
            )
        except TypeError as exc:
            return ReadOperation(index, line, kind, None, f"arguments: {exc}")
        if any(isinstance(a, ast.Starred) for a in node.args) or any(
            kw.arg is None for kw in node.keywords
        ):
            return ReadOperation(index, line, kind, None, "`*args`/`**kwargs`")
        arguments: dict[str, ast.expr] = dict(bound.arguments)
        targets = self._targets(arguments)
        base = cls.__name__
        values: dict[str, Any] = {}
        stand_ins: list[str] = []
        nested: dict[str, tuple[ReadOperation, ...]] = {}
        problems: list[str] = []
        model = _literal_str(arguments.get("model_name") or arguments.get("name"))
        where = (model, _literal_str(arguments.get("name")))
        try:
            for name, arg in arguments.items():
                values[name] = self._argument(base, name, arg, where, stand_ins, nested, problems)
        except CannotRead as exc:
            return ReadOperation(
                index, line, kind, None, f"`{name}` is {exc}", targets, tuple(stand_ins)
            )
        built: Operation | None
        try:
            built = cls(**values)
        except Exception as exc:
            built, problems = None, [f"{type(exc).__name__}: {exc}"]
        if base == "SeparateDatabaseAndState":
            nested.setdefault("state_operations", ())
            nested.setdefault("database_operations", ())
        if built is not None and any(not n.built for ops in nested.values() for n in ops):
            problems.append("a nested operation could not be read")
        return ReadOperation(
            index,
            line,
            kind,
            built,
            "; ".join(problems) or None,
            targets,
            tuple(stand_ins),
            state_operations=nested.get("state_operations"),
            database_operations=nested.get("database_operations"),
        )

    def _operation_class(self, func: ast.expr) -> tuple[type | None, str, str | None]:
        qualified = self.qualified(func)
        if qualified is not None and qualified.startswith("django."):
            try:
                obj = django_object(qualified)
            except CannotRead as exc:
                return None, qualified.rpartition(".")[2], f"{exc}"
            if _is_subclass(obj, Operation):
                return obj, obj.__name__, None
            return None, self.text(func), f"`{qualified}` is not an operation"
        # A class of this file built on a Django operation, that reads its arguments and
        # changes the state as its base does (django-celery-results' ``FakeAddIndex``).
        local = self._classes.get(func.id) if isinstance(func, ast.Name) else None
        if local is not None and len(local.bases) == 1 and not local.keywords:
            defined = {
                s.name for s in local.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))
            } | {
                t.id
                for s in local.body
                if isinstance(s, ast.Assign)
                for t in s.targets
                if isinstance(t, ast.Name)
            }
            base_name = self.qualified(local.bases[0])
            if base_name and base_name.startswith("django.") and not defined & STATE_METHODS:
                try:
                    base = django_object(base_name)
                except CannotRead:
                    base = None
                if _is_subclass(base, Operation):
                    return base, f"{local.name} as {base.__name__}", None
        name = qualified or (dotted_name(func) or self.text(func))
        return None, name, f"`{name}` is not an operation of Django"

    def _targets(self, arguments: dict[str, ast.expr]) -> tuple[str, ...] | None:
        names = [
            _literal_str(arguments[a])
            for a in ("model_name", "name", "old_name", "new_name")
            if a in arguments
        ]
        if "model_name" in arguments:
            names = [_literal_str(arguments["model_name"])]
        if not names or any(n is None for n in names):
            return None
        return tuple(n.lower() for n in names if n is not None)

    def _argument(
        self,
        base: str,
        name: str,
        arg: ast.expr,
        where: tuple[str | None, str | None],
        stand_ins: list[str],
        nested: dict[str, tuple[ReadOperation, ...]],
        problems: list[str],
    ) -> Any:
        model, field_name = where
        if name == "field" and base in ("AddField", "AlterField"):
            built, why = self.field(arg)
            if why is not None:
                stand_ins.append(f"{model}.{field_name}")
                problems.append(f"{field_name}: {why}")
            return built
        if name == "fields" and base == "CreateModel":
            return self._fields(arg, model, stand_ins, problems)
        if name in ("state_operations", "database_operations"):
            ops = tuple(self.operation(n, i) for i, n in enumerate(self._list_elements(arg)))
            nested[name] = ops
            return [op.operation for op in ops if op.operation is not None]
        if name in ("code", "reverse_code"):
            if isinstance(arg, ast.Constant) and arg.value is None:
                return None
            return Unread(self.text(arg))
        if name in ("sql", "reverse_sql"):
            try:
                return self.value(arg)
            except CannotRead:
                return Unread(self.text(arg))
        if name == "options":
            return self._lenient_dict(arg, problems)
        if name == "bases":
            return self._bases(arg, problems)
        if name == "managers":
            return self._managers(arg, problems)
        return self.value(arg)

    def _fields(
        self, node: ast.expr, model: str | None, stand_ins: list[str], problems: list[str]
    ) -> list[tuple[str, models.Field]]:
        out = []
        for elt in self._list_elements(node):
            if not (isinstance(elt, (ast.Tuple, ast.List)) and len(elt.elts) == 2):
                raise CannotRead(f"`{self.text(elt)}`, not a (name, field) pair")
            name = self.value(elt.elts[0])
            if not isinstance(name, str):
                raise CannotRead(f"`{self.text(elt.elts[0])}`, not a field name")
            built, why = self.field(elt.elts[1])
            if why is not None:
                stand_ins.append(f"{model}.{name}")
                problems.append(f"{name}: {why}")
            out.append((name, built))
        return out

    def _lenient_dict(self, node: ast.expr, problems: list[str]) -> dict:
        """Model options: an unreadable value is an :class:`Unread` (``db_table``,
        ``managed``, ``proxy``) or dropped (anything else)."""
        if not isinstance(node, ast.Dict):
            return self.value(node)
        out: dict = {}
        for key, val in zip(node.keys, node.values, strict=True):
            if key is None:
                raise CannotRead("`**` in options")
            name = self.value(key)
            try:
                out[name] = self.value(val)
            except CannotRead:
                if name in ("db_table", "managed", "proxy"):
                    out[name] = Unread(self.text(val))
                problems.append(f"option `{name}` not read")
        return out

    def _bases(self, node: ast.expr, problems: list[str]) -> tuple:
        if not isinstance(node, (ast.Tuple, ast.List)):
            return self.value(node)
        out = []
        for elt in node.elts:
            try:
                base = self.value(elt)
            except CannotRead:
                problems.append(f"base `{self.text(elt)}` not read")
                continue
            if isinstance(base, str) or _is_subclass(base, models.Model):
                out.append(base)
        return tuple(out) or (models.Model,)

    def _managers(self, node: ast.expr, problems: list[str]) -> list:
        if not isinstance(node, (ast.List, ast.Tuple)):
            return self.value(node)
        out = []
        for elt in node.elts:
            try:
                out.append(self.value(elt))
            except CannotRead:
                problems.append(f"manager `{self.text(elt)}` not read")
        return out


@lru_cache(maxsize=256)
def _signature(cls: type) -> inspect.Signature:
    return inspect.signature(cls)


@lru_cache(maxsize=128)
def _probe(cls: type) -> models.Field | None:
    """An instance of a Django field class built with as few arguments as it takes."""
    for args in ((), ("auth.User", models.DO_NOTHING)):
        try:
            return cls(*args)
        except Exception:
            continue
    return None


def _literal_str(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def prepare_field(built: models.Field) -> None:
    """Make a relation field usable in a state that is never rendered.

    ``field.related_model`` asks the global app registry (which is not populated: no
    settings are configured here); in a state it is the model's reference string, so
    it is set to that, as an instance attribute in front of Django's cached property."""
    remote = getattr(built, "remote_field", None)
    if remote is not None and "related_model" not in built.__dict__:
        built.__dict__["related_model"] = remote.model


def read_operations(
    source: SourceFile,
    tree: ast.Module,
    bindings: Bindings | None = None,
    *,
    auth_user_model: str = DEFAULT_AUTH_USER_MODEL,
) -> MigrationOperations:
    """The operations of the file's ``Migration`` class, as Django objects where possible."""
    return OperationReader(source, tree, bindings, auth_user_model=auth_user_model).operations()
