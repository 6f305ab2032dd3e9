"""What a per-file rule may ask of the whole project: the contract between the rules
and the project layer.

The core stays pure: this module defines the questions and the shape of the answers,
and :mod:`django_migration_lsp.project` (which may use Django's migration machinery)
answers them. A rule finds the view in ``ctx.project``; it is ``None`` when the caller
built none (a single buffer with no project around it, or ``check`` with no rule that
needs it), and then a project rule reports nothing rather than guessing.

Keys are Django's: ``("shop", "0002_order_note")``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

MigrationKey = tuple[str, str]


@dataclass(frozen=True)
class FieldFacts:
    """One field of a model in the historical state, as far as static reads can tell.

    ``None`` means unknown (a custom field or a value we cannot read statically).
    """

    name: str
    #: ``"CharField"`` for Django's own fields, the dotted path of a custom one.
    type: str
    null: bool | None
    has_default: bool | None
    has_db_default: bool | None
    blank: bool | None
    #: The migration that last created or changed this field (AddField, AlterField, ...).
    changed_by: MigrationKey | None = None


@dataclass(frozen=True)
class ModelFacts:
    app_label: str
    name: str
    fields: tuple[FieldFacts, ...]
    #: The migration that created the model (or renamed it to this name).
    created_by: MigrationKey | None = None

    def field(self, name: str) -> FieldFacts | None:
        lowered = name.lower()
        return next((f for f in self.fields if f.name.lower() == lowered), None)


class ProjectFacts(Protocol):
    """The project-level questions rules ask. Implemented in ``project/``."""

    # -- the graph ---------------------------------------------------------------

    def migration_of(self, path: str) -> MigrationKey | None:
        """The node of the migration file at ``path``, if it is part of the graph."""

    def has_app(self, app_label: str) -> bool:
        """Is there an app with this label (in the project or installed) with migrations?"""

    def is_ancestor(self, ancestor: MigrationKey, of: MigrationKey) -> bool:
        """Does ``of`` depend on ``ancestor``, through any path of the graph? A replaced
        migration stands for the squash that replaces it."""

    def leaf(self, app_label: str) -> MigrationKey | None:
        """The latest migration of an app (its leaf node; the highest if several), after
        squashes have replaced what they replace."""

    def creators(self, app_label: str, model_name: str) -> tuple[MigrationKey, ...]:
        """The migrations that create a model of that name (or rename one to it), compared
        case-insensitively as ``apps.get_model`` does; ``()`` when none can be read."""

    def unknown_app(self, app_label: str, path: str | None = None) -> None:
        """Tell the project that a rule met an app label it could not find (``has_app``
        was false): the caller says so once per label instead of a finding per call."""

    def with_source(self, path: str, text: str) -> ProjectFacts:
        """The view as it is once the migration at ``path`` has ``text`` (a fix being
        applied, an editor's buffer); the view itself is unchanged."""

    # -- the historical state ----------------------------------------------------

    def model_before(
        self, key: MigrationKey, operation_index: int, app_label: str, model_name: str
    ) -> ModelFacts | None:
        """The model as the state has it just before operation ``operation_index`` of
        migration ``key`` runs (``None``: no such model then). Raises ``LookupError``
        when the state there is unknown (a dependency that cannot be read)."""
