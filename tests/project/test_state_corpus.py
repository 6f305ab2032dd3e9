"""The static replay on every package of the PyPI corpus (``benchmarks/corpus.py``).

Each package's migrations are replayed in a dependency order made here (see
``replay.py``): no crash, every model answerable at every migration (or a clear
``LookupError``), and the operations that could not be read stay few and known.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from benchmarks.corpus import ensure_corpus, migration_files
from benchmarks.static_plan import read_tree, replay, static_plan

#: Operations the replay cannot read, per package: a custom operation class
#: (pretix: hierarkey's ``CleanHierarkeyDuplicates``; wagtail: ``BootstrapTranslatableModel``
#: and friends), a list or field name computed at import time (wagtail's test apps:
#: ``swapper``; allauth: ``if app_settings.SITES_ENABLED``; auditlog:
#: ``operations = two_step_migrations()``). Asserted as upper bounds: fewer is better.
UNKNOWN = {
    "django-allauth-65.21.1": 2,
    "django-auditlog-3.4.1": 1,
    "pretix-2026.8.0": 3,
    "wagtail-8.0.1": 80,
}


@pytest.fixture(scope="module")
def corpus() -> Path:
    root = ensure_corpus()
    if not migration_files(root):
        pytest.skip(f"no corpus in {root}: PyPI unreachable? (python benchmarks/corpus.py)")
    return root


def kind_of(op) -> tuple[str, str]:
    base = op.kind.rpartition(" as ")[2] if op.built else op.kind
    if op.built:
        return base, "stand-in" if op.stand_ins else "built"
    return base, "skipped" if op.fields_neutral else "unknown"


def test_every_corpus_package_replays(corpus: Path):
    totals: Counter = Counter()
    unknown: dict[str, int] = {}
    for package in sorted(p for p in corpus.iterdir() if p.is_dir()):
        migrations = read_tree(package)
        if not migrations:
            continue
        plan = static_plan(migrations)
        state = replay(migrations, plan)
        for m in migrations.values():
            totals.update(kind_of(op) for op in m.operations.walk())
        if state.unknown:
            unknown[package.name] = len(state.unknown)
        # Every model of every app, at the end of every migration: an answer or LookupError.
        for key in plan:
            end = len(migrations[key].operations.operations)
            for app, model in list(state._history):
                try:
                    state.model_before(key, end, app, model)
                except LookupError:
                    pass
    for package, count in unknown.items():
        assert count <= UNKNOWN.get(package, 0), (package, count)
    built = sum(n for (_, how), n in totals.items() if how in ("built", "stand-in"))
    assert built > 4000
    assert sum(n for (_, how), n in totals.items() if how == "unknown") < 0.025 * built
    # Django's schema operations are always built (a stand-in field at worst).
    for kind in ("AddField", "AlterField", "RemoveField", "RenameField", "DeleteModel"):
        assert totals[(kind, "unknown")] == 0, kind
