"""The historical state, statically: every model's fields at every migration.

The migrations are replayed in Django's forwards-plan order (what the graph gives) with
Django's own ``ProjectState`` and each operation's ``state_forwards``: the operations
come from :mod:`.operations`, built from literal arguments only, so nothing of the
project is imported. ``SeparateDatabaseAndState`` changes the state with its
``state_operations``; its ``database_operations`` are replayed too, on a copy, to know
what the database sees.

The state is never rendered into model classes (no app registry, no settings): the
questions rules ask are about fields as the migrations declare them. After each
operation, the models it touched are recorded as immutable :class:`ModelFacts` in a
per-model history, so "the model just before operation *i* of migration *k*" is a
bisection in one model's history, not a copy of the whole state per operation.

An operation that cannot be read makes what it touches unknown from there (the model it
names, or every model of its app when that cannot be read either): ``model_before``
then raises ``LookupError`` instead of answering from a state that may be wrong, until
the model is created again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cached_property
from typing import Any

import django
from django.db import models
from django.db.migrations.operations import AlterField as _ALTER_FIELD
from django.db.migrations.state import ProjectState
from django.db.models import NOT_PROVIDED

from ..checks.facts import FieldFacts, MigrationKey, ModelFacts
from .history import ModelHistory, ModelKey, StateAnswers, UnknownOperation
from .history import Unknown as _Unknown
from .operations import MigrationOperations, OpaqueField, ReadOperation, Unread, prepare_field


class HistoricalState(StateAnswers):
    """The state half of :class:`~django_migration_lsp.checks.facts.ProjectFacts`:
    Django's ``ProjectState`` replayed, and the answers it leaves (:class:`StateAnswers`,
    whose questions are asked of this object too)."""

    def __init__(self) -> None:
        super().__init__()
        self.state = ProjectState()
        self._seq = 0
        self._unknown_models: dict[ModelKey, str] = {}
        self._created_by: dict[ModelKey, MigrationKey] = {}
        self._changed_by: dict[ModelKey, dict[str, MigrationKey]] = {}
        self._facts_cache: dict[tuple[int, str, MigrationKey | None], tuple[Any, FieldFacts]] = {}

    # -- replay ---------------------------------------------------------------------

    @classmethod
    def replay(
        cls, plan: Iterable[tuple[MigrationKey, MigrationOperations | list[ReadOperation]]]
    ) -> HistoricalState:
        """Replay migrations given in Django's forwards-plan order."""
        state = cls()
        for key, operations in plan:
            state.apply(key, operations)
        return state

    def apply(self, key: MigrationKey, operations: MigrationOperations | list[ReadOperation]):
        """Apply one migration (the next in the forwards plan)."""
        app = key[0]
        self._apps.add(app)
        read = operations if isinstance(operations, MigrationOperations) else None
        ops = read.operations if read is not None else list(operations)
        first = self._seq
        self._migrations[key] = (first, len(ops))
        for op in ops:
            self._top_level(key, app, op, self._seq)
            self._seq += 1
        if read is not None and read.problem is not None:
            # The list itself could not be read: the state after it is unknown.
            self._mark_unknown(key, app, None, self._seq, read.problem, read.line, "operations", 0)
            self._seq += 1
        else:
            self._seq += 1  # a slot for "after the last operation"

    def _top_level(self, key: MigrationKey, app: str, op: ReadOperation, seq: int) -> None:
        if op.database_operations is not None:
            self._replay_database(key, app, op, seq)
        if op.state_operations is not None:
            for nested in op.state_operations:
                self._apply_one(key, app, nested, seq, op.index)
            return
        self._apply_one(key, app, op, seq, op.index)

    def _apply_one(
        self, key: MigrationKey, app: str, op: ReadOperation, seq: int, index: int
    ) -> None:
        if op.state_operations is not None:  # RunSQL(state_operations=...) nested
            for nested in op.state_operations:
                self._apply_one(key, app, nested, seq, index)
            return
        if op.fields_neutral and (op.operation is None or op.kind in ("RunPython", "RunSQL")):
            return  # options, indexes, code: nothing the facts hold changes
        django_op = op.operation
        if django_op is None:
            self._mark_unknown(
                key, app, op.targets, seq, op.problem or "not read", op.line, op.kind, index
            )
            return
        touched = touched_models(self.state, app, django_op)
        if touched is None:
            self._mark_unknown(
                key, app, None, seq, "changes models it does not name", op.line, op.kind, index
            )
            return
        before = {m: dict(ms.fields) for m in touched if (ms := self.state.models.get(m))}
        try:
            forwards(django_op, app, self.state, touched)
        except Exception as exc:
            self._mark_unknown(
                key,
                app,
                tuple(m for a, m in touched if a == app) or None,
                seq,
                f"{type(exc).__name__}: {exc}",
                op.line,
                op.kind,
                index,
            )
            return
        self._after(key, seq, django_op, touched, before)

    def _after(
        self,
        key: MigrationKey,
        seq: int,
        django_op: Any,
        touched: list[ModelKey],
        before: dict[ModelKey, dict[str, Any]],
    ) -> None:
        kind = type(django_op).__name__
        if kind == "RenameModel":
            app = touched[0][0]
            old, new = (app, django_op.old_name_lower), (app, django_op.new_name_lower)
            before[new] = before.get(old, {})
            self._changed_by[new] = dict(self._changed_by.get(old, {}))
            if old in self._unknown_models:
                self._unknown_models[new] = self._unknown_models[old]
        for model_key in touched:
            ms = self.state.models.get(model_key)
            history = self._history.setdefault(model_key, ModelHistory())
            if ms is None:
                history.record(seq, None)
                self._unknown_models.pop(model_key, None)
                self._changed_by.pop(model_key, None)
                continue
            for field in ms.fields.values():
                prepare_field(field)  # clones made by state_forwards
            created = kind == "CreateModel" and model_key[1] == django_op.name_lower
            if created or (kind == "RenameModel" and model_key[1] == django_op.new_name_lower):
                self._created_by[model_key] = key
            if created:
                self._unknown_models.pop(model_key, None)
                self._changed_by[model_key] = {}
                before[model_key] = {}
            changed = self._changed_by.setdefault(model_key, {})
            old_fields = before.get(model_key, {})
            for name, field in ms.fields.items():
                if old_fields.get(name) is not field:
                    changed[name] = key
            for name in [n for n in changed if n not in ms.fields]:
                del changed[name]
            if model_key in self._unknown_models:
                history.record(seq, _Unknown(self._unknown_models[model_key]))
            else:
                history.record(seq, self._facts(ms, model_key))

    def _mark_unknown(
        self,
        key: MigrationKey,
        app: str,
        targets: tuple[str, ...] | None,
        seq: int,
        reason: str,
        line: int,
        kind: str,
        index: int,
    ) -> None:
        where = f"{key[0]}.{key[1]} operation {index} (line {line}, {kind}): {reason}"
        already = targets is not None and all((app, t) in self._unknown_models for t in targets)
        if already:
            return  # an operation on a model that is unknown already: nothing new
        self.unknown.append(UnknownOperation(key, index, line, kind, reason, targets))
        if targets is None:
            self._app_unknown.setdefault(app, []).append((seq, where))
            model_keys = [m for m in self.state.models if m[0] == app]
        else:
            model_keys = [(app, t) for t in targets]
        for model_key in model_keys:
            self._unknown_models[model_key] = where
            self._history.setdefault(model_key, ModelHistory()).record(seq, _Unknown(where))

    def _replay_database(self, key: MigrationKey, app: str, op: ReadOperation, seq: int) -> None:
        """What the ``database_operations`` of a ``SeparateDatabaseAndState`` see: each
        runs on the state the previous one left, starting from the state before it."""
        database_ops = op.database_operations or ()
        touched: set[ModelKey] = set()
        for nested in database_ops:
            if nested.operation is not None:
                found = touched_models(self.state, app, nested.operation)
                touched.update(found or [m for m in self.state.models if m[0] == app])
        state = ProjectState(models=dict(self.state.models))
        for model_key in touched:
            if model_key in state.models:
                state.models[model_key] = state.models[model_key].clone()
        views: list[dict[ModelKey, Any]] = []
        seen: dict[ModelKey, Any] = {}
        for nested in database_ops:
            views.append(dict(seen))
            django_op = nested.operation
            if django_op is None:
                if nested.fields_neutral:
                    continue
                reason = _Unknown(nested.problem or "not read")
                for target in nested.targets or [m for a, m in state.models if a == app]:
                    seen[(app, target)] = reason
                continue
            if type(django_op).__name__ in ("RunPython", "RunSQL"):
                continue
            found = touched_models(state, app, django_op) or []
            try:
                forwards(django_op, app, state, found)
            except Exception as exc:
                for model_key in found:
                    seen[model_key] = _Unknown(f"{type(exc).__name__}: {exc}")
                continue
            for model_key in found:
                ms = state.models.get(model_key)
                if ms is None:
                    seen[model_key] = None
                    continue
                for field in ms.fields.values():
                    prepare_field(field)
                seen[model_key] = self._facts(ms, model_key, database_of=key)
        self._database_views[(key, op.index)] = views

    # -- facts ------------------------------------------------------------------------

    def _facts(self, ms: Any, model_key: ModelKey, database_of: MigrationKey | None = None):
        changed = self._changed_by.get(model_key, {})
        main = self.state.models.get(model_key) if database_of is not None else None
        fields = []
        for name, field in ms.fields.items():
            by = changed.get(name)
            if database_of is not None and (main is None or main.fields.get(name) is not field):
                by = database_of
            cache_key = (id(field), name, by)
            cached = self._facts_cache.get(cache_key)
            if cached is None or cached[0] is not field:
                cached = (field, field_facts(ms.app_label, ms.name_lower, name, field, by))
                self._facts_cache[cache_key] = cached
            fields.append(cached[1])
        options = ms.options
        unread = [options.get(k) for k in ("db_table", "managed", "proxy")]
        known = not any(isinstance(v, Unread) for v in unread)
        db_table, managed, proxy = unread
        return ModelFacts(
            app_label=ms.app_label,
            name=ms.name,
            fields=tuple(fields),
            created_by=self._created_by.get(model_key),
            db_table=db_table if isinstance(db_table, str) else None,
            managed=None
            if isinstance(managed, Unread)
            else bool(managed if managed is not None else True),
            proxy=None if isinstance(proxy, Unread) else bool(proxy),
            options_known=known,
        )


# -- what an operation touches ---------------------------------------------------------

#: See :func:`forwards`.
_NARROW_ALTER_FIELD = django.VERSION[:2] < (6, 0)


def forwards(op: Any, app: str, state: ProjectState, touched: list[ModelKey]) -> None:
    """``op.state_forwards(app, state)``, for an ``AlterField`` on a state that holds its
    model only.

    Django's ``AlterField`` (3.2 through 5.2) changes its model's entry in place and no
    other, then asks whether any model of the state refers to the field
    (``field_is_referenced``), only to decide whether a rendered app registry reloads
    the model later (``reload_model(delay=...)``), which a state that is never rendered
    does not have: a walk of every field of every model at each ``AlterField``, most of
    the replay's time on a large project, for nothing. The state's other models are not
    in the state it is given; its model is the same object. Read in Django 3.2, 4.2 and
    5.2 (``AlterField.state_forwards``, ``ProjectState.alter_field``); a later Django is
    given the whole state until its code is read too.
    """
    if type(op) is _ALTER_FIELD and len(touched) == 1 and _NARROW_ALTER_FIELD:
        model = state.models.get(touched[0])
        state = ProjectState(models={touched[0]: model} if model is not None else {})
    op.state_forwards(app, state)


def touched_models(state: ProjectState, app: str, op: Any) -> list[ModelKey] | None:
    """The models whose entry in the state ``op`` may change (``None``: unknown)."""
    kind = type(op).__name__
    if kind == "RenameModel":
        old = (app, op.old_name_lower)
        found = [old, (app, op.new_name_lower)]
        for model_key, ms in state.models.items():
            for field in ms.fields.values():
                remote = getattr(field, "remote_field", None)
                if remote is None:
                    continue
                targets = (remote.model, getattr(remote, "through", None))
                if any(_resolves_to(t, model_key, old) for t in targets):
                    found.append(model_key)
                    break
        return list(dict.fromkeys(found))
    for attribute in ("model_name_lower", "name_lower"):
        name = getattr(op, attribute, None)
        if isinstance(name, str):
            return [(app, name)]
    if kind in ("SeparateDatabaseAndState", "RunSQL", "RunPython"):
        nested = getattr(op, "state_operations", [])
        out: list[ModelKey] = []
        for n in nested:
            found = touched_models(state, app, n)
            if found is None:
                return None
            out.extend(found)
        return out
    return None


def _resolves_to(reference: Any, owner: ModelKey, target: ModelKey) -> bool:
    if not isinstance(reference, str):
        return False
    if reference == "self":
        return owner == target
    app, _, name = reference.rpartition(".")
    return (app or owner[0], name.lower()) == target


# -- one field's facts --------------------------------------------------------------


def _fact(value: Any) -> bool | None:
    return None if isinstance(value, Unread) else bool(value)


def field_facts(
    app_label: str, model_name: str, name: str, field: Any, changed_by: MigrationKey | None
) -> FieldFacts:
    """What a field object of the state says, with unread values as unknown."""
    if isinstance(field, OpaqueField):
        facts = field.facts
        to = facts.get("to")
        column = facts.get("db_column")
        return FieldFacts(
            name=name,
            type=field.type_name,
            null=facts.get("null"),
            has_default=facts.get("default"),
            has_db_default=facts.get("db_default"),
            blank=facts.get("blank"),
            changed_by=changed_by,
            primary_key=facts.get("primary_key"),
            column=column if isinstance(column, str) else None,
            related_model=_relation(to, app_label, model_name) if isinstance(to, str) else None,
            many_to_many=facts.get("many_to_many"),
            empty_strings_allowed=facts.get("empty_strings_allowed"),
            auto_now=(
                bool(facts.get("auto_now") or facts.get("auto_now_add"))
                if "auto_now" in facts or "auto_now_add" in facts
                else None
            ),
            generated=facts.get("generated"),
            opaque=True,
        )
    remote = getattr(field, "remote_field", None)
    m2m = bool(field.many_to_many)
    if m2m:
        column = None
    elif isinstance(field, models.ForeignKey):
        column = field.db_column or f"{name}_id"
    else:
        column = field.db_column or name
    default = getattr(field, "default", NOT_PROVIDED)
    db_default = getattr(field, "db_default", NOT_PROVIDED)
    return FieldFacts(
        name=name,
        type=type(field).__name__,
        null=_fact(field.null),
        has_default=default is not NOT_PROVIDED,
        has_db_default=None if isinstance(db_default, Unread) else db_default is not NOT_PROVIDED,
        blank=_fact(field.blank),
        changed_by=changed_by,
        primary_key=_fact(field.primary_key),
        column=column,
        related_model=(
            _relation(remote.model, app_label, model_name) if remote is not None else None
        ),
        many_to_many=m2m,
        empty_strings_allowed=bool(field.empty_strings_allowed),
        auto_now=bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)),
        generated=bool(getattr(field, "generated", False)),
    )


def _relation(reference: Any, app_label: str, model_name: str) -> str | None:
    if not isinstance(reference, str):
        return None
    if reference == "self":
        return f"{app_label}.{model_name}"
    app, _, name = reference.rpartition(".")
    return f"{app or app_label}.{name.lower()}"


# -- the state along a project's graph ---------------------------------------------------


class GraphView:
    """What the replay needs of one of Django's graphs (the project's, or the one without
    squashes): the order ``migrate`` applies everything in."""

    def __init__(self, graph: Any, skip: Iterable[MigrationKey] = ()) -> None:
        self.graph = graph
        #: Nodes left out of :attr:`order` (the squashes, in the graph that keeps the
        #: migrations they replace: their operations are those migrations').
        self.skip = frozenset(skip)

    @cached_property
    def order(self) -> list[MigrationKey]:
        """Every node, as ``migrate`` applies them on an empty database (each leaf's
        ``forwards_plan`` in turn, as ``MigrationExecutor.migration_plan`` does)."""
        plan: list[MigrationKey] = []
        seen: set[MigrationKey] = set()
        for leaf in self.graph.leaf_nodes():
            for key in self.graph.forwards_plan(leaf):
                if key not in seen:
                    seen.add(key)
                    plan.append(key)
        return [key for key in plan if key not in self.skip]

    def __contains__(self, key: object) -> bool:
        return key in self.graph.node_map and key not in self.skip


OperationsOf = Callable[[MigrationKey], MigrationOperations]


class _Replay:
    """One :class:`HistoricalState`, replayed along ``order`` as far as asked."""

    def __init__(self, order: list[MigrationKey]) -> None:
        self.order = order
        self.position = {key: n for n, key in enumerate(order)}
        self.state = HistoricalState()
        self.done = 0

    def reach(self, key: MigrationKey, operations: OperationsOf) -> None:
        """Apply every migration up to ``key`` (included)."""
        end = self.position[key]
        while self.done <= end:
            step = self.order[self.done]
            self.state.apply(step, operations(step))
            self.done += 1


class ProjectStates:
    """The historical state of a project, along its graph, replayed lazily.

    The state before migration *k* is the one ``migrate`` uses when it applies *k*, or
    unapplies it, on a database where every migration on disk is applied: every
    migration ordered before *k* in the full plan, as ``MigrationExecutor`` mutates it
    (``_migrate_all_forwards`` / ``_migrate_all_backwards``). After a branch that is
    more than ``loader.project_state(k)`` (*k*'s ``forwards_plan``): the migrations of
    the other branch ordered before *k* are in it too, as they are when Django runs it.

    A question is answered from a replay of only the apps it needs (the caller says
    which: see ``Project.model_before``), in that order, replayed up to *k* and no
    further; later questions go on from there, and a replay of more apps answers for
    fewer. One replay per set of apps.

    The operations come from ``operations`` (a project's cache of the files read);
    nothing here reads a file.
    """

    def __init__(self) -> None:
        self._replays: dict[tuple[int, frozenset[str]], _Replay] = {}

    def copy_without(self, apps: Iterable[str]) -> ProjectStates:
        """A copy that shares every replay not touching ``apps`` (whose files changed)."""
        gone = set(apps)
        copy = ProjectStates()
        copy._replays = {k: r for k, r in self._replays.items() if not gone & k[1]}
        return copy

    def replays(self) -> list[frozenset[str]]:
        """The sets of apps replayed so far (for tests and benchmarks)."""
        return [apps for _, apps in self._replays]

    def items(self) -> list[tuple[tuple[int, frozenset[str]], _Replay]]:
        return list(self._replays.items())

    def state_at(
        self,
        view: GraphView,
        mode: int,
        key: MigrationKey,
        operations: OperationsOf,
        apps: frozenset[str],
    ) -> HistoricalState:
        """A state that has replayed ``key``, and every migration of ``apps`` (which
        hold ``key``'s) before it in the full plan."""
        replay = self._replays.get((mode, apps))
        if replay is None:
            replay = next(
                (r for (m, a), r in self._replays.items() if m == mode and a > apps), None
            )
        if replay is None:
            order = [k for k in view.order if k[0] in apps]
            replay = self._replays[(mode, apps)] = _Replay(order)
        replay.reach(key, operations)
        return replay.state
