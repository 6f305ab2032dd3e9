"""The graph of every package of the real-migration corpus (``benchmarks/corpus.py``),
each package a project whose environment holds the other packages and Django.

Real packages ship consistent graphs: every one builds with no problem Django would
refuse, and DJM007 reports nothing on them (their cross-app ``apps.get_model`` calls
all have their dependency). Removing a real dependency makes DJM007 report.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmarks.corpus import ensure_corpus, migration_files

from django_migration_lsp.checks import analyze
from django_migration_lsp.checks.registry import get_rule
from django_migration_lsp.project.environment import Environment
from django_migration_lsp.project.model import load_project

#: ``swappable_dependency`` on settings that the packages' own settings do not set.
SWAPPABLE = {
    "pretix-2026.8.0": ["pretixbase.0272_printlog"],
    "wagtail-8.0.1": [
        "wagtailcore.0001_initial",
        "wagtailcore.0001_squashed_0016_change_page_url_path_to_text_field",
    ],
}
HOME = "wagtail-8.0.1/wagtail/project_template/home/migrations"


@pytest.fixture(scope="module")
def corpus() -> Path:
    root = ensure_corpus()
    if not migration_files(root):
        pytest.skip(f"no corpus in {root}: PyPI unreachable? (python benchmarks/corpus.py)")
    return root


@pytest.fixture(scope="module")
def environment(corpus: Path) -> Environment:
    return Environment.current().with_paths([str(p) for p in sorted(corpus.iterdir())])


def test_every_package_builds_and_djm007_finds_nothing(corpus: Path, environment):
    rule = get_rule("DJM007")
    swappable, findings = {}, []
    for package in sorted(corpus.iterdir()):
        project = load_project(package, environment=environment)
        assert project.graph.nodes, package.name
        refused = [p.message for p in project.problems if p.django_refuses]
        assert refused == [], package.name
        names = sorted(
            str(p.key[0] + "." + p.key[1]) for p in project.problems if p.kind == "swappable"
        )
        if names:
            swappable[package.name] = names
        for key in sorted(project.own):
            info = project.infos[key]
            data = Path(info.path).read_bytes()
            if info.is_migration and b"get_model" in data:
                analysis = analyze(data, info.path, rules=[rule], project=project)
                findings += [(info.path, f.message) for f in analysis.findings]
        assert project.notes == {}, package.name
    assert swappable == SWAPPABLE
    assert findings == []


def test_a_real_dependency_removed_is_reported(corpus: Path, environment):
    project = load_project(corpus / "wagtail-8.0.1", environment=environment)
    initial = corpus / HOME / "0001_initial.py"
    # home.0001 depends on wagtailcore.0040; home.0002 reads wagtailcore's Page and Site
    # (and contenttypes' ContentType, which wagtailcore depends on) through it.
    cut = initial.read_text().replace('("wagtailcore", "0040_page_draft_title"),', "")
    assert cut != initial.read_text()
    project = project.with_source(str(initial), cut)
    path = corpus / HOME / "0002_create_homepage.py"
    analysis = analyze(path.read_bytes(), str(path), rules=[get_rule("DJM007")], project=project)
    assert [f.message.split("`")[1] for f in analysis.findings] == [
        'apps.get_model("contenttypes.ContentType")',
        'apps.get_model("wagtailcore.Page")',
        'apps.get_model("wagtailcore.Site")',
        'apps.get_model("contenttypes.ContentType")',  # in remove_homepage, the reverse
    ]
