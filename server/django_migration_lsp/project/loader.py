"""Migration infos -> Django's own ``MigrationGraph``, as ``MigrationLoader.build_graph``
builds it.

The order of every plan comes from Django's graph (``forwards_plan``, ``backwards_plan``,
``root_nodes``, ``leaf_nodes``), so it is exactly the order Django uses. What this module
mirrors from ``django/db/migrations/loader.py`` (3.2 through 5.2 build the graph the same
way):

1. a node for every migration, its value the :class:`~.reader.MigrationInfo`;
2. dependencies inside an app first (``__first__`` to the same app is ignored), then the
   others and ``run_before``, with ``__first__``/``__latest__`` and
   ``swappable_dependency`` resolved as ``check_key`` does;
3. squashed migrations: with every migration on disk applied (and so every migration
   they replace, which Django records when it applies a squash), the squash stands in
   for the migrations it replaces (``remove_replaced_nodes``). ``replace=False`` keeps the
   replaced ones, which Django 4.1+ falls back to when a ``migrate`` target is one of them;
4. ``validate_consistency`` and ``ensure_not_cyclic``.

Where Django raises (a dependency on a node or an app that does not exist, a cycle),
this module records a :class:`Problem` with Django's message, drops what cannot be
linked, and goes on: the rest of the graph is still the graph Django would build.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from django.db.migrations.exceptions import CircularDependencyError
from django.db.migrations.graph import DummyNode, MigrationGraph

from .links import resolve_dependency
from .problems import Problem
from .reader import MigrationInfo, MigrationKey


@dataclass
class LoadedGraph:
    """Django's graph of the migrations, and what building it met."""

    graph: MigrationGraph
    problems: list[Problem] = field(default_factory=list)
    #: Squashed migrations (those with ``replaces``), by key.
    replacements: dict[MigrationKey, MigrationInfo] = field(default_factory=dict)
    #: A replaced migration -> the squash standing in for it (empty with ``replace=False``).
    replaced_by: dict[MigrationKey, MigrationKey] = field(default_factory=dict)


def build_graph(
    infos: Mapping[MigrationKey, MigrationInfo],
    *,
    migrated_apps: Iterable[str] = (),
    unmigrated_apps: Iterable[str] = (),
    setting: Callable[[str], str | None] = lambda name: None,
    replace: bool = True,
) -> LoadedGraph:
    """Build the graph of ``infos`` as Django's loader does with every migration applied.

    ``migrated_apps`` are the apps that have a migrations package (those of ``infos``
    always are; an app whose package is empty is migrated with no migrations);
    ``unmigrated_apps`` are installed apps without one. ``setting`` gives the value of a
    setting named in ``swappable_dependency`` (``"AUTH_USER_MODEL"`` -> ``"auth.User"``).
    """
    graph = MigrationGraph()
    loaded = LoadedGraph(graph)
    migrated = {key[0] for key in infos} | set(migrated_apps)
    unmigrated = set(unmigrated_apps) - migrated

    dependencies: dict[MigrationKey, list[MigrationKey]] = {}
    for key, info in infos.items():
        graph.add_node(key, info)
        if info.replaces:
            loaded.replacements[key] = info
        resolved = []
        for dep in info.dependencies:
            parent = resolve_dependency(dep, setting)
            if parent is None:
                loaded.problems.append(
                    Problem(
                        "swappable",
                        f"Migration {info} depends on swappable_dependency(settings."
                        f"{dep.swappable}), a setting that is not read statically: "
                        "that dependency is left out",
                        key,
                        info.path,
                    )
                )
            else:
                resolved.append(parent)
        dependencies[key] = resolved

    def check_key(dep: MigrationKey, current_app: str, info: MigrationInfo) -> MigrationKey | None:
        """``MigrationLoader.check_key``: ``__first__``/``__latest__`` to a real node."""
        if dep[1] not in ("__first__", "__latest__") or dep in graph:
            return dep
        if dep[0] == current_app or dep[0] in unmigrated:
            return None
        if dep[0] in migrated:
            nodes = _ends(graph, dep[0], "parents" if dep[1] == "__first__" else "children")
            if nodes:
                return nodes[0]
            message, kind = f"Dependency on app with no migrations: {dep[0]}", "no-migrations"
        else:
            message, kind = f"Dependency on unknown app: {dep[0]}", "unknown-app"
        loaded.problems.append(Problem(kind, f"{message} (in {info})", info.key, info.path))
        return None

    # Internal dependencies first, so that ``__first__`` finds the right root node.
    for key, info in infos.items():
        for parent in dependencies[key]:
            if parent[0] == key[0] and parent[1] != "__first__":
                graph.add_dependency(info, key, parent, skip_validation=True)
    for key, info in infos.items():
        for parent in dependencies[key]:
            if parent[0] == key[0]:
                continue
            resolved = check_key(parent, key[0], info)
            if resolved is not None:
                graph.add_dependency(info, key, resolved, skip_validation=True)
        for child in info.run_before:
            resolved = check_key(child.key, key[0], info)
            if resolved is not None:
                graph.add_dependency(info, resolved, key, skip_validation=True)

    if replace:
        # Every migration on disk is applied, so every squash's replaced set is: the
        # squash is used, and dependencies on what it replaces point to it.
        for key, info in loaded.replacements.items():
            graph.remove_replaced_nodes(key, info.replaces)
            for replaced in info.replaces:
                loaded.replaced_by.setdefault(replaced, key)

    _drop_dummy_nodes(loaded)
    try:
        graph.ensure_not_cyclic()
    except CircularDependencyError as exc:
        loaded.problems.append(Problem("cycle", f"Circular dependency: {exc}"))
    return loaded


def _ends(graph: MigrationGraph, app: str, links: str) -> list[MigrationKey]:
    """``graph.root_nodes(app)`` (``links="parents"``) or ``graph.leaf_nodes(app)``
    (``"children"``), looking at the app's nodes only: Django's methods test every node
    of the graph, once per ``__first__`` resolved."""
    return sorted(
        key
        for key in graph.nodes
        if key[0] == app and all(node.key[0] != app for node in getattr(graph.node_map[key], links))
    )


def _drop_dummy_nodes(loaded: LoadedGraph) -> None:
    """``validate_consistency``, reporting every nonexistent node instead of the first,
    then unlinking them so that the rest of the graph can be used."""
    graph = loaded.graph
    dummies = [node for node in graph.node_map.values() if isinstance(node, DummyNode)]
    for dummy in sorted(dummies, key=lambda n: n.key):
        origin = dummy.origin
        loaded.problems.append(
            Problem(
                "missing-node",
                dummy.error_message,
                getattr(origin, "key", None),
                getattr(origin, "path", None),
            )
        )
        for child in dummy.children:
            child.parents.discard(dummy)
        for parent in dummy.parents:
            parent.children.discard(dummy)
        del graph.node_map[dummy.key]
        graph.nodes.pop(dummy.key, None)
