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

#: What the existing rows hold when Django adds a column to a table that has rows (what
#: unapplying a ``RemoveField`` does), :attr:`FieldFacts.re_added`:
FILLED = "filled"  # a value: the default, db_default, "" (blank text), the current time
NULLS = "nulls"  # NULL: a nullable column without a default
FAILS = "fails"  # nothing: NOT NULL without a default, IntegrityError on the first row
NO_COLUMN = "no-column"  # a many-to-many table, a generated column: nothing to fill


@dataclass(frozen=True)
class FieldFacts:
    """One field of a model in the historical state, as far as static reads can tell.

    ``None`` means unknown (a custom field, or a value computed at import time).
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
    primary_key: bool | None = False
    #: The column, as Django names it (``db_column``, ``<name>_id`` for a foreign key);
    #: ``None`` for a many-to-many field (a table, not a column) or when unknown.
    column: str | None = None
    #: ``"shop.order"`` (lower-cased, as Django keys models) for a relation.
    related_model: str | None = None
    many_to_many: bool | None = False
    #: Django's ``Field.empty_strings_allowed``: ``True`` for text-like fields.
    empty_strings_allowed: bool | None = None
    #: ``auto_now`` or ``auto_now_add`` (Django fills the current time).
    auto_now: bool | None = False
    #: A ``GeneratedField`` (Django 5.0+): the database computes its values.
    generated: bool | None = False
    #: A stand-in for a field that could not be built (a custom class, an argument that
    #: is not literal): the facts above are only what the literal arguments said.
    opaque: bool = False

    @property
    def re_added(self) -> str | None:
        """When this column is added to a table that has rows (what unapplying a
        ``RemoveField`` does), what do those rows get? :data:`FILLED`, :data:`NULLS`,
        :data:`FAILS` or :data:`NO_COLUMN`; ``None``: unknown.

        Django's schema editor (``effective_default``) uses the ``default``, the
        ``db_default``, ``""`` for a ``blank`` text-like field, the current time for
        ``auto_now``/``auto_now_add``, else NULL: a NOT NULL column without any of those
        fails with an IntegrityError on every row. A many-to-many field adds a table,
        not a column; a generated column is computed."""
        if self.many_to_many or self.generated:
            return NO_COLUMN
        if self.has_default or self.has_db_default or self.auto_now:
            return FILLED
        if self.null:
            return NULLS
        if self.null is False and self.blank and self.empty_strings_allowed:
            return FILLED
        facts = (self.null, self.has_default, self.has_db_default, self.auto_now)
        if any(f is None for f in facts) or None in (self.many_to_many, self.generated):
            return None
        if self.blank is None or (self.blank and self.empty_strings_allowed is None):
            return None
        return FAILS

    @property
    def fills_existing_rows(self) -> bool | None:
        """Does re-adding this column give the existing rows a value (NULL counts)?
        ``None``: unknown. See :attr:`re_added`."""
        found = self.re_added
        return None if found is None else found != FAILS


@dataclass(frozen=True)
class ModelFacts:
    app_label: str
    name: str
    fields: tuple[FieldFacts, ...]
    #: The migration that created the model (or renamed it to this name).
    created_by: MigrationKey | None = None
    #: The ``db_table`` option, when the migrations set one (``None``: Django's
    #: ``<app_label>_<model_name>``, or unknown when :attr:`options_known` is false).
    db_table: str | None = None
    #: ``managed`` and ``proxy``: a model that is unmanaged or a proxy has no table of
    #: its own that migrations change. ``None``: unknown.
    managed: bool | None = True
    proxy: bool | None = False
    #: False when an option that matters here (``db_table``, ``managed``, ``proxy``)
    #: was computed at import time.
    options_known: bool = True

    def field(self, name: str) -> FieldFacts | None:
        lowered = name.lower()
        return next((f for f in self.fields if f.name.lower() == lowered), None)

    @property
    def name_lower(self) -> str:
        return self.name.lower()

    @property
    def table(self) -> str | None:
        """The table name (``None`` when unknown, or for a proxy, whose rows live in its
        concrete parent's table). Django may shorten a long default name for the
        database backend; this is the name before that."""
        if self.proxy is not False or not self.options_known:
            return None
        return self.db_table or f"{self.app_label}_{self.name_lower}"

    @property
    def has_table(self) -> bool | None:
        """Do migrations create and alter a table for this model?"""
        if self.managed is None or self.proxy is None:
            return None
        return self.managed and not self.proxy


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
    # DJM005 (RemoveField whose reverse fails on existing rows) asks, for the
    # RemoveField at index i of migration k (or database operation j of a
    # SeparateDatabaseAndState at i): ``model_before(k, i, app, model[,
    # database_operation=j])``, then ``.has_table`` (an unmanaged model or a proxy: the
    # database is not touched) and ``.field(name).re_added`` (``FAILS``: report;
    # ``None``: unknown, stay silent); for an ``AlterField`` of that field earlier in k,
    # at index m, ``model_before(k, m, ...)``: the field its reverse restores. DJM006's
    # LookupError case asks ``has_model_before(k, i, app, model)`` for
    # ``apps.get_model`` in the RunPython at i (the forward and the reverse both see the
    # state before i).
    #
    # The state before k is the one ``migrate`` uses when it applies k, or unapplies
    # it, on a database where every migration on disk is applied: everything ordered
    # before k in the full plan (``MigrationExecutor``), which after a branch is more
    # than k's ``forwards_plan``.

    def model_before(
        self,
        key: MigrationKey,
        operation_index: int,
        app_label: str,
        model_name: str,
        *,
        database_operation: int | None = None,
    ) -> ModelFacts | None:
        """The model as the state has it just before operation ``operation_index`` of
        migration ``key`` runs (``None``: no such model then). ``operation_index`` may be
        the number of operations: the state after the migration.

        With ``database_operation=j``, operation ``operation_index`` is a
        ``SeparateDatabaseAndState`` and the answer is the model as its
        ``database_operations[j]`` sees it: Django runs the database operations one after
        the other from the state before the whole operation, so the database's view can
        differ from the state's (``RemoveField`` there drops a column the state keeps).

        Raises ``LookupError`` when the state there is unknown: the migration or its app
        was not read, or an operation before it could not be read (a custom operation
        class, a model name computed at import time)."""

    def has_model_before(
        self, key: MigrationKey, operation_index: int, app_label: str, model_name: str
    ) -> bool:
        """Is there such a model just before that operation (what ``apps.get_model``
        finds)? ``model_before(...) is not None``, answered without replaying the state
        when the graph settles it. Raises ``LookupError`` when unknown."""

    def deleted_after(self, key: MigrationKey, app_label: str, model_name: str) -> bool:
        """Does a migration that depends on ``key`` delete that model (or rename it
        away)? Rolling back to ``key`` then re-creates its table empty (DJM005: re-adding
        a column to an empty table passes)."""
