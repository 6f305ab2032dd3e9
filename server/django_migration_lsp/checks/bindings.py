"""What the names of a migration file are bound to.

``migrations`` -> ``django.db.migrations``, ``RP`` -> ``django.db.migrations.RunPython``,
``models`` -> ``shop.models``: the imports of the module and of each function, the
other names the module binds, and name resolution through nested scopes
(:class:`ScopeChain`), honouring local assignments that shadow an import.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import PurePath

from .source import SourceFile
from .syntax import FunctionNode, dotted_name, function_body, iter_statements, local_names


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


class Bindings:
    """The import bindings and module-level names of one parsed file."""

    def __init__(self, source: SourceFile, tree: ast.Module) -> None:
        self.source = source
        self.tree = tree

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


@dataclass
class ScopeChain:
    """Name resolution inside a function: its locals, then enclosing ones, then the module."""

    bindings: Bindings
    frames: list[tuple[set[str], dict[str, ImportBinding]]] = field(default_factory=list)

    def push(self, fn: FunctionNode) -> ScopeChain:
        imports = {b.name: b for b in self.bindings.function_imports(fn) if not b.is_star}
        return ScopeChain(self.bindings, [*self.frames, (local_names(fn), imports)])

    def resolve(self, name: str) -> ImportBinding | None | str:
        """The import binding for ``name``; ``"local"`` if a non-import shadows it."""
        for names, imports in reversed(self.frames):
            if name in names:
                return imports.get(name, "local")
        return self.bindings.module_bindings.get(name)
