"""Small facts about ``ast`` nodes that every layer of the core shares.

Names a scope binds, the statements of a scope without entering nested ones,
a function's parameters. Pure functions of the nodes: no file, no state.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterator

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
BUILTIN_NAMES = frozenset(dir(builtins))


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
        stack.extend(reversed(child_nodes(node)))


def child_nodes(node: ast.AST) -> list[ast.AST]:
    """``list(ast.iter_child_nodes(node))``, the same nodes in the same order, without
    its two generators per node (scope walks visit every node of a function)."""
    found: list[ast.AST] = []
    for name in node._fields:
        value = getattr(node, name, None)
        if isinstance(value, list):
            found.extend([item for item in value if isinstance(item, ast.AST)])
        elif isinstance(value, ast.AST):
            found.append(value)
    return found


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


def function_name(fn: FunctionNode) -> str:
    return "<lambda>" if isinstance(fn, ast.Lambda) else fn.name
