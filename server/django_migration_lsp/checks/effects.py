"""What a function does, read statically.

For the functions a ``RunPython`` runs: the SQL it executes (``cursor.execute(...)``
strings and f-strings, with local string constants followed), the ORM ``.delete()``
calls, the models it takes from the historical registry (``apps.get_model(...)``), the
names and strings it mentions, whether it does nothing at all (``pass``, a docstring,
logging), whether it always raises, and the names it uses that nothing binds.
Pure functions of ``ast`` nodes (plus the module's names where needed).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .bindings import Bindings, ScopeChain
from .syntax import BUILTIN_NAMES, FunctionNode, function_body, function_params, iter_scope

#: Module attributes that exist without being bound by a statement.
MODULE_DUNDERS = frozenset(
    {"__file__", "__name__", "__doc__", "__package__", "__spec__", "__loader__",
     "__builtins__", "__cached__", "__annotations__", "__path__", "__dict__"}
)  # fmt: skip
_EXECUTE = frozenset({"execute", "executemany", "executescript"})
_LOG_METHODS = frozenset(
    {"debug", "info", "warning", "warn", "error", "exception", "critical", "log", "write"}
)


def statements(fn: FunctionNode) -> list[ast.stmt]:
    """The body of a function without its docstring."""
    if isinstance(fn, ast.Lambda):
        return [ast.Expr(fn.body)]
    body = list(fn.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return body


def _is_logging(call: ast.expr) -> bool:
    """``print(...)``, ``logging.info(...)``, ``logger.warning(...)``, ``sys.stdout.write``."""
    if not isinstance(call, ast.Call):
        return False
    func = call.func
    if isinstance(func, ast.Name):
        return func.id == "print"
    return isinstance(func, ast.Attribute) and func.attr in _LOG_METHODS


def does_nothing(fn: FunctionNode) -> bool:
    """A body of only ``pass``, ``...``, a docstring, ``return [None]`` and logging."""
    if isinstance(fn, ast.Lambda):
        return isinstance(fn.body, ast.Constant) or _is_logging(fn.body)
    for stmt in statements(fn):
        if isinstance(stmt, ast.Pass):
            continue
        if isinstance(stmt, ast.Expr) and (
            isinstance(stmt.value, ast.Constant) or _is_logging(stmt.value)
        ):
            continue
        if isinstance(stmt, ast.Return) and (
            stmt.value is None
            or (isinstance(stmt.value, ast.Constant) and stmt.value.value is None)
        ):
            continue
        return False
    return True


# -- SQL ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SqlText:
    """SQL a function executes: the text (an f-string's ``{expr}`` kept as written, or
    replaced by the local string constant it names) and where it is."""

    text: str
    node: ast.expr


def string_constants(fn: FunctionNode) -> dict[str, str]:
    """Local names bound exactly once, to a string literal."""
    seen: dict[str, str | None] = {}
    for node in iter_scope(function_body(fn)):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    value = node.value
                    literal = isinstance(value, ast.Constant) and isinstance(value.value, str)
                    once = target.id not in seen and literal
                    seen[target.id] = value.value if once else None  # type: ignore[union-attr]
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            if node.id in seen and seen[node.id] is not None:
                continue
            seen.setdefault(node.id, None)
    return {k: v for k, v in seen.items() if v is not None}


def sql_text(node: ast.expr, constants: dict[str, str]) -> str | None:
    """The SQL an expression holds, if it is built from string literals."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    if isinstance(node, ast.JoinedStr):
        parts = []
        for part in node.values:
            if isinstance(part, ast.FormattedValue):
                inner = part.value
                known = constants.get(inner.id) if isinstance(inner, ast.Name) else None
                parts.append(known if known is not None else "{" + ast.unparse(inner) + "}")
            elif isinstance(part, ast.Constant):
                parts.append(str(part.value))
        return "".join(parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = sql_text(node.left, constants), sql_text(node.right, constants)
        return left + right if left is not None and right is not None else (left or right)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return sql_text(node.left, constants)  # "DELETE FROM %s" % table
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
    ):
        return sql_text(node.func.value, constants)
    return None


def executed_sql(fn: FunctionNode, module_constants: dict[str, str] | None = None) -> list[SqlText]:
    """SQL passed to ``<cursor>.execute(...)`` (``executemany``, ``executescript``,
    ``schema_editor.execute``) in ``fn``, not counting nested functions."""
    constants = {**(module_constants or {}), **string_constants(fn)}
    found = []
    for node in iter_scope(function_body(fn)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _EXECUTE
            and node.args
        ):
            text = sql_text(node.args[0], constants)
            if text is not None:
                found.append(SqlText(text, node.args[0]))
    return found


# -- the ORM ----------------------------------------------------------------------------


def orm_deletes(fn: FunctionNode) -> list[ast.Call]:
    """``<queryset or instance>.delete()`` calls (the ORM's take no positional argument:
    ``cache.delete(key)`` and ``storage.delete(name)`` are not these)."""
    return [
        node
        for node in iter_scope(function_body(fn))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("delete", "_raw_delete")
        and (not node.args or node.func.attr == "_raw_delete")
    ]


def finds_duplicates(fn: FunctionNode) -> bool:
    """Does ``fn`` look for duplicates: a ``Count(...)`` and a filter ``<count>__gt=1``
    (``__gte=2``)? Rows it deletes then are copies of rows that stay."""
    counts = threshold = False
    for node in ast.walk(fn):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        counts = counts or name == "Count"
        for kw in node.keywords:
            if kw.arg and isinstance(kw.value, ast.Constant):
                if (kw.arg.endswith("__gt") and kw.value.value == 1) or (
                    kw.arg.endswith("__gte") and kw.value.value == 2
                ):
                    threshold = True
    return counts and threshold


@dataclass(frozen=True)
class GetModel:
    """``apps.get_model("shop", "Order")`` (or ``"shop.Order"``) with literal arguments."""

    app_label: str
    model_name: str
    call: ast.Call


def get_model_calls(fn: FunctionNode) -> list[GetModel]:
    found = []
    for node in iter_scope(function_body(fn)):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get_model"
        ):
            continue
        args = [a.value for a in node.args if isinstance(a, ast.Constant)]
        if len(args) != len(node.args) or not all(isinstance(a, str) for a in args):
            continue
        if len(args) == 2:
            found.append(GetModel(args[0], args[1], node))
        elif len(args) == 1 and args[0].count(".") == 1:
            app, model = args[0].split(".")
            found.append(GetModel(app, model, node))
    return found


def registry_get_model_calls(
    fn: FunctionNode, bindings: Bindings, seen: set[int] | None = None
) -> Iterator[GetModel]:
    """``X.get_model("app", "Model")`` / ``X.get_model("app.Model")`` (keywords too) in
    ``fn``, nested functions included, where ``X`` is a local name of ``fn`` (the
    historical registry it was given), not the global ``django.apps.apps``. ``seen``
    (ids of calls) skips calls met in another function already."""
    seen = set() if seen is None else seen
    params = set(function_params(fn))
    scope: ScopeChain | None = None  # the function's names: only if needed
    for node in ast.walk(fn):
        if (
            not isinstance(node, ast.Call)
            or id(node) in seen
            or not isinstance(node.func, ast.Attribute)
            or node.func.attr != "get_model"
            or not isinstance(node.func.value, ast.Name)
        ):
            continue
        seen.add(id(node))
        parsed = _model_argument(node)
        if parsed is None:
            continue
        name = node.func.value.id
        if name not in params:  # a parameter is the registry the function was given
            scope = scope or ScopeChain(bindings).push(fn)
            if scope.resolve(name) != "local":
                continue
        yield GetModel(*parsed, node)


def _model_argument(call: ast.Call) -> tuple[str, str] | None:
    args = {kw.arg: kw.value for kw in call.keywords if kw.arg}
    values = [*call.args[:2]]
    label = values[0] if values else args.get("app_label")
    model = values[1] if len(values) > 1 else args.get("model_name")
    if not (isinstance(label, ast.Constant) and isinstance(label.value, str)):
        return None
    if model is None:
        app, dot, name = label.value.partition(".")
        return (app, name) if dot and app and name and "." not in name else None
    if isinstance(model, ast.Constant) and isinstance(model.value, str) and model.value:
        return label.value, model.value
    return None


def mentions(fn: FunctionNode) -> set[str]:
    """Names a function may read fields by: attributes (``order.note``), strings and
    keyword names, lookups cut at ``__`` (``"note__isnull"`` -> ``note``)."""
    found: set[str] = set()
    for node in ast.walk(fn):
        if isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if len(node.value) <= 100:
                found.add(node.value.partition("__")[0].lstrip("-"))
        elif isinstance(node, ast.keyword) and node.arg:
            found.add(node.arg.partition("__")[0])
    return found


# -- always raises ----------------------------------------------------------------------


def _contains_exit(stmt: ast.stmt) -> bool:
    """Does a compound statement hold a ``return`` (or a loop exit) of this function?"""
    return any(
        isinstance(n, (ast.Return, ast.Break, ast.Continue))
        for n in iter_scope([stmt])
        if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef))
    )


def block_raises(
    body: list[ast.stmt], raises_when_called: Callable[[ast.Call], ast.AST | None]
) -> ast.AST | None:
    """The statement by which ``body`` raises on every path, or ``None``."""
    for stmt in body:
        if isinstance(stmt, ast.Raise):
            return stmt
        if isinstance(stmt, ast.Return):
            return None
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            if raises_when_called(stmt.value) is not None:
                return stmt
            continue
        if isinstance(stmt, ast.If):
            first = block_raises(stmt.body, raises_when_called)
            if first is not None and block_raises(stmt.orelse, raises_when_called) is not None:
                return first
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            inner = block_raises(stmt.body, raises_when_called)
            if inner is not None:
                return inner
        elif isinstance(stmt, ast.Try):
            final = block_raises(stmt.finalbody, raises_when_called)
            if final is not None:
                return final
            inner = block_raises(stmt.body, raises_when_called)
            handled = all(
                block_raises(h.body, raises_when_called) is not None for h in stmt.handlers
            )
            if inner is not None and handled and not stmt.orelse:
                return inner
        if _contains_exit(stmt):
            return None
    return None


def always_raises(
    fn: FunctionNode, lookup: Callable[[ast.expr], FunctionNode | None], depth: int = 0
) -> ast.AST | None:
    """The statement by which calling ``fn`` raises, whatever its arguments, or ``None``.

    A call to a function of this file that always raises counts (two levels deep)."""

    def raises_when_called(call: ast.Call) -> ast.AST | None:
        if depth >= 2:
            return None
        target = lookup(call.func)
        if target is None or target is fn:
            return None
        return always_raises(target, lookup, depth + 1)

    if isinstance(fn, ast.Lambda):
        return fn.body if isinstance(fn.body, ast.Call) and raises_when_called(fn.body) else None
    return block_raises(statements(fn), raises_when_called)


def raised_name(stmt: ast.AST) -> str:
    """``RuntimeError`` for ``raise RuntimeError("...")``; the callee for a call."""
    if isinstance(stmt, ast.Raise) and stmt.exc is not None:
        exc = stmt.exc.func if isinstance(stmt.exc, ast.Call) else stmt.exc
        return ast.unparse(exc)
    if isinstance(stmt, ast.Raise):
        return "the exception being handled"
    call = stmt.value if isinstance(stmt, ast.Expr) else stmt
    if isinstance(call, ast.Call):
        return f"{ast.unparse(call.func)}()"
    return ast.unparse(stmt)


# -- names nothing binds ---------------------------------------------------------------


def unbound_names(fn: FunctionNode, module_names: set[str]) -> Iterator[ast.Name]:
    """Names ``fn`` loads that neither it, an enclosing function, the module nor the
    builtins bind: a ``NameError`` when that line runs. Nested functions and lambdas
    are checked with their own locals; annotations (never evaluated here) are not."""
    yield from _unbound(fn, module_names | BUILTIN_NAMES | MODULE_DUNDERS, set())


def _local_names(fn: FunctionNode) -> tuple[set[str], set[str]]:
    from .syntax import local_names

    declared: set[str] = set()
    for node in iter_scope(function_body(fn)):
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            declared.update(node.names)
        elif isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
            declared.add(node.target.id)
    return local_names(fn) | set(function_params(fn)), declared


def _unbound(fn: FunctionNode, outer: set[str], enclosing: set[str]) -> Iterator[ast.Name]:
    names, declared = _local_names(fn)
    visible = outer | enclosing | names | declared
    annotations = {id(a) for node in iter_scope(function_body(fn)) for a in _annotations(node)}
    for node in iter_scope(function_body(fn)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) and node is not fn:
            yield from _unbound(node, outer, enclosing | names)
            continue
        if id(node) in annotations:
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            if node.id not in visible:
                yield node


def _annotations(node: ast.AST) -> Iterator[ast.AST]:
    if isinstance(node, ast.AnnAssign):
        yield from ast.walk(node.annotation)


def module_string_constants(tree: ast.Module) -> dict[str, str]:
    """Module-level names bound once, to a string literal (SQL kept in a constant)."""
    seen: dict[str, str | None] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
            if isinstance(target, ast.Name):
                value = stmt.value
                literal = isinstance(value, ast.Constant) and isinstance(value.value, str)
                seen[target.id] = (
                    value.value if literal and target.id not in seen else None  # type: ignore[union-attr]
                )
    return {k: v for k, v in seen.items() if v is not None}


def global_declarations(tree: ast.Module) -> set[str]:
    """Names that some function declares ``global`` (and so may bind at module level)."""
    return {name for node in ast.walk(tree) if isinstance(node, ast.Global) for name in node.names}
