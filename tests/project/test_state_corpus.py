"""The static replay on every package of the PyPI corpus (``benchmarks/corpus.py``),
each package a project along its real graph (``django.contrib`` and the other corpus
packages as its environment, as in ``test_corpus_graph.py``).

No crash, every model answerable at every migration (or a clear ``LookupError``), and
the operations that could not be read stay few and known. A replay limited to the apps
a question needs agrees with the replay of everything.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from benchmarks.corpus import ensure_corpus, migration_files

from django_migration_lsp.project.environment import Environment
from django_migration_lsp.project.model import load_project
from django_migration_lsp.project.state import HistoricalState

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


@pytest.fixture(scope="module")
def environment(corpus: Path) -> Environment:
    return Environment.current().with_paths([str(p) for p in sorted(corpus.iterdir())])


def kind_of(op) -> tuple[str, str]:
    base = op.kind.rpartition(" as ")[2] if op.built else op.kind
    if op.built:
        return base, "stand-in" if op.stand_ins else "built"
    return base, "skipped" if op.fields_neutral else "unknown"


def test_every_corpus_package_replays(corpus: Path, environment):
    totals: Counter = Counter()
    unknown: dict[str, int] = {}
    for package in sorted(p for p in corpus.iterdir() if p.is_dir()):
        project = load_project(package, environment=environment)
        own = sorted(k for k in project.own if k in project.links.parents)
        if not own:
            continue
        seen_unknown = set()
        for key in sorted(project.own):  # squashed ones too
            if project.infos[key].is_migration:
                totals.update(kind_of(op) for op in project.operations(key).walk())
        for app in sorted({k[0] for k in own}):
            state = project.state_at(project.leaf(app))
            seen_unknown |= {(u.key, u.index) for u in state.unknown if u.key in project.own}
        if seen_unknown:
            unknown[package.name] = len(seen_unknown)
        # Every model of the app, at the end of every migration: an answer or LookupError.
        for key in own:
            end = len(project.operations(key).operations)
            for app, model in project.state_at(key).models():
                try:
                    project.model_before(key, end, app, model)
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


def test_replaying_only_the_apps_a_question_needs_is_exact(corpus: Path, environment):
    """For every migration of the largest packages, the models of its app as the replay
    of only the apps the question needs (``Project.apps_for``: the app, and the apps it
    depends on that rename a model) has them are those of one replay of the whole full
    plan, every app of the package and of its environment."""
    compared = 0
    for name in ("pretix-2026.8.0", "wagtail-8.0.1", "django-oscar-4.2.1"):
        project = load_project(corpus / name, environment=environment)
        plan = project.full_plan()
        everything = HistoricalState.replay((key, project.operations(key)) for key in plan)
        for key in plan:
            if key not in project.own:
                continue
            assert project.apps_for(key[0]) <= project.closure(key[0])
            end = len(project.operations(key).operations)
            for app, model in everything.models():
                if app != key[0]:
                    continue
                try:
                    expected = everything.model_before(key, end, app, model)
                except LookupError:
                    with pytest.raises(LookupError):
                        project.model_before(key, end, app, model)
                    continue
                assert project.model_before(key, end, app, model) == expected, (key, model)
                compared += 1
    assert compared > 10_000
    # What that saves: most questions replay the app alone.
    alone = sum(1 for apps in project._states.replays() if len(apps) == 1)
    assert alone >= len(project._states.replays()) / 2


def _answers(state: HistoricalState) -> tuple:
    """Everything a replayed state answers from, as comparable data."""

    def plain(value):
        return ("unknown", value.reason) if type(value).__name__ == "Unknown" else value

    return (
        dict(state._migrations),
        {m: (h.seqs, [plain(s) for s in h.states]) for m, h in state._history.items()},
        dict(state._app_unknown),
        {
            k: [{m: plain(v) for m, v in view.items()} for view in views]
            for k, views in state._database_views.items()
        },
        state.unknown,
    )


def test_an_alter_field_replayed_on_its_model_alone_changes_nothing(
    corpus: Path, environment, monkeypatch
):
    """``state.forwards`` gives Django's ``AlterField`` a state that holds its model only
    (the rest of the state is only walked to decide a reload that a state never rendered
    does not do): the replay of every corpus package's whole full plan answers exactly
    what the replay on the whole state answers."""
    from django_migration_lsp.project import state as state_module

    altered = 0
    for package in sorted(p for p in corpus.iterdir() if p.is_dir()):
        project = load_project(package, environment=environment)
        plan = [(key, project.operations(key)) for key in project.full_plan()]
        altered += sum(
            1 for _, ops in plan for op in ops.walk() if op.built and op.kind == "AlterField"
        )
        replays = []
        for narrow in (True, False):
            monkeypatch.setattr(state_module, "_NARROW_ALTER_FIELD", narrow)
            replays.append(_answers(HistoricalState.replay(plan)))
        assert replays[0] == replays[1], package.name
    assert altered > 1000
