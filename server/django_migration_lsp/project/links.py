"""The graph's edges as plain data, built without importing Django.

What ``check``'s per-file rules ask of the graph (a node's parents, each app's leaves,
the squash standing in for a replaced migration) is :class:`~.model.Links`. Building it
from Django's ``MigrationGraph`` (:mod:`.loader`) costs Django's import (about 150 ms),
which a ``check`` whose rules ask no historical-state question does not otherwise pay.
This module builds the same edges on dicts of sets, step for step as
:func:`.loader.build_graph` builds Django's graph:

1. a node per migration; internal dependencies first (``__first__`` inside the app is
   skipped), then the others and ``run_before``, ``__first__``/``__latest__`` resolved
   against the graph as it is at that moment (Django's ``check_key``: the app's root or
   leaf nodes, where a dependency on a missing node already added a placeholder);
2. a dependency on a node that does not exist adds a placeholder node (Django's
   ``DummyNode``), which a later ``__first__`` may resolve to, as in Django;
3. each squash stands in for what it replaces (``remove_replaced_nodes``: the replaced
   nodes' edges move to the squash, none between them), then the placeholders are
   unlinked and dropped (what ``validate_consistency`` would refuse).

It records no problems (:mod:`.loader` does, with Django's messages); the test suite
compares its edges with those of Django's graph on every corpus package.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from .reader import Dependency, MigrationInfo, MigrationKey

_SPECIAL = ("__first__", "__latest__")


def resolve_dependency(
    dep: Dependency, setting: Callable[[str], str | None]
) -> MigrationKey | None:
    """The key a dependency stands for; ``swappable_dependency(settings.X)`` becomes
    ``(<X's app label>, "__first__")`` as in Django. ``None`` when the setting is unknown."""
    if dep.swappable is None:
        return dep.key
    value = setting(dep.swappable)
    if not value or "." not in value:
        return None
    return (value.split(".", 1)[0], "__first__")


class _Graph:
    """Nodes (placeholders included, as in Django's ``MigrationGraph.nodes``) and their
    edges both ways."""

    def __init__(self) -> None:
        #: key -> is it a placeholder (Django's ``DummyNode``)?
        self.nodes: dict[MigrationKey, bool] = {}
        self.parents: dict[MigrationKey, set[MigrationKey]] = {}
        self.children: dict[MigrationKey, set[MigrationKey]] = {}
        #: app label -> its nodes, in the order they were added (for ``check_key``).
        self.by_app: dict[str, dict[MigrationKey, None]] = {}

    def add(self, key: MigrationKey, dummy: bool) -> None:
        self.nodes[key] = dummy
        self.parents[key] = set()
        self.children[key] = set()
        self.by_app.setdefault(key[0], {})[key] = None

    def remove(self, key: MigrationKey) -> None:
        """Take a node out of the graph. Its own edge sets stay, as a removed Django
        ``Node`` keeps its own: a squash that lists itself in ``replaces`` is removed
        while its edges are still being moved."""
        del self.nodes[key]
        del self.by_app[key[0]][key]

    def add_dependency(self, child: MigrationKey, parent: MigrationKey) -> None:
        if child not in self.nodes:
            self.add(child, True)
        if parent not in self.nodes:
            self.add(parent, True)
        self.parents[child].add(parent)
        self.children[parent].add(child)

    def roots(self, app: str) -> list[MigrationKey]:
        """``MigrationGraph.root_nodes(app)``: no parent in their own app."""
        return sorted(
            k for k in self.by_app.get(app, ()) if all(p[0] != app for p in self.parents[k])
        )

    def leaves(self, app: str) -> list[MigrationKey]:
        """``MigrationGraph.leaf_nodes(app)``: no child in their own app."""
        return sorted(
            k for k in self.by_app.get(app, ()) if all(c[0] != app for c in self.children[k])
        )

    def replace(self, replacement: MigrationKey, replaced: Iterable[MigrationKey]) -> None:
        """``MigrationGraph.remove_replaced_nodes``."""
        if replacement not in self.nodes:
            raise LookupError(
                f"Unable to find replacement node {replacement!r}. It was either never "
                "added to the migration graph, or has been removed."
            )
        gone = set(replaced)
        for key in gone:
            if key not in self.nodes:
                continue
            for child in self.children[key]:
                self.parents[child].discard(key)
                if child not in gone:
                    self.children[replacement].add(child)
                    self.parents[child].add(replacement)
            for parent in self.parents[key]:
                self.children[parent].discard(key)
                if parent not in gone:
                    self.parents[replacement].add(parent)
                    self.children[parent].add(replacement)
            self.remove(key)

    def drop_dummies(self) -> None:
        for key in [k for k, dummy in self.nodes.items() if dummy]:
            for child in self.children[key]:
                self.parents[child].discard(key)
            for parent in self.parents[key]:
                self.children[parent].discard(key)
            self.remove(key)


def plain_links(
    infos: Mapping[MigrationKey, MigrationInfo],
    *,
    migrated_apps: Iterable[str] = (),
    unmigrated_apps: Iterable[str] = (),
    setting: Callable[[str], str | None] = lambda name: None,
) -> tuple[
    dict[MigrationKey, tuple[MigrationKey, ...]],
    dict[str, tuple[MigrationKey, ...]],
    dict[MigrationKey, MigrationKey],
]:
    """``(parents, leaves, replaced_by)`` of the graph :func:`.loader.build_graph` builds
    from the same arguments (squashes standing in for what they replace): each node's
    parents sorted, in the order of the graph's nodes; each app's leaves sorted, apps in
    the order of ``leaf_nodes()``; a replaced migration -> its squash."""
    graph = _Graph()
    migrated = {key[0] for key in infos} | set(migrated_apps)
    unmigrated = set(unmigrated_apps) - migrated
    dependencies: dict[MigrationKey, list[MigrationKey]] = {}
    replacements: list[tuple[MigrationKey, MigrationInfo]] = []
    for key, info in infos.items():
        graph.add(key, False)
        if info.replaces:
            replacements.append((key, info))
        resolved = [resolve_dependency(dep, setting) for dep in info.dependencies]
        dependencies[key] = [parent for parent in resolved if parent is not None]

    def check_key(dep: MigrationKey, current_app: str) -> MigrationKey | None:
        if dep[1] not in _SPECIAL or dep in graph.nodes:
            return dep
        if dep[0] == current_app or dep[0] in unmigrated:
            return None
        if dep[0] in migrated:
            found = graph.roots(dep[0]) if dep[1] == "__first__" else graph.leaves(dep[0])
            return found[0] if found else None
        return None

    for key in infos:
        for parent in dependencies[key]:
            if parent[0] == key[0] and parent[1] != "__first__":
                graph.add_dependency(key, parent)
    for key, info in infos.items():
        for parent in dependencies[key]:
            if parent[0] == key[0]:
                continue
            resolved = check_key(parent, key[0])
            if resolved is not None:
                graph.add_dependency(key, resolved)
        for child in info.run_before:
            resolved = check_key(child.key, key[0])
            if resolved is not None:
                graph.add_dependency(resolved, key)

    replaced_by: dict[MigrationKey, MigrationKey] = {}
    for key, info in replacements:
        graph.replace(key, info.replaces)
        for replaced in info.replaces:
            replaced_by.setdefault(replaced, key)
    graph.drop_dummies()

    parents = {key: tuple(sorted(graph.parents[key])) for key in graph.nodes}
    leaves: dict[str, tuple[MigrationKey, ...]] = {}
    for app in sorted(graph.by_app):
        found = graph.leaves(app)
        if found:
            leaves[app] = tuple(found)
    return parents, leaves, replaced_by
