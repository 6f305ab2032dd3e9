"""Which functions run while ``migrate`` runs this migration.

The ``RunPython`` forward and reverse callables (module functions, methods of a
class in the file, lambdas) and, transitively, the module's own functions and
class methods they use. Everything else in the file runs only when it is imported.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cached_property

from .locate import Locator
from .operations import OperationCall
from .syntax import FunctionNode, function_params, iter_statements, local_names, positional_params


@dataclass(frozen=True, eq=False)
class Entry:
    """A function that runs during ``migrate`` and how it is reached."""

    node: FunctionNode
    #: Name of the parameter holding the historical app registry, if known.
    apps_param: str | None
    #: True for a RunPython forward/reverse; False for a helper they use.
    is_operation_callable: bool


class Reachability:
    """The functions and classes of one file, and which of them ``migrate`` runs."""

    def __init__(self, tree: ast.Module, operations: list[OperationCall], locator: Locator) -> None:
        self.tree = tree
        self.operations = operations
        self.locator = locator

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

    def lookup_callable(
        self, node: ast.expr, class_def: ast.ClassDef | None = None
    ) -> FunctionNode | None:
        """The function an expression names: a lambda, a module function, a method of
        ``class_def`` (the class an operation is written in) or ``Class.method``."""
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

    def callees(self, fn: FunctionNode) -> list[FunctionNode]:
        """The module functions and class methods that ``fn`` names (and may call).

        A scan of the function's identifiers (at C speed) rules most functions out first."""
        callables = self.module_functions.keys() | self.module_classes.keys()
        named = self.locator.identifiers(fn) & callables
        if not isinstance(fn, ast.Lambda):
            named.discard(fn.name)  # its own ``def`` line
        if not named:
            return []
        shadowed = local_names(fn)
        found: list[FunctionNode] = []
        for node in ast.walk(fn):
            target: FunctionNode | None = None
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                if node.id not in shadowed:
                    target = self.module_functions.get(node.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                target = self.lookup_callable(node, None)
            if target is not None and target is not fn and target not in found:
                found.append(target)
        return found

    def reached_from(self, fn: FunctionNode, limit: int = 50) -> list[FunctionNode]:
        """``fn`` and the functions of this file it uses, transitively (at most ``limit``)."""
        order = [fn]
        seen = {id(fn)}
        queue = [fn]
        while queue and len(order) < limit:
            for target in self.callees(queue.pop()):
                if id(target) not in seen:
                    seen.add(id(target))
                    order.append(target)
                    queue.append(target)
        return order

    @cached_property
    def entries(self) -> list[Entry]:
        """Functions that run during ``migrate``, operation callables first."""
        found: dict[int, Entry] = {}
        order: list[FunctionNode] = []
        for op in self.operations:
            if op.kind != "RunPython":
                continue
            passed = (
                [op.slot_argument(op.forward_slot), op.slot_argument(op.reverse_slot)]
                if op.custom is None
                else op.passed_values  # a class of the project's own may run any of them
            )
            for arg in passed:
                fn = self.lookup_callable(arg, op.class_def) if arg is not None else None
                if fn is not None and id(fn) not in found:
                    params = positional_params(fn)
                    found[id(fn)] = Entry(fn, params[0] if params else None, True)
                    order.append(fn)
        # Helpers: module functions and class methods the callables use, transitively.
        queue = list(order)
        while queue:
            fn = queue.pop()
            for target in self.callees(fn):
                if id(target) not in found:
                    apps = "apps" if "apps" in function_params(target) else None
                    found[id(target)] = Entry(target, apps, False)
                    order.append(target)
                    queue.append(target)
        return [found[id(fn)] for fn in order]
