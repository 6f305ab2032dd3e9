"""The :class:`Project`: every migration of a project and of its installed apps, and
Django's graph of them.

Built from static reads only (:mod:`.reader`), ordered by Django's own
``MigrationGraph`` (:mod:`.loader`). It answers the graph half of
:class:`~django_migration_lsp.checks.facts.ProjectFacts` for the per-file rules, gives
the rollback plan (:mod:`.rollback`) its graph, and is the graph the historical state
replays along.

The graph API, for the layers built on it (state, plan, the editor's lenses):

* :attr:`Project.graph`: Django's ``MigrationGraph`` with every migration on disk applied
  (squashes stand in for what they replace); each node's value is its
  :class:`~.reader.MigrationInfo`. Read it, do not change it.
* :meth:`Project.info`, :meth:`Project.path_of`, :meth:`Project.migration_of`: node <-> file.
* :meth:`Project.node` (a key, or the squash that stands in for a replaced one),
  :meth:`Project.forwards_plan` (a node's ancestors, dependencies first: the replay order
  for the state before/after it), :meth:`Project.full_plan` (the whole project as
  ``migrate`` applies it on an empty database), :meth:`Project.ancestors`.
* :attr:`Project.links`: the same edges as plain data, which the per-file questions use.
* :attr:`Project.problems`: what Django would refuse, or what could not be read.
* :meth:`Project.refresh` (files saved, changed or created on disk) and
  :meth:`Project.with_source` (a copy in which one file has other text: a fix, an editor
  buffer): only that file is read; the graph is rebuilt only when what links it changed
  (its dependencies, ``run_before``, ``replaces``). :attr:`Project.generation` grows at
  each rebuild, for caches keyed on the graph.

The historical state, for the same layers (the other half of ``ProjectFacts``):

* :meth:`Project.model_before`, :meth:`Project.models_before`,
  :meth:`Project.has_model_before`, :meth:`Project.deleted_after`: the models just before
  an operation, as ``migrate`` has them when it applies or unapplies it (every
  migration ordered before it in the full plan), replayed lazily (:mod:`.state`), only
  the apps the question needs (:meth:`Project.apps_for`); :meth:`Project.operations`,
  the operations read from a file (once). :mod:`.explain` builds the editor's hovers on
  them.
* :meth:`Project.expect` / :meth:`Project.prepare`: what ``check`` says before it hands
  the project to its workers (the files that will ask; the state replayed once for
  them: the answers travel with the pickle).
* ``with_source`` and ``refresh`` keep the operations read from the other files and the
  replays that do not involve the changed file's app.

A ``Project`` pickles to its infos, settings, :attr:`links` and the state's answers
replayed so far (the CLI hands it to worker processes, which answer the rules without
importing Django); Django's graph is rebuilt from the infos on first use (tens of
milliseconds for 1,400 nodes).
"""

from __future__ import annotations

import copy as copy_module
import gc
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from .discovery import SKIP_DIRS
from .environment import Environment, find_app, migration_names
from .problems import Problem
from .reader import NO_MIGRATION_CLASS, MigrationInfo, MigrationKey, read_file, read_migration
from .settings import Settings, find_settings_modules, read_module, read_settings
from .sources import migration_file, project_migrations

if TYPE_CHECKING:
    from ..checks.facts import ModelFacts
    from .history import StateAnswers
    from .loader import LoadedGraph
    from .operations import MigrationOperations
    from .state import GraphView, ProjectStates

#: What marks a project's root when no folder above holds ``manage.py``.
ROOT_MARKERS = ("pyproject.toml", ".git")


def find_root(start: Path, *, named: bool = False) -> Path:
    """The project root for ``start``: the nearest folder at or above it holding
    ``manage.py``; else (unless ``named``: then ``start`` itself, a folder named on the
    command line) the nearest holding ``pyproject.toml`` or ``.git``; else ``start``'s
    folder."""
    here = Path(os.path.abspath(start))
    if not here.is_dir():
        here = here.parent
        named = False  # a file named: its project, not its folder
    folders = (here, *here.parents)
    for folder in folders:
        if (folder / "manage.py").is_file():
            return folder
    if named:
        return here
    for folder in folders:
        if any((folder / marker).exists() for marker in ROOT_MARKERS):
            return folder
    return here


@dataclass(frozen=True)
class Stamp:
    """What tells that a file changed on disk without reading it."""

    mtime_ns: int
    size: int

    @classmethod
    def of(cls, path: Path) -> Stamp | None:
        try:
            st = path.stat()
        except OSError:
            return None
        return cls(st.st_mtime_ns, st.st_size)


@dataclass(frozen=True)
class Links:
    """The graph's edges as plain data: what the per-file rules ask (ancestors, leaves),
    answered without Django, so that a worker process given a pickled project does not
    import it."""

    #: Each node and its parents (after squashes replaced what they replace).
    parents: dict[MigrationKey, tuple[MigrationKey, ...]]
    #: Each app's leaf nodes, sorted.
    leaves: dict[str, tuple[MigrationKey, ...]]
    #: A replaced migration -> the squash standing in for it.
    replaced_by: dict[MigrationKey, MigrationKey]


@dataclass
class Project:
    """Every migration of a project and its installed apps, and Django's graph of them."""

    root: Path
    settings: Settings
    environment: Environment
    #: Every migration on disk (replaced ones included), by key.
    infos: dict[MigrationKey, MigrationInfo]
    #: Keys of the migrations that are the project's own files (not installed packages).
    own: frozenset[MigrationKey] = frozenset()
    #: Installed apps without migrations (Django's ``unmigrated_apps``).
    unmigrated_apps: frozenset[str] = frozenset()
    #: Apps with a migrations package (possibly empty).
    migrated_apps: frozenset[str] = frozenset()
    #: Labels of every app known to be installed (with or without migrations).
    installed_labels: frozenset[str] = frozenset()
    #: Installed apps' packages by label, as far as they were found (``"auth"`` ->
    #: ``"django.contrib.auth"``).
    app_packages: dict[str, str] = field(default_factory=dict)
    #: Problems met while reading the files (the graph adds its own: :attr:`problems`).
    read_problems: tuple[Problem, ...] = ()
    stamps: dict[str, Stamp] = field(default_factory=dict)
    #: Grows each time the graph is rebuilt.
    generation: int = 0
    #: App labels a rule asked about that cannot be found (see :meth:`unknown_app`).
    notes: dict[str, str] = field(default_factory=dict)
    #: Apps whose historical state questions will come for (see :meth:`expect`).
    expected: frozenset[str] = frozenset()

    # -- pickling: the graph is derived, rebuilt on first use -------------------

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["links"] = self.links  # plain data: the worker need not import Django
        shipped = list(self._shipped)
        if "_states" in self.__dict__:  # what was replayed here travels, as plain answers
            shipped += [(m, apps, r.state.answers()) for (m, apps), r in self._states.items()]
        for derived in (*_DERIVED, "_operations"):
            if derived != "links":
                state.pop(derived, None)
        if shipped:
            state["_shipped"] = shipped
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    # -- the graph --------------------------------------------------------------

    @cached_property
    def loaded(self) -> LoadedGraph:
        from .loader import build_graph  # Django: imported when a graph is first needed

        return build_graph(
            {k: v for k, v in self.infos.items() if v.is_migration},
            migrated_apps=self.migrated_apps,
            unmigrated_apps=self.unmigrated_apps,
            setting=self.setting,
        )

    @property
    def graph(self):
        """Django's ``MigrationGraph``, every migration on disk applied."""
        return self.loaded.graph

    @cached_property
    def unreplaced(self) -> LoadedGraph:
        """The graph with squashes *not* standing in for what they replace (Django
        falls back to it when a ``migrate`` target is a replaced migration)."""
        from .loader import build_graph

        return build_graph(
            {k: v for k, v in self.infos.items() if v.is_migration},
            migrated_apps=self.migrated_apps,
            unmigrated_apps=self.unmigrated_apps,
            setting=self.setting,
            replace=False,
        )

    @cached_property
    def links(self) -> Links:
        """The edges of :attr:`graph`, built without Django (:mod:`.links`): a ``check``
        whose rules ask only the graph does not import it."""
        from .links import plain_links

        return Links(
            *plain_links(
                {k: v for k, v in self.infos.items() if v.is_migration},
                migrated_apps=self.migrated_apps,
                unmigrated_apps=self.unmigrated_apps,
                setting=self.setting,
            )
        )

    @property
    def problems(self) -> list[Problem]:
        return [*self.read_problems, *self.loaded.problems]

    @cached_property
    def _by_path(self) -> dict[str, MigrationKey]:
        return {os.path.normcase(os.path.abspath(i.path)): k for k, i in self.infos.items()}

    @cached_property
    def _ancestors(self) -> dict[MigrationKey, frozenset[MigrationKey]]:
        return {}

    def setting(self, name: str) -> str | None:
        """A setting's value as the settings modules say (for ``swappable_dependency``)."""
        return setting_value(self.settings, self.root, name)

    # -- nodes and files --------------------------------------------------------

    def info(self, key: MigrationKey) -> MigrationInfo | None:
        return self.infos.get(key)

    def path_of(self, key: MigrationKey) -> str | None:
        info = self.infos.get(key)
        return info.path if info is not None else None

    def node(self, key: MigrationKey) -> MigrationKey | None:
        """The graph node for ``key``: itself, or the squash standing in for it."""
        parents = self.links.parents
        if key in parents:
            return key
        replacement = self.links.replaced_by.get(key)
        return replacement if replacement in parents else None

    def is_own(self, key: MigrationKey) -> bool:
        return key in self.own

    def migrations_of(self, app_label: str) -> list[MigrationKey]:
        """Every migration of an app on disk (replaced ones included), by name."""
        return sorted(k for k in self.infos if k[0] == app_label and self.infos[k].is_migration)

    # -- plans (Django's order) -------------------------------------------------

    def forwards_plan(self, key: MigrationKey) -> list[MigrationKey]:
        """``key``'s ancestors and ``key`` itself, in the order ``migrate`` applies them."""
        node = self.node(key)
        return self.graph.forwards_plan(node) if node is not None else []

    def full_plan(self) -> list[MigrationKey]:
        """Every migration, in the order ``migrate`` applies them to an empty database
        (``MigrationExecutor.migration_plan(leaf_nodes, clean_start=True)``)."""
        return list(self._view(0).order)

    def ancestors(self, key: MigrationKey) -> frozenset[MigrationKey]:
        """Every node ``key`` depends on, through any path (not ``key`` itself)."""
        node = self.node(key)
        if node is None:
            return frozenset()
        cached = self._ancestors.get(node)
        if cached is None:
            parents = self.links.parents
            seen: set[MigrationKey] = set()
            stack = list(parents[node])
            while stack:
                parent = stack.pop()
                if parent not in seen:
                    seen.add(parent)
                    stack.extend(parents.get(parent, ()))
            cached = frozenset(seen)
            self._ancestors[node] = cached
        return cached

    # -- ProjectFacts: the graph half -------------------------------------------

    def migration_of(self, path: str) -> MigrationKey | None:
        key = self._by_path.get(os.path.normcase(os.path.abspath(path)))
        return key if key is not None and self.infos[key].is_migration else None

    def has_app(self, app_label: str) -> bool:
        return app_label in self.links.leaves

    def is_ancestor(self, ancestor: MigrationKey, of: MigrationKey) -> bool:
        node = self.node(ancestor)
        return node is not None and node in self.ancestors(of)

    def leaf(self, app_label: str) -> MigrationKey | None:
        leaves = self.links.leaves.get(app_label)
        return leaves[-1] if leaves else None

    def creators(self, app_label: str, model_name: str) -> tuple[MigrationKey, ...]:
        return self._creators.get((app_label, model_name.lower()), ())

    @cached_property
    def _creators(self) -> dict[tuple[str, str], tuple[MigrationKey, ...]]:
        """(app, lower-cased model) -> the graph's nodes that create it, sorted."""
        found: dict[tuple[str, str], list[MigrationKey]] = {}
        for key in sorted(self.links.parents):
            for name in dict.fromkeys(name.lower() for name in self.infos[key].creates):
                found.setdefault((key[0], name), []).append(key)
        return {model: tuple(keys) for model, keys in found.items()}

    def unknown_app(self, app_label: str, path: str | None = None) -> None:
        """A rule met an app label that is in neither the project nor the environment;
        the caller says so once per label (:attr:`notes`)."""
        self.notes.setdefault(app_label, path or "")

    # -- ProjectFacts: the historical state ----------------------------------------

    def operations(self, key: MigrationKey) -> MigrationOperations:
        """The operations of migration ``key``, read into Django's operation objects
        (:mod:`.operations`), once; what ``with_source`` gave is read, else the file."""
        cache = self._operations
        found = cache.get(key)
        if found is None:
            found = cache[key] = self._read_operations(key)
        return found

    def _read_operations(self, key: MigrationKey) -> MigrationOperations:
        from .operations import MigrationOperations
        from .reader import blob_id

        info = self.infos.get(key)
        if info is None:
            return MigrationOperations(problem=f"no migration {key[0]}.{key[1]} on disk")
        data = self._texts.get(info.path)
        if data is None:
            try:
                data = read_file(info.path)
            except OSError as exc:
                return MigrationOperations(problem=f"cannot read {info.path}: {exc}")
            if blob_id(data) != info.blob:  # not what the graph was built from
                return MigrationOperations(problem=f"{info.path} changed since it was read")
        return operations_of(info.path, data, self.settings.user_model)

    def take_operations(self, read: Mapping[str, tuple[str, MigrationOperations]]) -> None:
        """Operations read ahead (``check`` reads them while its workers read the
        files): ``{path: (blob id of the bytes read, operations)}``. Those of a file
        whose info was read from other bytes are left out."""
        cache = self._operations
        for key, info in self.infos.items():
            found = read.get(info.path)
            if found is not None and found[0] == info.blob and info.path not in self._texts:
                cache.setdefault(key, found[1])

    def state_at(self, key: MigrationKey, app_label: str | None = None) -> StateAnswers:
        """A historical state that has replayed ``key``, holding what Django's holds
        there for the models of ``key``'s app (and of ``app_label``): answers that came
        with the project (:meth:`prepare`, in ``check``'s main process), else a replay
        of :class:`.state.ProjectStates` (Django imported then)."""
        mode = self._mode(key)
        apps = self.apps_for(key[0], app_label)
        for shipped_mode, shipped_apps, answers in self._shipped:
            if shipped_mode == mode and shipped_apps >= apps and answers.has_replayed(key):
                return answers
        return self._states.state_at(self._view(mode), mode, key, self.operations, apps)

    def replay_of(self, key: MigrationKey) -> tuple[tuple[int, frozenset[str]], int]:
        """Which replay answers the state questions about ``key`` (the graph it follows
        and the apps it replays, as :meth:`state_at` picks them), and how many
        migrations it applies up to ``key``: what ``check`` shares out among its
        workers. Builds Django's graph. ``LookupError`` when ``key`` is not a node."""
        mode = self._mode(key)
        apps = self.apps_for(key[0])
        positions = self._replay_positions.get((mode, apps))
        if positions is None:
            order = (k for k in self._view(mode).order if k[0] in apps)
            positions = self._replay_positions[(mode, apps)] = {k: n for n, k in enumerate(order)}
        return (mode, apps), positions.get(key, 0) + 1

    @cached_property
    def _replay_positions(self) -> dict[tuple[int, frozenset[str]], dict[MigrationKey, int]]:
        return {}

    def apps_for(self, app: str, also: str | None = None) -> frozenset[str]:
        """The apps whose operations make the state of ``app``'s models (and of
        ``also``'s): the app itself, and the apps it depends on that rename a model
        (``RenameModel`` repoints the relations to the renamed model; no other
        operation changes another app's models, and a migration names another app's
        model only after depending on it). A group of :meth:`expect` holding them all
        is replayed instead: one replay answers for the whole group."""
        renaming = self._renaming_apps
        found = {app, *(self.closure(app) & renaming)}
        if also is not None and also != app:
            found |= {also, *(self.closure(also) & renaming)}
        needed = frozenset(found)
        return next((group for group in self._groups if group >= needed), needed)

    def closure(self, app: str) -> frozenset[str]:
        """``app`` and the apps its migrations depend on (``dependencies``, and the
        ``run_before`` of others), through any path; read from the files' infos, so
        that it holds for the graph with squashes and the one without."""
        closures = self._closures
        found = closures.get(app)
        if found is None:
            edges = self._app_edges
            seen = {app}
            stack = [app]
            while stack:
                for other in edges.get(stack.pop(), ()):
                    if other not in seen:
                        seen.add(other)
                        stack.append(other)
            found = closures[app] = frozenset(seen)
        return found

    @cached_property
    def _app_edges(self) -> dict[str, set[str]]:
        edges: dict[str, set[str]] = {}
        for key, info in self.infos.items():
            for dep in info.dependencies:
                label = _label_of(dep, self.settings, self.root)
                if label and label != key[0]:
                    edges.setdefault(key[0], set()).add(label)
            for child in info.run_before:
                if child.app_label and child.app_label != key[0]:
                    edges.setdefault(child.app_label, set()).add(key[0])
        return edges

    @cached_property
    def _closures(self) -> dict[str, frozenset[str]]:
        return {}

    def expect(self, paths: Iterable[str]) -> None:
        """Questions about the state will come for the migrations at ``paths`` (the files
        ``check`` is about to analyse): the apps whose replays would share apps (the
        apps they depend on that rename a model) are replayed together, once, instead of
        once each. Nothing is read or replayed here."""
        apps = {key[0] for key in map(self.migration_of, paths) if key is not None}
        self.expected = self.expected | frozenset(apps)
        self.__dict__.pop("_groups", None)

    def prepare(self, paths: Iterable[str]) -> None:
        """Replay now the state that questions about the migrations at ``paths`` need
        (as far as the latest of them), so that the answers travel with the project to
        ``check``'s worker processes instead of each of them replaying it again."""
        keys = [key for key in map(self.migration_of, paths) if key is not None]
        self.expect(self.path_of(key) or "" for key in keys)
        for key in keys:
            try:
                self.state_at(key)
            except LookupError:
                continue

    @cached_property
    def _groups(self) -> list[frozenset[str]]:
        if not self.expected:
            return []
        renaming = self._renaming_apps
        grouped: list[set[str]] = []
        for app in sorted(self.expected):
            group = {app, *(self.closure(app) & renaming)}
            for other in [g for g in grouped if g & group & renaming]:
                grouped.remove(other)
                group |= other
            grouped.append(group)
        return [frozenset(g) for g in grouped]

    @cached_property
    def _renaming_apps(self) -> frozenset[str]:
        return frozenset(k[0] for k, info in self.infos.items() if info.renames)

    def model_before(
        self,
        key: MigrationKey,
        operation_index: int,
        app_label: str,
        model_name: str,
        *,
        database_operation: int | None = None,
    ) -> ModelFacts | None:
        """See :meth:`~django_migration_lsp.checks.facts.ProjectFacts.model_before`.

        Replays what the question needs, no more: ``key``'s app and ``app_label`` (and
        the apps of :meth:`apps_for`), up to ``key`` (see :class:`.state.ProjectStates`)."""
        state = self.state_at(key, app_label)
        return state.model_before(
            key, operation_index, app_label, model_name, database_operation=database_operation
        )

    def models_before(
        self, key: MigrationKey, operation_index: int, app_label: str
    ) -> dict[str, ModelFacts]:
        """Every model of an app known just before that operation, by lower-cased name
        (``{}`` when the state there is unknown)."""
        try:
            state = self.state_at(key, app_label)
        except LookupError:
            return {}
        return state.models_before(key, operation_index, app_label)

    def has_model_before(
        self, key: MigrationKey, operation_index: int, app_label: str, model_name: str
    ) -> bool:
        """See :meth:`~django_migration_lsp.checks.facts.ProjectFacts.has_model_before`.

        Answered from the files' infos when they settle it (a migration ``key`` depends
        on creates the model, and no migration of its app deletes or renames it), so
        that the usual ``apps.get_model`` of a data migration needs no replay."""
        created, deleters = self._model_index.get((app_label, model_name.lower()), ((), ()))
        if not deleters and any(self.is_ancestor(c, key) for c in created):
            return True
        return self.model_before(key, operation_index, app_label, model_name) is not None

    def deleted_after(self, key: MigrationKey, app_label: str, model_name: str) -> bool:
        """See :meth:`~django_migration_lsp.checks.facts.ProjectFacts.deleted_after`."""
        _, deleters = self._model_index.get((app_label, model_name.lower()), ((), ()))
        return any(self.is_ancestor(key, d) for d in deleters)

    @cached_property
    def _model_index(
        self,
    ) -> dict[tuple[str, str], tuple[tuple[MigrationKey, ...], tuple[MigrationKey, ...]]]:
        """(app, lower-cased model) -> (the migrations on disk that create it, those that
        delete it or rename it away)."""
        created: dict[tuple[str, str], list[MigrationKey]] = {}
        deleted: dict[tuple[str, str], list[MigrationKey]] = {}
        for key, info in self.infos.items():
            for name in info.creates:
                created.setdefault((key[0], name.lower()), []).append(key)
            for name in info.deletes:
                deleted.setdefault((key[0], name.lower()), []).append(key)
        return {
            model: (tuple(sorted(created.get(model, ()))), tuple(sorted(deleted.get(model, ()))))
            for model in created.keys() | deleted.keys()
        }

    def _mode(self, key: MigrationKey) -> int:
        """Which graph a question about ``key`` is answered on: the project's (0), or,
        for a migration a squash replaces, the one that keeps what squashes replace, the
        squashes left out of the replay (1). Read from :attr:`links`: no Django."""
        if key in self.links.parents:
            return 0
        if key in self.links.replaced_by and key in self.infos:
            return 1
        raise LookupError(f"{key[0]}.{key[1]} is not in the migration graph")

    def _view(self, mode: int) -> GraphView:
        views = self._views
        if mode not in views:
            from .state import GraphView

            loaded = self.unreplaced if mode else self.loaded
            views[mode] = GraphView(loaded.graph, loaded.replacements if mode else ())
        return views[mode]

    @cached_property
    def _views(self) -> dict[int, GraphView]:
        return {}

    @cached_property
    def _states(self) -> ProjectStates:
        from .state import ProjectStates

        return ProjectStates()

    @cached_property
    def _shipped(self) -> list[tuple[int, frozenset[str], StateAnswers]]:
        """Answers replayed by the process that pickled this project (see :meth:`prepare`)."""
        return []

    @cached_property
    def _operations(self) -> dict[MigrationKey, MigrationOperations]:
        return {}

    @cached_property
    def _texts(self) -> dict[str, str | bytes]:
        """Texts given by :meth:`with_source`, by path (what the operations are read from)."""
        return {}

    # -- changes ----------------------------------------------------------------

    def refresh(self, paths: Iterable[str | Path] | None = None) -> set[MigrationKey]:
        """Read again the files whose stamp (mtime, size) changed on disk: all known
        migrations by default, or ``paths`` (which may name new migration files of the
        project: they are added). Returns the keys whose info changed; a file that
        disappeared leaves the graph. Each file is read once, alone: a save updates its
        own node, and the graph is rebuilt only if what links it changed.
        """
        changed: set[MigrationKey] = set()
        wanted = None if paths is None else {os.path.abspath(p) for p in paths}
        for key, info in list(self.infos.items()):
            if wanted is not None and os.path.abspath(info.path) not in wanted:
                continue
            if wanted is not None:
                wanted.discard(os.path.abspath(info.path))
            stamp = Stamp.of(Path(info.path))
            if stamp == self.stamps.get(info.path):
                continue
            if stamp is None:
                del self.infos[key]
                self.stamps.pop(info.path, None)
                self._forget(key, info.path)
                self._invalidate()
                changed.add(key)
                continue
            try:
                data = read_file(info.path)
            except OSError:
                continue
            self.stamps[info.path] = stamp
            self._texts.pop(info.path, None)  # the file on disk, from now on
            if self._put(read_migration(info.path, key[0], key[1], data)):
                changed.add(key)
        for path in sorted(wanted or ()):
            found = migration_file(self.root, Path(path))
            if found is None or found.key in self.infos:
                continue
            stamp = Stamp.of(found.path)
            try:
                data = read_file(found.path)
            except OSError:
                continue
            if stamp is not None:
                self.stamps[str(found.path)] = stamp
            self._put(read_migration(str(found.path), found.app_label, found.name, data))
            self.own = self.own | {found.key}
            self.migrated_apps = self.migrated_apps | {found.app_label}
            changed.add(found.key)
        return changed

    def with_source(self, path: str, text: str | bytes) -> Project:
        """A copy of this project in which the migration at ``path`` has ``text``
        (a fixed file, an editor's unsaved buffer). ``self`` is unchanged.

        The copy shares what the change leaves as it is: the graph and its caches when
        the links are the same, the operations read from the other files, and the
        replays of the state that do not involve the file's app."""
        key = self._by_path.get(os.path.normcase(os.path.abspath(path)))
        if key is None:
            return self
        old = self.infos[key]
        new = read_migration(old.path, key[0], key[1], text)
        if new == old:
            return self
        copy = replace(self, infos=dict(self.infos), stamps=dict(self.stamps), notes=self.notes)
        copy.generation = self.generation
        derived = self.__dict__
        if _links(old) == _links(new):
            for name in ("links", "_by_path", "_ancestors", "_views"):
                if name in derived:
                    copy.__dict__[name] = derived[name]
            for name in ("loaded", "unreplaced"):
                if name in derived:  # the node values change: a graph of its own
                    copy.__dict__[name] = _with_own_nodes(derived[name])
            for name in ("_states", "_shipped", "_closures", "_app_edges"):
                if name in derived:  # the file's app's replays are dropped: see ``_forget``
                    copy.__dict__[name] = derived[name]
        copy.__dict__["_operations"] = dict(self._operations)
        copy.__dict__["_texts"] = {**self._texts, old.path: text}
        copy._put(new)
        return copy

    def _put(self, info: MigrationInfo) -> bool:
        """Store a re-read info; ``False`` when nothing changed. The graph is kept (its
        node values swapped) when the links are the same, else rebuilt on next use."""
        key = info.key
        old = self.infos.get(key)
        if old == info:
            return False
        self.infos[key] = info
        self._forget(key, None)
        if old is not None and _links(old) == _links(info):
            for derived in ("loaded", "unreplaced"):
                loaded = self.__dict__.get(derived)
                if loaded is not None and key in loaded.graph.nodes:
                    loaded.graph.nodes[key] = info
        else:
            self._invalidate()
        return True

    def _forget(self, key: MigrationKey, path: str | None) -> None:
        """What was derived from one file's operations: they are read again when asked,
        and the replays of its app start over (the others are kept)."""
        derived = self.__dict__
        derived.get("_operations", {}).pop(key, None)
        derived.pop("_model_index", None)
        derived.pop("_creators", None)
        derived.pop("_renaming_apps", None)
        derived.pop("_groups", None)
        if path is not None:
            derived.get("_texts", {}).pop(path, None)
        if "_states" in derived:
            derived["_states"] = derived["_states"].copy_without({key[0]})
        if derived.get("_shipped"):
            derived["_shipped"] = [s for s in derived["_shipped"] if key[0] not in s[1]]

    def _invalidate(self) -> None:
        for derived in _DERIVED:
            self.__dict__.pop(derived, None)
        self.generation += 1


def _links(info: MigrationInfo) -> tuple:
    """What of an info the graph is made of."""
    return (info.is_migration, info.dependencies, info.run_before, info.replaces)


#: What is derived from the graph (``_operations``, read from the files, survives a
#: change of the links: the files that did not change read the same).
_DERIVED = (
    "loaded",
    "unreplaced",
    "links",
    "_by_path",
    "_ancestors",
    "_views",
    "_states",
    "_model_index",
    "_creators",
    "_renaming_apps",
    "_groups",
    "_shipped",
    "_closures",
    "_app_edges",
    "_replay_positions",
)


def _with_own_nodes(loaded: LoadedGraph) -> LoadedGraph:
    """A copy of a loaded graph that shares its nodes and edges but not the dict of node
    values (which ``_put`` changes in place)."""
    graph = copy_module.copy(loaded.graph)
    graph.nodes = dict(loaded.graph.nodes)
    return replace(loaded, graph=graph)


# -- building ---------------------------------------------------------------------


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Parsing a thousand files allocates millions of nodes that reference counting frees;
    the cycle collector's default thresholds would walk the growing project many times."""
    old = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*old)


def operations_of(path: str, data: bytes | str, auth_user_model: str) -> MigrationOperations:
    """The operations of a migration file's contents, read into Django's operation
    objects (:mod:`.operations`; Django is imported)."""
    import ast
    import warnings

    from ..checks.source import SourceDecodeError, SourceFile, decode_source
    from .operations import MigrationOperations, read_operations

    try:
        text = decode_source(data)[0] if isinstance(data, bytes) else data
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text, filename=path)
    except (SourceDecodeError, SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return MigrationOperations(problem=f"cannot parse {path}: {exc}")
    return read_operations(SourceFile(text, path), tree, auth_user_model=auth_user_model)


#: One migration file read: its stamp, and its info or why it could not be read.
FileRead = tuple[Stamp | None, MigrationInfo | None, str | None]
#: Reads files given as ``(path, app label, name)``, one :data:`FileRead` each, in order.
FileReader = Callable[[Sequence[tuple[str, str, str]]], list[FileRead]]


def read_files(
    files: Sequence[tuple[str, str, str]], known: Mapping[str, bytes] | None = None
) -> list[FileRead]:
    """Read migration files given as ``(path, app label, name)``: the default
    :data:`FileReader` (``check`` runs it on every core). ``known`` holds bytes already
    read, by absolute path: those files are not read again."""
    found: list[FileRead] = []
    for path, label, name in files:
        stamp = Stamp.of(Path(path))
        data = known.get(os.path.abspath(path)) if known else None
        if data is None:
            try:
                data = read_file(path)
            except OSError as exc:
                found.append((stamp, None, f"cannot read {path}: {exc}"))
                continue
        found.append((stamp, read_migration(path, label, name, data), None))
    return found


def load_project(
    root: Path,
    *,
    environment: Environment | None = None,
    settings: Settings | None = None,
    read: FileReader = read_files,
) -> Project:
    with _fewer_collections():
        return _load_project(root, environment=environment, settings=settings, read=read)


def _load_project(
    root: Path,
    *,
    environment: Environment | None = None,
    settings: Settings | None = None,
    read: FileReader = read_files,
) -> Project:
    """Read every migration of the project under ``root`` and of the apps it depends on.

    The project's own migrations are found as ``check`` finds them
    (:func:`.sources.project_migrations`) and read with ``read``, all at once (the
    first file of each migration only: a second is a duplicate); an app they depend
    on, or that ``INSTALLED_APPS`` names, and that the project does not contain is
    looked up in ``environment`` (this tool's ``sys.path`` by default) and its
    migrations read from there. Nothing is imported.
    """
    root = Path(os.path.abspath(root))
    environment = environment or Environment.current()
    settings = settings if settings is not None else read_settings(root)
    infos: dict[MigrationKey, MigrationInfo] = {}
    stamps: dict[str, Stamp] = {}
    problems: list[Problem] = [Problem("settings", c) for c in settings.conflicts]

    def add(path: Path, label: str, name: str, done: FileRead | None = None) -> None:
        key = (label, name)
        if key in infos:
            problems.append(
                Problem(
                    "duplicate",
                    f"two files for migration {label}.{name}: {infos[key].path} and {path} "
                    "(the first is used)",
                    key,
                    str(path),
                )
            )
            return
        stamp, info, error = done or read_files([(str(path), label, name)])[0]
        if info is None:
            problems.append(Problem("unreadable", error or "", key, str(path)))
            return
        infos[key] = info
        if stamp is not None:
            stamps[str(path)] = stamp
        for message in info.problems:
            if info.is_migration:
                kind = "static"
            elif message == NO_MIGRATION_CLASS:
                kind = "not-a-migration"
            else:  # Django cannot import it: a syntax error, undecodable bytes
                kind = "unreadable"
            problems.append(Problem(kind, f"{path}: {message}", key, str(path)))

    files = project_migrations(root, settings)
    first: dict[MigrationKey, int] = {}
    for n, file in enumerate(files):
        first.setdefault(file.key, n)
    ahead = sorted(first.values())
    done = dict(zip(ahead, read([(str(files[n].path), *files[n].key) for n in ahead]), strict=True))
    for n, file in enumerate(files):
        add(file.path, file.app_label, file.name, done.get(n))
    own = frozenset(infos)
    migrated = {key[0] for key in own}

    # Installed apps, read from the settings: label -> package.
    installed: dict[str, str] = {}
    for entry in settings.installed_apps:
        found = environment.installed_app(entry, first=[root])
        if found is not None:
            installed.setdefault(found[0], found[1])
        else:
            problems.append(
                Problem(
                    "environment",
                    f"INSTALLED_APPS names {entry!r}, which is neither in the project nor in "
                    f"the environment ({_where(environment)})",
                )
            )

    # Apps the project does not contain: those installed, and those its migrations (and
    # theirs, transitively) depend on, looked up in the environment.
    unmigrated: set[str] = set()
    looked: set[str] = set(migrated)
    wanted: list[str] = [label for label in installed if label not in migrated]
    wanted += [label for key in sorted(own) for label in _labels(infos[key], settings, root)]
    migration_modules = dict(settings.migration_modules)
    while wanted:
        label = wanted.pop(0)
        if label in looked:
            continue
        looked.add(label)
        app = find_app(
            label,
            environment,
            installed=installed,
            migration_modules=migration_modules,
            first=[root],
        )
        if app is None:
            continue  # the graph reports what depends on it ("Dependency on unknown app")
        installed.setdefault(label, app.package)
        if app.migrations is None:
            unmigrated.add(label)
            continue
        migrated.add(label)
        for name in migration_names(app.migrations):
            add(app.migrations / f"{name}.py", label, name)
            if (label, name) in infos:
                wanted += _labels(infos[(label, name)], settings, root)

    return Project(
        root=root,
        settings=settings,
        environment=environment,
        infos=infos,
        # A package of the project that the discovery did not find (a MIGRATION_MODULES
        # folder, until discovery reads them) is still the project's own.
        own=own | {k for k, v in infos.items() if k not in own and _inside(root, v.path)},
        unmigrated_apps=frozenset(unmigrated),
        migrated_apps=frozenset(migrated),
        installed_labels=frozenset(installed) | frozenset(migrated),
        app_packages=installed,
        read_problems=tuple(problems),
        stamps=stamps,
    )


def _inside(root: Path, path: str) -> bool:
    """Is ``path`` a file of the project under ``root`` (not of a virtualenv in it)?"""
    try:
        rel = Path(path).relative_to(root)
    except ValueError:
        return False
    return not any(part in SKIP_DIRS or part.startswith(".") for part in rel.parts[:-1])


def setting_value(settings: Settings, root: Path, name: str) -> str | None:
    """A string setting as the settings modules under ``root`` set it (``AUTH_USER_MODEL``
    defaults to ``auth.User``); ``None`` when none does."""
    if name == "AUTH_USER_MODEL":
        return settings.user_model
    value = _settings_values(root).get(name)
    return value if isinstance(value, str) else None


@lru_cache(maxsize=8)
def _settings_values(root: Path) -> dict[str, object]:
    """Every top-level value of the settings modules under ``root``, the first module
    that sets a name winning (read once per root: swappable settings are rare)."""
    values: dict[str, object] = {}
    for path in find_settings_modules(root):
        for name, value in (read_module(path) or {}).items():
            values.setdefault(name, value)
    return values


def _label_of(dep, settings: Settings, root: Path) -> str:
    """The app a dependency names (a ``swappable_dependency``'s from the settings)."""
    if dep.swappable:
        value = setting_value(settings, root, dep.swappable)
        return value.split(".", 1)[0] if value else ""
    return dep.app_label


def _labels(info: MigrationInfo, settings: Settings, root: Path) -> list[str]:
    """The other apps a migration names in ``dependencies`` and ``run_before``."""
    labels = []
    for dep in (*info.dependencies, *info.run_before):
        label = dep.app_label
        if dep.swappable:
            value = setting_value(settings, root, dep.swappable)
            label = value.split(".", 1)[0] if value else ""
        if label and label != info.app_label:
            labels.append(label)
    return labels


def _where(environment: Environment) -> str:
    return f"python {environment.python}" if environment.python else "this tool's sys.path"
