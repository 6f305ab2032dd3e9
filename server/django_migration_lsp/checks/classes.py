"""Classes and what they inherit, read statically from this file or the module a name
is imported from (never imported).

Two questions need it:

* does a ``Migration`` override ``unapply()``? django-cms's ``IrreversibleMigration``
  lives in ``cms/migrations/__init__.py`` and does: such a migration decides its own
  rollback (:meth:`ClassReader.overrides_unapply`);
* is a call a ``RunPython``/``RunSQL`` of the project's own, a subclass defined in the
  migration file, in a helper module of the migrations package or anywhere else in the
  project, reached by import, alias or object attribute (``ops.RunPython`` after
  ``ops = _Ops()`` whose class says ``RunPython = RunPython``)? And does that subclass
  give a reverse itself (:func:`operation_class`)?

Names are followed through module-level assignments, imports (relative ones
included), class attributes and instances (``X()``), a few levels deep. Anything else
is unknown, and an unknown class is not an operation: no guess is ever reported.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from functools import cached_property, lru_cache
from pathlib import Path
from typing import NamedTuple

from .bindings import Bindings
from .other_files import find_module, module_class, parse_file
from .source import SourceFile
from .syntax import iter_statements

#: How many levels of base classes are followed.
MAX_DEPTH = 5
#: How many steps (names, attributes, imports) one expression may take to resolve.
MAX_STEPS = 12

_MIGRATIONS = ("django.db.migrations", "django.db.migrations.operations")
RUN_PYTHON = frozenset(
    {f"{m}.RunPython" for m in _MIGRATIONS} | {"django.db.migrations.operations.special.RunPython"}
)
RUN_SQL = frozenset(
    {f"{m}.RunSQL" for m in _MIGRATIONS} | {"django.db.migrations.operations.special.RunSQL"}
)
#: Django's parameters: ``RunPython(code, reverse_code=None, ...)``, ``RunSQL(sql,
#: reverse_sql=None, ...)``.
PARAMETERS = {"RunPython": ("code", "reverse_code"), "RunSQL": ("sql", "reverse_sql")}

Method = ast.FunctionDef | ast.AsyncFunctionDef
Resolver = Callable[[ast.expr], "tuple[ast.ClassDef, dict[str, ast.ClassDef]] | None"]


def django_operation(qualified: str | None) -> str | None:
    """``"RunPython"``/``"RunSQL"`` for Django's own operation classes, else ``None``."""
    if qualified in RUN_PYTHON:
        return "RunPython"
    if qualified in RUN_SQL:
        return "RunSQL"
    return None


# -- modules read statically -------------------------------------------------------------


class StaticModule:
    """One module's top level, read from its ``ast``: what each name is bound to."""

    def __init__(self, tree: ast.Module, bindings: Bindings, name: str | None) -> None:
        self.tree = tree
        self.bindings = bindings
        #: Dotted name, when known (for ``package.submodule`` lookups).
        self.name = name

    @property
    def path(self) -> str | None:
        return self.bindings.source.path

    @cached_property
    def definitions(self) -> dict[str, ast.stmt]:
        """Name -> the last class, function or simple assignment binding it at top level."""
        found: dict[str, ast.stmt] = {}
        for stmt in iter_statements(self.tree.body):
            if isinstance(stmt, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                found[stmt.name] = stmt
            elif isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        found[target.id] = stmt
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                if stmt.value is not None:
                    found[stmt.target.id] = stmt
        return found


@lru_cache(maxsize=256)
def _module_at(path: str, mtime_ns: int, name: str) -> StaticModule | None:
    tree = parse_file(Path(path))
    if tree is None:
        return None
    return StaticModule(tree, Bindings(SourceFile("", path), tree), name)


def read_module(name: str, near: str | None) -> StaticModule | None:
    """The project module ``name`` (dotted), found in a folder above ``near``."""
    path = find_module(name, near)
    if path is None:
        return None
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        return None
    return _module_at(str(path), mtime, name)


# -- values ------------------------------------------------------------------------------


# Plain classes rather than dataclasses: this module is imported by every ``check``.


class ClassValue:
    """A class defined in a module we read."""

    __slots__ = ("node", "module")

    def __init__(self, node: ast.ClassDef, module: StaticModule) -> None:
        self.node = node
        self.module = module


class InstanceValue:
    """``X()`` for a class we read (its class attributes are known, nothing else)."""

    __slots__ = ("cls",)

    def __init__(self, cls: ClassValue) -> None:
        self.cls = cls


class ModuleValue:
    __slots__ = ("module",)

    def __init__(self, module: StaticModule) -> None:
        self.module = module


#: What an expression stands for: one of the above, the dotted name of something we do
#: not read (``"django.db.migrations.RunPython"``), or ``None`` (unknown).
Value = ClassValue | InstanceValue | ModuleValue | str | None


class _Budget:
    def __init__(self) -> None:
        self.left = MAX_STEPS

    def spend(self) -> bool:
        self.left -= 1
        return self.left >= 0


def resolve(expr: ast.expr, module: StaticModule, budget: _Budget | None = None) -> Value:
    """What ``expr``, written at the top level of ``module``, stands for."""
    budget = budget or _Budget()
    if not budget.spend():
        return None
    if isinstance(expr, ast.Name):
        return _name(expr.id, module, budget)
    if isinstance(expr, ast.Attribute):
        return _attribute(resolve(expr.value, module, budget), expr.attr, budget)
    if isinstance(expr, ast.Call):  # ``_Ops()``: an instance (arguments do not matter)
        cls = resolve(expr.func, module, budget)
        return InstanceValue(cls) if isinstance(cls, ClassValue) else None
    return None


def _name(name: str, module: StaticModule, budget: _Budget) -> Value:
    stmt = module.definitions.get(name)
    binding = module.bindings.module_bindings.get(name)
    # The later of a definition and an import wins.
    if binding is not None and (stmt is None or binding.statement.lineno > stmt.lineno):
        return _qualified(binding.qualified, module, budget)
    if isinstance(stmt, ast.ClassDef):
        return ClassValue(stmt, module)
    if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
        return resolve(stmt.value, module, budget)
    return None


def _qualified(qualified: str, near: StaticModule, budget: _Budget) -> Value:
    """An imported dotted name: a project module, a name in one, or a name we do not read."""
    if qualified.startswith("django.") or not budget.spend():
        return qualified
    found = read_module(qualified, near.path)
    if found is not None:
        return ModuleValue(found)
    parent, _, attr = qualified.rpartition(".")
    owner = read_module(parent, near.path) if parent else None
    if owner is None:
        return qualified
    return _name(attr, owner, budget)


def _attribute(owner: Value, attr: str, budget: _Budget) -> Value:
    if owner is None or not budget.spend():
        return None
    if isinstance(owner, str):
        return f"{owner}.{attr}"
    if isinstance(owner, ModuleValue):
        module = owner.module
        if attr in module.definitions or attr in module.bindings.module_bindings:
            return _name(attr, module, budget)
        if module.name:  # ``package.submodule``
            sub = read_module(f"{module.name}.{attr}", module.path)
            return ModuleValue(sub) if sub is not None else None
        return None
    cls = owner.cls if isinstance(owner, InstanceValue) else owner
    return _class_attribute(cls, attr, budget, 0)


def _class_attribute(cls: ClassValue, attr: str, budget: _Budget, depth: int) -> Value:
    """``attr`` as the class body (or a base we read) binds it."""
    found: ast.stmt | None = None
    for stmt in cls.node.body:
        if isinstance(stmt, ast.ClassDef) and stmt.name == attr:
            found = stmt
        elif isinstance(stmt, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == attr for t in stmt.targets
        ):
            found = stmt
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name == attr:
            found = stmt
    if isinstance(found, ast.ClassDef):
        return ClassValue(found, cls.module)
    if isinstance(found, ast.Assign):
        # ``RunPython = RunPython`` in a class body reads the module's ``RunPython``.
        return resolve(found.value, cls.module, budget)
    if found is not None or depth >= MAX_DEPTH:
        return None
    for base in cls.node.bases:
        parent = resolve(base, cls.module, budget)
        if isinstance(parent, ClassValue) and parent.node is not cls.node:
            value = _class_attribute(parent, attr, budget, depth + 1)
            if value is not None:
                return value
    return None


# -- operation classes of the project's own ----------------------------------------------


class Slot(NamedTuple):
    """Where a call passes one argument: by position and/or keyword (``None``: cannot)."""

    position: int | None
    keyword: str | None


class OperationClass(NamedTuple):
    """A ``RunPython``/``RunSQL`` subclass of the project's own, and how it is called."""

    kind: str  # "RunPython" | "RunSQL"
    name: str  # the class's name
    path: str | None  # the file defining it
    #: Where a call passes the forward code/SQL; ``None`` when the class supplies it.
    forward: Slot | None
    #: Where a call passes the reverse; ``None`` when the class gives a reverse itself
    #: or decides reversibility (``reversible``), so that no call site lacks one.
    reverse: Slot | None


def django_slots(kind: str) -> tuple[Slot, Slot]:
    forward, reverse = PARAMETERS[kind]
    return Slot(0, forward), Slot(1, reverse)


def resolve_operation(
    expr: ast.expr, module: StaticModule
) -> tuple[str, OperationClass | None] | None:
    """``(kind, the project's own class or None for Django's)`` if ``expr`` names an
    operation class: Django's reached through attributes (``ops.RunSQL`` after
    ``RunSQL = migrations.RunSQL`` in a class body), or one of the project's own."""
    value = resolve(expr, module)
    if isinstance(value, str):
        kind = django_operation(value)
        return (kind, None) if kind is not None else None
    own = operation_class(value, module) if isinstance(value, ClassValue) else None
    return (own.kind, own) if own is not None else None


def operation_class(expr: ast.expr | ClassValue, module: StaticModule) -> OperationClass | None:
    """The project's own operation class that a callee names, if it is one we can read.

    ``None`` for Django's own classes (the caller knows them), for anything that is not
    a subclass of ``RunPython``/``RunSQL``, and for a subclass whose ``__init__`` we
    cannot follow: better no finding than a wrong one.
    """
    value = expr if isinstance(expr, ClassValue) else resolve(expr, module)
    if not isinstance(value, ClassValue):
        return None
    chain = _operation_chain(value, 0)
    if chain is None:
        return None
    kind, classes = chain
    forward, reverse = django_slots(kind)
    slots: tuple[Slot | None, Slot | None] | None = (forward, reverse)
    for cls in reversed(classes):  # from the class next to Django's down to the one called
        if _defines(cls.node, "reversible"):
            slots = (slots[0], None)
            continue
        init = _method(cls.node, "__init__")
        if init is not None and slots[1] is not None:
            slots = _through_init(init, slots)
            if slots is None:
                return None
    assert slots is not None
    return OperationClass(kind, value.node.name, value.module.path, slots[0], slots[1])


def _operation_chain(cls: ClassValue, depth: int) -> tuple[str, list[ClassValue]] | None:
    """``(kind, [cls, ..., the class whose base is Django's])``, when every base is known.

    A base we cannot read, or a mixin of ours that defines ``__init__`` or
    ``reversible``, may change what the operation does: then ``None``.
    """
    if depth >= MAX_DEPTH:
        return None
    found: tuple[str, list[ClassValue]] | None = None
    for base in cls.node.bases:
        if isinstance(base, ast.Name) and base.id == "object":
            continue
        value = resolve(base, cls.module)
        if isinstance(value, str):
            kind = django_operation(value)
            if kind is not None:
                found = found or (kind, [cls])
            elif not value.startswith("django."):
                return None
            continue
        if not isinstance(value, ClassValue) or value.node is cls.node:
            return None
        inner = _operation_chain(value, depth + 1)
        if inner is not None:
            found = found or (inner[0], [cls, *inner[1]])
        elif _defines_any(value.node, ("reversible", "__init__")):
            return None
    return found


def _method(cls: ast.ClassDef, name: str) -> ast.FunctionDef | None:
    for stmt in cls.body:
        if isinstance(stmt, ast.FunctionDef) and stmt.name == name:
            return stmt
    return None


def _defines(cls: ast.ClassDef, name: str) -> bool:
    return _defines_any(cls, (name,))


def _defines_any(cls: ast.ClassDef, names: tuple[str, ...]) -> bool:
    for stmt in cls.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name in names:
            return True
        if isinstance(stmt, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id in names for t in stmt.targets
        ):
            return True
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            if stmt.target.id in names:
                return True
    return False


def _is_super_init(call: ast.Call) -> int | None:
    """``super().__init__(...)`` -> 0; ``Base.__init__(self, ...)`` -> 1 (``self`` first)."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr == "__init__"):
        return None
    owner = func.value
    if isinstance(owner, ast.Call) and isinstance(owner.func, ast.Name):
        return 0 if owner.func.id == "super" else None
    if isinstance(owner, (ast.Name, ast.Attribute)):
        return 1
    return None


class _Init:
    """An ``__init__`` and the ``super().__init__(...)`` call in it."""

    def __init__(self, init: ast.FunctionDef, call: ast.Call, skip: int) -> None:
        self.init = init
        self.call = call
        args = init.args
        every = [*args.posonlyargs, *args.args]
        #: Positional parameters, without ``self``: a caller's positions.
        self.positional = [a.arg for a in every][1:]
        self.keyword_only = {a.arg for a in args.kwonlyargs}
        self.defaults: dict[str, ast.expr] = {}
        with_default = every[len(every) - len(args.defaults) :]
        for param, default in zip(with_default, args.defaults, strict=True):
            self.defaults[param.arg] = default
        for param, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            if kw_default is not None:
                self.defaults[param.arg] = kw_default
        self.vararg = args.vararg.arg if args.vararg else None
        self.kwarg = args.kwarg.arg if args.kwarg else None
        self.args = call.args[skip:]  # without an explicit ``self``
        self.star_at = next(
            (i for i, a in enumerate(self.args) if isinstance(a, ast.Starred)), None
        )

    def given(self, slot: Slot) -> ast.expr | None:
        """What the call hands the base in ``slot``, if written out."""
        if slot.position is not None and (self.star_at is None or slot.position < self.star_at):
            if slot.position < len(self.args):
                return self.args[slot.position]
        if slot.keyword is not None:
            return next((k.value for k in self.call.keywords if k.arg == slot.keyword), None)
        return None

    def passes_varargs(self) -> bool:
        """``def __init__(self, a, *args)`` -> ``super().__init__(a, *args)``."""
        if self.star_at is None or self.star_at != len(self.positional):
            return False
        star = self.args[self.star_at]
        return (
            isinstance(star, ast.Starred)
            and isinstance(star.value, ast.Name)
            and star.value.id == self.vararg
        )

    def keyword_via_kwargs(self, slot: Slot) -> str | None:
        """The keyword a caller may pass through ``**kwargs`` to reach ``slot``."""
        keyword = slot.keyword
        if keyword is None or self.kwarg is None or keyword in self.positional:
            return None
        passes = any(
            k.arg is None and isinstance(k.value, ast.Name) and k.value.id == self.kwarg
            for k in self.call.keywords
        )
        return keyword if passes else None

    def sets_kwarg(self, key: str) -> bool:
        """Does the body put ``key`` into ``**kwargs`` (or may it: ``kwargs.update``)?"""
        for node in ast.walk(self.init):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == self.kwarg
            ):
                if node.func.attr == "update":
                    return True
                if node.func.attr == "setdefault" and node.args:
                    first = node.args[0]
                    if isinstance(first, ast.Constant) and first.value == key:
                        return True
            elif (
                isinstance(node, ast.Subscript)
                and isinstance(node.ctx, ast.Store)
                and isinstance(node.value, ast.Name)
                and node.value.id == self.kwarg
                and isinstance(node.slice, ast.Constant)
                and node.slice.value == key
            ):
                return True
        return False

    def caller_slot(self, slot: Slot | None, is_reverse: bool) -> Slot | str:
        """Where a caller passes what the base receives in ``slot``; ``"own"`` when this
        ``__init__`` supplies it; ``"never"`` when no caller can."""
        if slot is None:
            return "own"
        if slot.position is not None and self.star_at is not None:
            if slot.position >= self.star_at and self.passes_varargs():
                return Slot(slot.position, self.keyword_via_kwargs(slot))
        given = self.given(slot)
        if given is None:
            keyword = self.keyword_via_kwargs(slot)
            if keyword is None:
                return "never"
            return "own" if self.sets_kwarg(keyword) else Slot(None, keyword)
        if isinstance(given, ast.Name) and (
            given.id in self.positional or given.id in self.keyword_only
        ):
            default = self.defaults.get(given.id)
            if is_reverse and default is not None and not _is_none(default):
                return "own"  # ``reverse_code=RunPython.noop`` by default
            position = self.positional.index(given.id) if given.id in self.positional else None
            return Slot(position, given.id)
        return "never" if _is_none(given) else "own"


def _through_init(
    init: ast.FunctionDef, slots: tuple[Slot | None, Slot | None]
) -> tuple[Slot | None, Slot | None] | None:
    """Where a call of a class with this ``__init__`` passes what its base expects.

    The ``__init__`` must hand the base its arguments (``super().__init__(...)``); a
    reverse it gives itself (not one of its parameters, or a parameter whose default is
    not ``None``) means the call sites need none. ``None``: we cannot tell, or a caller
    could never pass a reverse (then the class is not ours to judge).
    """
    call = next(
        (n for n in ast.walk(init) if isinstance(n, ast.Call) and _is_super_init(n) is not None),
        None,
    )
    if call is None:
        return None
    through = _Init(init, call, _is_super_init(call) or 0)
    forward = through.caller_slot(slots[0], False)
    reverse = through.caller_slot(slots[1], True)
    if forward == "never" or reverse == "never":
        return None
    return (
        forward if isinstance(forward, Slot) else None,
        reverse if isinstance(reverse, Slot) else None,
    )


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


# -- Migration classes that decide their own rollback ------------------------------------


class ClassReader:
    """Base classes of the classes in one file, followed into other modules."""

    def __init__(
        self, bindings: Bindings, classes: dict[str, ast.ClassDef], path: str | None
    ) -> None:
        self.bindings = bindings
        self.classes = classes
        self.path = path

    def imported_class(self, base: ast.expr) -> tuple[ast.ClassDef, dict[str, ast.ClassDef]] | None:
        """The class an imported name stands for, with its module's other classes."""
        qualified = self.bindings.qualified_name(base)
        if qualified is None or qualified.startswith("django."):
            return None
        module, _, name = qualified.rpartition(".")
        found = module_class(module, name, self.path) if module else None
        if found is None:
            return None
        cls, tree = found
        return cls, {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}

    def overrides_unapply(self, class_def: ast.ClassDef | None) -> bool:
        """Does this migration class, or a base class we can read, define ``unapply``?

        Such a class decides its own rollback: django-cms's ``IrreversibleMigration``
        raises ``IrreversibleError`` on purpose. Bases are looked up in this file
        and, statically, in the module they are imported from.
        """
        return self.unapply_method(class_def) is not None

    def unapply_method(self, class_def: ast.ClassDef | None) -> tuple[Method, ast.ClassDef] | None:
        """The ``unapply`` that this class or a base class we can read defines, and that
        class."""
        if class_def is None:
            return None
        return _find_method(class_def, "unapply", self.classes, self.imported_class, 0)


def _find_method(
    cls: ast.ClassDef,
    name: str,
    classes: dict[str, ast.ClassDef],
    resolve: Resolver | None,
    depth: int,
) -> tuple[Method, ast.ClassDef] | None:
    for stmt in cls.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name == name:
            return stmt, cls
    if depth >= MAX_DEPTH:
        return None
    for base in cls.bases:
        found: tuple[Method, ast.ClassDef] | None = None
        if isinstance(base, ast.Name) and base.id in classes and classes[base.id] is not cls:
            found = _find_method(classes[base.id], name, classes, resolve, depth + 1)
        elif resolve is not None:
            imported = resolve(base)
            if imported is not None:
                found = _find_method(imported[0], name, imported[1], None, depth + 1)
        if found is not None:
            return found
    return None
