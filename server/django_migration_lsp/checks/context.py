"""The facts about one parsed migration file that every rule shares.

One ``ast`` parse of the file feeds a :class:`MigrationContext`. Each concern is a
component with its own module and public API, built the first time a rule asks:

* :attr:`~MigrationContext.bindings` (:mod:`.bindings`): what a name is bound to;
* :attr:`~MigrationContext.locate` (:mod:`.locate`): the lines where a word occurs and
  the nodes on them, without walking the whole tree;
* :attr:`~MigrationContext.operations` (:mod:`.operations`): the ``RunPython`` /
  ``RunSQL`` calls, however spelled;
* :attr:`~MigrationContext.reach` (:mod:`.reach`): the functions that run during
  ``migrate``; :attr:`~MigrationContext.entries` is its list;
* :attr:`~MigrationContext.classes` (:mod:`.classes`): base classes read statically
  (does the ``Migration`` override ``unapply()``?);
* :attr:`~MigrationContext.losses` (:mod:`.losses`): what an operation's forward
  destroys that a rollback would need (built on :mod:`.effects` and :mod:`.sql`);
* :attr:`~MigrationContext.project`: facts about the whole project (the migration
  graph, the historical state) when the caller has built them, else ``None``.
"""

from __future__ import annotations

import ast
from functools import cached_property
from typing import Any

from .bindings import Bindings
from .classes import ClassReader
from .locate import Locator
from .losses import Losses
from .operations import OperationCall, find_operations
from .reach import Entry, Reachability
from .source import SourceFile


class MigrationContext:
    """One parsed file; each component is computed once, when first asked for."""

    def __init__(self, source: SourceFile, tree: ast.Module, project: Any = None) -> None:
        self.source = source
        self.tree = tree
        #: A project-level view (see :mod:`django_migration_lsp.project`), or ``None``.
        self.project = project

    @cached_property
    def bindings(self) -> Bindings:
        return Bindings(self.source, self.tree)

    @cached_property
    def locate(self) -> Locator:
        return Locator(self.source)

    @cached_property
    def operations(self) -> list[OperationCall]:
        return find_operations(self.source, self.tree, self.bindings, self.locate)

    @cached_property
    def reach(self) -> Reachability:
        return Reachability(self.tree, self.operations, self.locate)

    @property
    def entries(self) -> list[Entry]:
        """Functions that run during ``migrate``, operation callables first."""
        return self.reach.entries

    @cached_property
    def classes(self) -> ClassReader:
        return ClassReader(self.bindings, self.reach.module_classes, self.source.path)

    @cached_property
    def losses(self) -> Losses:
        return Losses(self)

    def overrides_unapply(self, class_def: ast.ClassDef | None) -> bool:
        return self.classes.overrides_unapply(class_def)
