"""The graph's edges built without Django (``project/links.py``) are those of Django's own
``MigrationGraph`` (``project/loader.py``): on every corpus package, on the whole corpus
as one project, on hand-made awkward graphs and on random ones."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from benchmarks.corpus import ensure_corpus, migration_files

from django_migration_lsp.project.environment import Environment
from django_migration_lsp.project.links import plain_links
from django_migration_lsp.project.loader import build_graph
from django_migration_lsp.project.model import load_project
from django_migration_lsp.project.reader import Dependency, MigrationInfo


def django_links(infos, **options):
    """What ``Project.links`` was before it had its own builder: read from Django's graph."""
    loaded = build_graph(infos, **options)
    graph = loaded.graph
    leaves: dict = {}
    for key in graph.leaf_nodes():
        leaves.setdefault(key[0], []).append(key)
    parents = {
        key: tuple(sorted(p.key for p in graph.node_map[key].parents)) for key in graph.nodes
    }
    return parents, {app: tuple(keys) for app, keys in leaves.items()}, dict(loaded.replaced_by)


def assert_same(infos, **options):
    ours = plain_links(infos, **options)
    theirs = django_links(infos, **options)
    assert ours == theirs
    # The same order too: the nodes as Django's graph holds them, the apps as
    # ``leaf_nodes()`` gives them.
    assert list(ours[0]) == list(theirs[0])
    assert list(ours[1]) == list(theirs[1])


@pytest.fixture(scope="module")
def corpus() -> Path:
    root = ensure_corpus()
    if not migration_files(root):
        pytest.skip(f"no corpus in {root}: PyPI unreachable? (python benchmarks/corpus.py)")
    return root


def options_of(project):
    return {
        "migrated_apps": project.migrated_apps,
        "unmigrated_apps": project.unmigrated_apps,
        "setting": project.setting,
    }


def test_the_corpus_packages_and_the_whole_corpus(corpus: Path):
    environment = Environment.current().with_paths([str(p) for p in sorted(corpus.iterdir())])
    roots = [p for p in sorted(corpus.iterdir()) if p.is_dir()]
    for root in [*roots, corpus]:
        project = load_project(root, environment=environment)
        infos = {k: v for k, v in project.infos.items() if v.is_migration}
        assert_same(infos, **options_of(project))
        assert project.links.parents == django_links(infos, **options_of(project))[0]


def info(app: str, name: str, deps=(), run_before=(), replaces=(), swappable=()) -> MigrationInfo:
    return MigrationInfo(
        app,
        name,
        f"{app}/migrations/{name}.py",
        dependencies=tuple(Dependency(a, n) for a, n in deps)
        + tuple(Dependency("", "__first__", swappable=s) for s in swappable),
        run_before=tuple(Dependency(a, n) for a, n in run_before),
        replaces=tuple(replaces),
        class_line=1,
    )


def as_infos(*items: MigrationInfo) -> dict:
    return {i.key: i for i in items}


AWKWARD = {
    "missing parent, then __first__ of its app": as_infos(
        info("shop", "0002_b", deps=[("shop", "0001_gone")]),
        info("crm", "0001_a", deps=[("shop", "__first__")]),
    ),
    "__latest__ and __first__ across apps": as_infos(
        info("shop", "0001_a"),
        info("shop", "0002_b", deps=[("shop", "0001_a")]),
        info("crm", "0001_a", deps=[("shop", "__latest__")]),
        info("crm", "0002_b", deps=[("crm", "0001_a"), ("shop", "__first__")]),
    ),
    "__first__ inside the app, unknown and unmigrated apps": as_infos(
        info("shop", "0001_a", deps=[("shop", "__first__"), ("nowhere", "__first__")]),
        info("shop", "0002_b", deps=[("shop", "0001_a"), ("plain", "__first__")]),
        info("shop", "0003_c", deps=[("shop", "__latest__")]),
    ),
    "run_before into another app, and a missing one": as_infos(
        info("shop", "0001_a", run_before=[("crm", "0001_a"), ("crm", "0009_gone")]),
        info("crm", "0001_a"),
    ),
    "a squash whose replaced files are gone": as_infos(
        info("shop", "0001_squashed_0003", replaces=[("shop", "0001_a"), ("shop", "0003_c")]),
        info("shop", "0004_d", deps=[("shop", "0003_c")]),
        info("crm", "0001_a", deps=[("shop", "0001_a")]),
    ),
    "a squash beside what it replaces, and a squash of squashes": as_infos(
        info("shop", "0001_a"),
        info("shop", "0002_b", deps=[("shop", "0001_a")]),
        info("shop", "0001_squashed_0002", replaces=[("shop", "0001_a"), ("shop", "0002_b")]),
        info("shop", "0003_c", deps=[("shop", "0002_b")]),
        info(
            "shop",
            "0001_squashed_0003",
            replaces=[("shop", "0001_squashed_0002"), ("shop", "0003_c")],
        ),
        info("shop", "0004_d", deps=[("shop", "0003_c")]),
    ),
    "a squash that depends on what it replaces, and one that lists itself": as_infos(
        info("shop", "0001_a"),
        info("shop", "0002_b", deps=[("shop", "0001_a")]),
        info("shop", "0002_s", deps=[("shop", "0001_a")], replaces=[("shop", "0001_a")]),
        info("crm", "0001_a"),
        info("crm", "0001_s", replaces=[("crm", "0001_s"), ("crm", "0001_a")]),
        info("crm", "0002_b", deps=[("crm", "0001_a")]),
    ),
    "a cycle": as_infos(
        info("shop", "0001_a", deps=[("crm", "0001_a")]),
        info("crm", "0001_a", deps=[("shop", "0001_a")]),
    ),
    "swappable dependencies, known and not": as_infos(
        info("accounts", "0001_initial"),
        info("shop", "0001_a", swappable=["AUTH_USER_MODEL", "NOT_SET"]),
    ),
}


@pytest.mark.parametrize("name", list(AWKWARD))
def test_awkward_graphs(name: str):
    settings = {"AUTH_USER_MODEL": "accounts.User"}
    assert_same(
        AWKWARD[name],
        migrated_apps={"empty"},
        unmigrated_apps={"plain"},
        setting=settings.get,
    )


def random_project(rng: random.Random) -> dict:
    apps = ["a", "b", "c", "d"][: rng.randint(1, 4)]
    items: list[MigrationInfo] = []
    names: dict[str, list[str]] = {}
    for app in apps:
        count = rng.randint(1, 7)
        names[app] = [f"{n:04d}_m" for n in range(1, count + 1)]
    for app in apps:
        for n, name in enumerate(names[app]):
            deps, run_before, replaces = [], [], []
            if n and rng.random() < 0.9:
                deps.append((app, names[app][n - 1]))
            for _ in range(rng.randint(0, 2)):
                other = rng.choice(apps + ["zz", "plain", "empty"])
                pick = rng.random()
                if pick < 0.2:
                    deps.append((other, "__first__"))
                elif pick < 0.35:
                    deps.append((other, "__latest__"))
                elif pick < 0.45:
                    deps.append((other, "9999_gone"))
                elif other in names:
                    deps.append((other, rng.choice(names[other])))
            if rng.random() < 0.15:
                other = rng.choice(apps)
                run_before.append((other, rng.choice(names[other] + ["__first__"])))
            if n >= 2 and rng.random() < 0.2:
                start = rng.randint(0, n - 1)
                replaces = [(app, x) for x in names[app][start:n]]
            items.append(info(app, name, deps, run_before, replaces))
    rng.shuffle(items)
    for item in list(items):  # some replaced files are gone
        if rng.random() < 0.1:
            items.remove(item)
    return as_infos(*items)


def test_random_graphs():
    rng = random.Random(20261201)
    for _ in range(400):
        infos = random_project(rng)
        try:
            assert_same(infos, migrated_apps={"empty"}, unmigrated_apps={"plain"})
        except Exception as exc:  # Django raised: so must the plain builder
            if isinstance(exc, AssertionError):
                raise
            with pytest.raises(LookupError):
                plain_links(infos, migrated_apps={"empty"}, unmigrated_apps={"plain"})


def test_the_loaders_own_root_and_leaf_lookup_is_djangos(monkeypatch):
    """``loader._ends`` (an app's root or leaf nodes, looking at that app only) gives
    Django's ``root_nodes(app)`` / ``leaf_nodes(app)``: the graphs built with either are
    the same, problems included."""
    from django_migration_lsp.project import loader

    def djangos(graph, app, links):
        return graph.root_nodes(app) if links == "parents" else graph.leaf_nodes(app)

    rng = random.Random(12)
    for _ in range(300):
        infos = random_project(rng)
        built = []
        for ends in (loader._ends, djangos):
            monkeypatch.setattr(loader, "_ends", ends)
            try:
                loaded = build_graph(infos, migrated_apps={"empty"}, unmigrated_apps={"plain"})
            except LookupError as exc:
                built.append(repr(exc))
                continue
            graph = loaded.graph
            built.append(
                (
                    {k: sorted(n.key for n in graph.node_map[k].parents) for k in graph.nodes},
                    graph.leaf_nodes(),
                    loaded.problems,
                )
            )
        assert built[0] == built[1]
