"""The answers of a replayed historical state, without Django: what ``model_before``
reads (each model's facts after the operations that touched it, by sequence number).

:class:`~.state.HistoricalState` builds these with Django's ``ProjectState``; a
:class:`StateAnswers` is the part that answers questions, plain data only, so that a
state replayed once in ``check``'s main process travels to its worker processes
(pickled with the project) and answers there without importing Django.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..checks.facts import MigrationKey, ModelFacts

ModelKey = tuple[str, str]  # (app_label, model_name lower-cased)


class Unknown:
    """A point in a model's history from which its state is unknown."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __repr__(self) -> str:
        return f"<unknown: {self.reason}>"

    def __reduce__(self) -> tuple:
        return (Unknown, (self.reason,))


@dataclass(frozen=True)
class UnknownOperation:
    """An operation the replay could not apply, and what it made unknown."""

    key: MigrationKey
    index: int
    line: int
    kind: str
    reason: str
    #: The models made unknown; ``None``: every model of the app.
    models: tuple[str, ...] | None


class ModelHistory:
    """One model's states after the operations that touched it, by sequence number."""

    __slots__ = ("seqs", "states")

    def __init__(self) -> None:
        self.seqs: list[int] = []
        self.states: list[ModelFacts | None | Unknown] = []

    def __getstate__(self) -> tuple:
        return (self.seqs, self.states)

    def __setstate__(self, state: tuple) -> None:
        self.seqs, self.states = state

    def record(self, seq: int, state: ModelFacts | None | Unknown) -> None:
        if self.seqs and self.seqs[-1] == seq:
            self.states[-1] = state  # several nested operations at one position
        else:
            self.seqs.append(seq)
            self.states.append(state)

    def before(self, seq: int) -> tuple[int, ModelFacts | None | Unknown] | None:
        i = bisect.bisect_left(self.seqs, seq)
        return (self.seqs[i - 1], self.states[i - 1]) if i else None


class StateAnswers:
    """What a replayed state says, model by model, operation by operation."""

    def __init__(self) -> None:
        #: key -> (sequence number of its first operation, number of operations)
        self._migrations: dict[MigrationKey, tuple[int, int]] = {}
        self._history: dict[ModelKey, ModelHistory] = {}
        #: Sequence numbers at which every model of an app became unknown.
        self._app_unknown: dict[str, list[tuple[int, str]]] = {}
        self._apps: set[str] = set()
        #: (key, operation index) -> one snapshot per database operation.
        self._database_views: dict[tuple[MigrationKey, int], list[dict[ModelKey, Any]]] = {}
        self.unknown: list[UnknownOperation] = []

    def answers(self) -> StateAnswers:
        """The answering half alone (plain data: picklable without Django)."""
        out = StateAnswers()
        out._migrations = dict(self._migrations)
        out._history = {k: _copy(h) for k, h in self._history.items()}
        out._app_unknown = {k: list(v) for k, v in self._app_unknown.items()}
        out._apps = set(self._apps)
        out._database_views = dict(self._database_views)
        out.unknown = list(self.unknown)
        return out

    def migrations(self) -> Iterator[MigrationKey]:
        return iter(self._migrations)

    def models(self) -> list[ModelKey]:
        """Every model that has a history (some operation touched it)."""
        return list(self._history)

    def has_replayed(self, key: MigrationKey) -> bool:
        return key in self._migrations

    def model_before(
        self,
        key: MigrationKey,
        operation_index: int,
        app_label: str,
        model_name: str,
        *,
        database_operation: int | None = None,
    ) -> ModelFacts | None:
        """See :meth:`django_migration_lsp.checks.facts.ProjectFacts.model_before`."""
        if key not in self._migrations:
            raise LookupError(f"migration {key[0]}.{key[1]} was not read")
        first, count = self._migrations[key]
        if not 0 <= operation_index <= count:
            raise LookupError(f"{key[0]}.{key[1]} has no operation {operation_index}")
        if app_label not in self._apps:
            raise LookupError(f"no migration of app {app_label!r} was read")
        model_key = (app_label, model_name.lower())
        if database_operation is not None:
            views = self._database_views.get((key, operation_index))
            if views is None or not 0 <= database_operation < len(views):
                raise LookupError(
                    f"{key[0]}.{key[1]} operation {operation_index} has no database operation "
                    f"{database_operation}"
                )
            if model_key in views[database_operation]:
                return known(views[database_operation][model_key])
        seq = first + operation_index
        history = self._history.get(model_key)
        event = history.before(seq) if history is not None else None
        app_events = self._app_unknown.get(app_label, [])
        i = bisect.bisect_left(app_events, (seq,))
        if i and (event is None or app_events[i - 1][0] > event[0]):
            raise LookupError(f"unknown after {app_events[i - 1][1]}")
        if event is None:
            return None
        return known(event[1])

    def models_before(
        self, key: MigrationKey, operation_index: int, app_label: str
    ) -> dict[str, ModelFacts]:
        """Every known model of an app just before that operation (for hovers)."""
        out = {}
        for app, name in list(self._history):
            if app != app_label:
                continue
            try:
                found = self.model_before(key, operation_index, app, name)
            except LookupError:
                continue
            if found is not None:
                out[name] = found
        return out


def known(state: ModelFacts | None | Unknown) -> ModelFacts | None:
    if isinstance(state, Unknown):
        raise LookupError(state.reason)
    return state


def _copy(history: ModelHistory) -> ModelHistory:
    out = ModelHistory()
    out.seqs, out.states = list(history.seqs), list(history.states)
    return out
