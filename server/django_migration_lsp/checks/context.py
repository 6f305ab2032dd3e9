"""What a migration file binds and what of it runs during ``migrate``.

One ``ast`` parse of the file feeds a :class:`MigrationContext`, which every rule
shares. It answers three questions cheaply:

* what a name is bound to (``migrations`` -> ``django.db.migrations``, ``RP`` ->
  ``django.db.migrations.RunPython``, ``models`` -> ``shop.models``), honouring
  imports made inside functions and local assignments that shadow them;
* which calls are ``RunPython`` / ``RunSQL`` operations, however spelled;
* which functions run at ``migrate`` time: the ``RunPython`` forward and reverse
  callables and, transitively, the module's own functions they use.
"""

from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import PurePath

from .project import module_class
from .source import SourceFile

_MIGRATIONS = ("django.db.migrations", "django.db.migrations.operations")
RUN_PYTHON = frozenset(
    {f"{m}.RunPython" for m in _MIGRATIONS} | {"django.db.migrations.operations.special.RunPython"}
)
RUN_SQL = frozenset(
    {f"{m}.RunSQL" for m in _MIGRATIONS} | {"django.db.migrations.operations.special.RunSQL"}
)
GET_USER_MODEL = frozenset({"django.contrib.auth.get_user_model"})
BUILTIN_NAMES = frozenset(dir(builtins))


def _is_word_char(text: str, index: int) -> bool:
    return 0 <= index < len(text) and (text[index].isalnum() or text[index] == "_")


_IDENTIFIER = re.compile(r"[^\W\d]\w*")

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


@dataclass(frozen=True, eq=False)
class ImportBinding:
    """A name bound by an import statement.

    ``qualified`` is what the name stands for: ``import shop.models`` binds
    ``shop`` to ``"shop"``; ``import shop.models as m`` binds ``m`` to
    ``"shop.models"``; ``from shop.models import Order as O`` binds ``O`` to
    ``"shop.models.Order"``. ``imported`` is the full dotted path the statement
    names (``"shop.models"`` for the first two).
    """

    name: str
    qualified: str
    imported: str
    statement: ast.Import | ast.ImportFrom
    alias: ast.alias
    function: FunctionNode | None = None

    @property
    def is_star(self) -> bool:
        return self.alias.name == "*"


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


@dataclass(frozen=True, eq=False)
class Entry:
    """A function that runs during ``migrate`` and how it is reached."""

    node: FunctionNode
    #: Name of the parameter holding the historical app registry, if known.
    apps_param: str | None
    #: True for a RunPython forward/reverse; False for a helper they use.
    is_operation_callable: bool


def dotted_name(node: ast.expr) -> str | None:
    """``a.b.c`` for a chain of attributes on a name, else ``None``."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def iter_scope(nodes: list[ast.stmt] | ast.AST) -> Iterator[ast.AST]:
    """Every node of a scope's body, not descending into nested scopes.

    Nested functions, lambdas and classes are yielded themselves (their names,
    decorators and defaults belong to the enclosing scope) but not entered.
    """
    stack: list[ast.AST] = list(reversed(nodes)) if isinstance(nodes, list) else [nodes]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, _SCOPES):
            for child in (
                *getattr(node, "decorator_list", ()),
                *getattr(node, "bases", ()),
                *getattr(node, "keywords", ()),
            ):
                stack.append(child)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                args = node.args
                stack.extend(d for d in (*args.defaults, *args.kw_defaults) if d is not None)
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")


def iter_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements of a scope, through ``if``/``try``/``with``/``for`` blocks, without
    entering expressions or nested functions and classes (which are yielded)."""
    stack = list(reversed(body))
    while stack:
        node = stack.pop()
        yield node  # type: ignore[misc]
        if isinstance(node, _SCOPES):
            continue
        for name in _BLOCKS:
            block = getattr(node, name, None)
            if block:
                stack.extend(reversed(block))


def function_params(fn: FunctionNode) -> list[str]:
    a = fn.args
    names = [p.arg for p in (*a.posonlyargs, *a.args, *a.kwonlyargs)]
    names += [p.arg for p in (a.vararg, a.kwarg) if p is not None]
    return names


def positional_params(fn: FunctionNode) -> list[str]:
    return [p.arg for p in (*fn.args.posonlyargs, *fn.args.args)]


def function_body(fn: FunctionNode) -> list[ast.AST]:
    return [fn.body] if isinstance(fn, ast.Lambda) else list(fn.body)


def local_names(fn: FunctionNode) -> set[str]:
    """Names local to a function (Python's rule: bound anywhere in its body)."""
    names = set(function_params(fn))
    declared_global: set[str] = set()
    for node in iter_scope(function_body(fn)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name != "*":
                    names.add(alias.asname or alias.name.partition(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            declared_global.update(node.names)
        elif isinstance(node, ast.MatchAs | ast.MatchStar) and node.name:
            names.add(node.name)
    return names - declared_global


class MigrationContext:
    """Facts about one parsed file, computed lazily and shared by all rules."""

    def __init__(self, source: SourceFile, tree: ast.Module):
        self.source = source
        self.tree = tree

    # -- file and package --------------------------------------------------

    @cached_property
    def package_parts(self) -> tuple[str, ...]:
        """Directory names above the file, nearest last (for relative imports)."""
        if not self.source.path:
            return ()
        return tuple(PurePath(self.source.path.replace("\\", "/")).parent.parts)

    def absolute_module(self, node: ast.ImportFrom) -> str | None:
        """The absolute dotted module an ``ImportFrom`` names (resolving ``..``)."""
        if not node.level:
            return node.module
        parts = self.package_parts
        if node.level - 1 >= len(parts) or not parts:
            return None
        base = list(parts[: len(parts) - (node.level - 1)])
        # The app package is the directory above ``migrations``; only its own
        # name matters for an app label, so keep the last component.
        base = base[-1:] if node.level > 1 else base[-2:]
        return ".".join([*base, node.module] if node.module else base)

    # -- bindings ----------------------------------------------------------

    def _bindings_of(
        self, statements: list[ast.AST], function: FunctionNode | None
    ) -> list[ImportBinding]:
        found: list[ImportBinding] = []
        for node in iter_statements(statements):  # type: ignore[arg-type]
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        found.append(
                            ImportBinding(
                                alias.asname, alias.name, alias.name, node, alias, function
                            )
                        )
                    else:
                        top = alias.name.partition(".")[0]
                        found.append(ImportBinding(top, top, alias.name, node, alias, function))
            elif isinstance(node, ast.ImportFrom):
                module = self.absolute_module(node)
                if module is None:
                    continue
                for alias in node.names:
                    if alias.name == "*":
                        found.append(ImportBinding("*", module, module, node, alias, function))
                    else:
                        qualified = f"{module}.{alias.name}"
                        found.append(
                            ImportBinding(
                                alias.asname or alias.name, qualified, module, node, alias, function
                            )
                        )
        return found

    @cached_property
    def module_imports(self) -> list[ImportBinding]:
        return self._bindings_of(list(self.tree.body), None)

    @cached_property
    def module_bindings(self) -> dict[str, ImportBinding]:
        """Module-level names bound by imports (the last import wins)."""
        return {b.name: b for b in self.module_imports if not b.is_star}

    @cached_property
    def module_star_imports(self) -> list[ImportBinding]:
        return [b for b in self.module_imports if b.is_star]

    def function_imports(self, fn: FunctionNode) -> list[ImportBinding]:
        return self._bindings_of(function_body(fn), fn)

    @cached_property
    def module_names(self) -> set[str]:
        """Every name bound at module level, by any statement."""
        names: set[str] = set(self.module_bindings)
        for stmt in iter_statements(self.tree.body):
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(stmt.name)
                continue
            targets: list[ast.AST] = []
            if isinstance(stmt, ast.Assign):
                targets = list(stmt.targets)
            elif isinstance(stmt, (ast.AugAssign, ast.AnnAssign, ast.For, ast.AsyncFor)):
                targets = [stmt.target]
            elif isinstance(stmt, (ast.With, ast.AsyncWith)):
                targets = [i.optional_vars for i in stmt.items if i.optional_vars is not None]
            for target in targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        return names

    def qualified_name(self, node: ast.expr) -> str | None:
        """Resolve a module-level expression like ``migrations.RunPython``."""
        dotted = dotted_name(node)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        binding = self.module_bindings.get(head)
        if binding is None:
            return None
        return f"{binding.qualified}.{rest}" if rest else binding.qualified

    # -- operations --------------------------------------------------------

    @cached_property
    def operations(self) -> list[OperationCall]:
        """Every ``RunPython``/``RunSQL`` call, found without walking the whole tree.

        Only nodes whose line span covers a line where the words appear are
        entered, so a 6,000-line initial migration costs a few hundred visits.
        """
        if not any(b.qualified.startswith("django") for b in self.module_imports):
            return []
        lines: set[int] = set()
        # ``RP(...)`` after ``from django.db.migrations import RunPython as RP``.
        aliases = {b.name for b in self.module_imports if b.qualified in RUN_PYTHON | RUN_SQL}
        for word in {"RunPython", "RunSQL", *aliases}:
            lines |= self.word_lines(word)
        calls: list[OperationCall] = []
        if lines:
            self._collect_operations(self.tree, None, lines, calls)
        return calls

    def _collect_operations(
        self,
        node: ast.AST,
        class_def: ast.ClassDef | None,
        lines: set[int],
        out: list[OperationCall],
    ) -> None:
        for child, owner in self.nodes_on_lines(node, lines, class_def):
            if isinstance(child, ast.Call):
                qualified = self.qualified_name(child.func)
                kind = (
                    "RunPython"
                    if qualified in RUN_PYTHON
                    else "RunSQL"
                    if qualified in RUN_SQL
                    else None
                )
                if kind is not None:
                    callee = self.source.slice(self.source.node_range(child.func))
                    out.append(OperationCall(kind, child, callee, owner))

    def nodes_on_lines(
        self, root: ast.AST, lines: set[int], class_def: ast.ClassDef | None = None
    ) -> Iterator[tuple[ast.AST, ast.ClassDef | None]]:
        """Nodes below ``root`` whose span covers one of ``lines``, with their class.

        Only such nodes are entered, so finding a few lines' nodes in a 6,000-line
        file costs a few hundred visits instead of a walk of the whole tree.
        """
        for child in ast.iter_child_nodes(root):
            first = getattr(child, "lineno", None)
            if first is None:  # arguments, keyword, comprehension, ...: enter them
                if not isinstance(
                    child, (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop)
                ):
                    yield from self.nodes_on_lines(child, lines, class_def)
                continue
            last = child.end_lineno or first
            if not any(first <= line <= last for line in lines):
                continue
            yield child, class_def
            yield from self.nodes_on_lines(
                child, lines, child if isinstance(child, ast.ClassDef) else class_def
            )

    def word_lines(self, word: str) -> set[int]:
        """Lines where ``word`` occurs as a whole word (in code, strings or comments)."""
        text = self.source.text
        lines: set[int] = set()
        start = text.find(word)
        while start != -1:  # str.find: far faster than a \b-anchored regex
            stop = start + len(word)
            if not _is_word_char(text, start - 1) and not _is_word_char(text, stop):
                lines.add(self.source.position_at(start).line)
            start = text.find(word, stop)
        return lines

    # -- reachability ------------------------------------------------------

    @cached_property
    def module_functions(self) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
        return {
            node.name: node
            for node in iter_statements(self.tree.body)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        }

    @cached_property
    def module_classes(self) -> dict[str, ast.ClassDef]:
        return {
            node.name: node
            for node in iter_statements(self.tree.body)
            if isinstance(node, ast.ClassDef)
        }

    def _lookup_callable(
        self, node: ast.expr, class_def: ast.ClassDef | None
    ) -> FunctionNode | None:
        if isinstance(node, ast.Lambda):
            return node
        if isinstance(node, ast.Name):
            if class_def is not None:
                for stmt in class_def.body:
                    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
                        stmt.name == node.id
                    ):
                        return stmt
            return self.module_functions.get(node.id)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            cls = self.module_classes.get(node.value.id)
            if cls is not None:
                for stmt in cls.body:
                    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
                        stmt.name == node.attr
                    ):
                        return stmt
        return None

    @cached_property
    def entries(self) -> list[Entry]:
        """Functions that run during ``migrate``, operation callables first."""
        found: dict[int, Entry] = {}
        order: list[FunctionNode] = []
        for op in self.operations:
            if op.kind != "RunPython":
                continue
            for arg in (op.argument(0, "code"), op.argument(1, "reverse_code")):
                fn = self._lookup_callable(arg, op.class_def) if arg is not None else None
                if fn is not None and id(fn) not in found:
                    params = positional_params(fn)
                    found[id(fn)] = Entry(fn, params[0] if params else None, True)
                    order.append(fn)
        # Helpers: module functions and class methods the callables use, transitively.
        # A scan of the function's identifiers (at C speed) rules most out first.
        callables = self.module_functions.keys() | self.module_classes.keys()
        queue = list(order)
        while queue:
            fn = queue.pop()
            if not (self.identifiers(fn) & callables):
                continue
            shadowed = local_names(fn)
            for node in ast.walk(fn):
                target: FunctionNode | None = None
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                    if node.id not in shadowed:
                        target = self.module_functions.get(node.id)
                elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                    target = self._lookup_callable(node, None)
                if target is not None and id(target) not in found:
                    apps = "apps" if "apps" in function_params(target) else None
                    found[id(target)] = Entry(target, apps, False)
                    order.append(target)
                    queue.append(target)
        return [found[id(fn)] for fn in order]

    def overrides_unapply(self, class_def: ast.ClassDef | None) -> bool:
        """Does this migration class, or a base class we can read, define ``unapply``?

        Such a class decides its own rollback: django-cms's ``IrreversibleMigration``
        raises ``IrreversibleError`` on purpose. Bases are looked up in this file
        and, statically, in the module they are imported from.
        """
        if class_def is None:
            return False
        return _overrides_unapply(class_def, self.module_classes, self._base_class, 0)

    def _base_class(self, base: ast.expr) -> tuple[ast.ClassDef, dict[str, ast.ClassDef]] | None:
        qualified = self.qualified_name(base)
        if qualified is None or qualified.startswith("django."):
            return None
        module, _, name = qualified.rpartition(".")
        found = module_class(module, name, self.source.path) if module else None
        if found is None:
            return None
        cls, tree = found
        return cls, {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}

    def function_text(self, fn: FunctionNode) -> str:
        """The source lines a function spans."""
        starts = self.source.line_starts
        end = starts[fn.end_lineno] if fn.end_lineno < len(starts) else len(self.source.text)
        return self.source.text[starts[fn.lineno - 1] : end]

    def identifiers(self, fn: FunctionNode) -> set[str]:
        """Every identifier-like word in a function's text: a cheap over-approximation."""
        return set(_IDENTIFIER.findall(self.function_text(fn)))

    def function_name(self, fn: FunctionNode) -> str:
        return "<lambda>" if isinstance(fn, ast.Lambda) else fn.name


def _overrides_unapply(cls, classes, resolve, depth) -> bool:
    if any(
        isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == "unapply"
        for s in cls.body
    ):
        return True
    if depth >= 5:
        return False
    for base in cls.bases:
        if isinstance(base, ast.Name) and base.id in classes and classes[base.id] is not cls:
            if _overrides_unapply(classes[base.id], classes, resolve, depth + 1):
                return True
        elif resolve is not None:
            found = resolve(base)
            if found is not None and _overrides_unapply(found[0], found[1], None, depth + 1):
                return True
    return False


@dataclass
class ScopeChain:
    """Name resolution inside a function: its locals, then enclosing ones, then the module."""

    ctx: MigrationContext
    frames: list[tuple[set[str], dict[str, ImportBinding]]] = field(default_factory=list)

    def push(self, fn: FunctionNode) -> ScopeChain:
        imports = {b.name: b for b in self.ctx.function_imports(fn) if not b.is_star}
        return ScopeChain(self.ctx, [*self.frames, (local_names(fn), imports)])

    def resolve(self, name: str) -> ImportBinding | None | str:
        """The import binding for ``name``; ``"local"`` if a non-import shadows it."""
        for names, imports in reversed(self.frames):
            if name in names:
                return imports.get(name, "local")
        return self.ctx.module_bindings.get(name)
