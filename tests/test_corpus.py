"""Every migration file of real Django packages (see ``benchmarks/corpus.py``).

The corpus is downloaded from PyPI into ``.cache/corpus`` (git-ignored) on first use.
On every file: ``analyze()`` does not crash and reports no syntax error (the files
are valid Python); every fix applies, parses, and removes its finding. And the
precision check: the findings are exactly the true positives reviewed by hand in
``tests/corpus/expected.json`` plus the :data:`KNOWN_FALSE_POSITIVES` below. When a
rule changes what it reports on real code, one of these tests says where.

Each file is analysed as ``check`` analyses it in its package: with the package's
project (its migration graph and historical state; the other corpus packages and
Django are the environment), for the rules that ask it (DJM005, DJM006, DJM007).
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import traceback
from collections import Counter
from pathlib import Path

import pytest
from benchmarks.corpus import PACKAGES, ensure_corpus, folder_name, is_ready, migration_files

from django_migration_lsp.checks import Analysis, Applicability, analyze, fixes_for
from django_migration_lsp.project.environment import Environment
from django_migration_lsp.project.model import Project, load_project

EXPECTED = Path(__file__).resolve().parent / "corpus" / "expected.json"

#: Findings on the corpus judged wrong, for the rule authors to fix:
#: ``(path, code, line): why``. Asserted exactly: the test fails when one is fixed
#: (delete it here) and when a new one appears (review it: expected.json or here).
_CACHE = (
    "DJM004: the forward empties pretix's ticket cache (`CachedTicket`, `CachedFile`); "
    "the rows do stay gone after a rollback, but the previous release renders them again "
    "on demand: nothing is lost. The rule cannot tell a cache table from data."
)
KNOWN_FALSE_POSITIVES: dict[tuple[str, str, int], str] = {
    # Fixed earlier: django-cms 0018/0019 (a `Migration` whose base class overrides
    # `unapply()`: irreversible on purpose) and django-helpdesk 0002 (`get_user_model()`
    # read only for `_meta.app_label`/`_meta.model_name`); DJM004 on de-duplication before
    # a unique constraint (axes 0007, cms 0039, wagtail embeds 0007, pretix 0112/0278, ...).
    (
        "pretix-2026.8.0/pretix/base/migrations/"
        "0031_auto_20160816_0648_squashed_0048_auto_20161129_1330.py",
        "DJM004",
        147,
    ): _CACHE,
    ("pretix-2026.8.0/pretix/base/migrations/0044_auto_20161101_1610.py", "DJM004", 22): _CACHE,
    (
        "pretix-2026.8.0/pretix/base/migrations/"
        "0050_orderposition_positionid_squashed_0061_event_location.py",
        "DJM004",
        73,
    ): _CACHE,
    ("pretix-2026.8.0/pretix/base/migrations/0051_auto_20161221_1720.py", "DJM004", 31): _CACHE,
}

#: Django's own ``django/contrib/*/migrations`` (recorded): nothing to report. The two
#: RunPython operations there (auth 0011, contenttypes 0002) both have a reverse.
DJANGO_CONTRIB_FINDINGS: dict[str, list[tuple[str, int]]] = {}

CONSTANCE_DROP_PICKLE = "django-constance-4.4.0/constance/migrations/0003_drop_pickle.py"
CONSTANCE_OLD_TABLE = "django-constance-4.4.0/constance/migrations/0002_migrate_from_old_table.py"


@pytest.fixture(scope="module")
def corpus() -> Path:
    root = ensure_corpus()
    if not migration_files(root):
        pytest.skip(f"no corpus in {root}: PyPI unreachable? (python benchmarks/corpus.py)")
    return root


@pytest.fixture(scope="module")
def projects(corpus: Path) -> dict[str, Project]:
    """Each package's project, by the package's folder name."""
    environment = Environment.current().with_paths([str(p) for p in sorted(corpus.iterdir())])
    return {
        package.name: load_project(package, environment=environment)
        for package in sorted(corpus.iterdir())
        if package.is_dir()
    }


def project_of(projects: dict[str, Project], corpus: Path, path: Path) -> Project:
    return projects[path.relative_to(corpus).parts[0]]


@pytest.fixture(scope="module")
def analyses(corpus: Path, projects) -> dict[str, tuple[Path, Analysis]]:
    """Each corpus file analysed once, with its package's project:
    ``{relative path: (path, analysis)}``."""
    results, crashes = {}, []
    for path in migration_files(corpus):
        rel = path.relative_to(corpus).as_posix()
        project = project_of(projects, corpus, path)
        try:
            results[rel] = (path, analyze(path.read_bytes(), str(path), project=project))
        except Exception:
            crashes.append(f"{rel}\n{traceback.format_exc()}")
    assert not crashes, "analyze() raised on:\n" + "\n".join(crashes)
    return results


def found(analyses: dict[str, tuple[Path, Analysis]]) -> dict[str, list[tuple[str, int]]]:
    out: dict[str, list[tuple[str, int]]] = {}
    for rel, (_, analysis) in analyses.items():
        if analysis.findings:
            out[rel] = sorted((f.code or "", f.range.start.line) for f in analysis.findings)
    return out


def identity(finding) -> tuple[str | None, str]:
    """A finding without its line numbers, which a fix elsewhere in the file shifts."""
    return finding.code, re.sub(r" \(lines? [\d, ]+\)", "", finding.message)


def test_every_pinned_package_is_in_the_corpus(corpus: Path):
    missing = [folder_name(d, v) for d, v in PACKAGES if not is_ready(d, v)]
    assert not missing, "not downloaded or extracted (see the stderr of ensure_corpus())"


def test_analyze_never_raises_and_reports_no_syntax_error(analyses):
    # Raising is asserted while analysing (the fixture); this is the rest.
    assert len(analyses) > 1000
    errors = {
        rel: [f.message for f in analysis.findings if f.code is None]
        for rel, (_, analysis) in analyses.items()
    }
    assert {rel: msgs for rel, msgs in errors.items() if msgs} == {}


def test_every_fix_applies_parses_and_removes_its_finding(analyses, corpus, projects):
    problems, fixed_count = [], 0
    for rel, (path, analysis) in analyses.items():
        project = project_of(projects, corpus, path)
        before = Counter(identity(f) for f in analysis.findings)
        for finding in analysis.findings:
            for fix in fixes_for(analysis.source, finding):
                where = f"{rel}:{finding.range.start.line} {finding.code} {fix.title!r}"
                try:
                    fixed = analysis.source.apply(fix.edits)
                    ast.parse(fixed)
                except Exception as exc:  # collect them all, then fail
                    problems.append(f"{where}: {type(exc).__name__}: {exc}")
                    continue
                seen = project.with_source(str(path), fixed)
                after = Counter(
                    identity(f) for f in analyze(fixed, str(path), project=seen).findings
                )
                expected = before.copy()
                expected[identity(finding)] -= 1
                if fix.applicability is Applicability.DISPLAY_ONLY:
                    # DJM001's fixes when the forward destroys data: offered, never applied
                    # on their own, and what they leave is the lossy reverse DJM004 reports.
                    added = after - expected
                    if [code for code, _ in added.elements()] == ["DJM004"]:
                        after -= added
                if after != +expected:
                    problems.append(f"{where}: after the fix {dict(after)}, not {dict(+expected)}")
                fixed_count += 1
    assert not problems, "\n".join(problems)
    assert fixed_count > 0


def test_fixes_add_no_pyflakes_errors(analyses, tmp_path: Path):
    """An unused import left behind or an undefined name brought in (ruff's F rules).

    ruff is a test dependency: run the one installed beside this interpreter (as tests/test_lint.py
    does), not whatever ``ruff`` is on PATH, so that the check runs wherever the tests do."""
    originals, fixed_files = tmp_path / "before", tmp_path / "after"
    pairs = []
    for n, (rel, (_, analysis)) in enumerate(analyses.items()):
        for finding in analysis.findings:
            for k, fix in enumerate(fixes_for(analysis.source, finding)):
                name = f"f{n}_{finding.range.start.line}_{k}.py"
                for folder, text in (
                    (originals, analysis.source.text),
                    (fixed_files, analysis.source.apply(fix.edits)),
                ):
                    folder.mkdir(exist_ok=True)
                    (folder / name).write_text(text, encoding="utf-8")
                pairs.append((name, f"{rel}:{finding.range.start.line} {fix.title!r}"))

    def codes(folder: Path) -> Counter:
        proc = subprocess.run(
            [
                sys.executable, "-m", "ruff", "check", "--isolated", "--select", "F", "--no-cache",
                "--output-format", "json", "--exit-zero", str(folder),
            ],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        return Counter((Path(d["filename"]).name, d["code"]) for d in json.loads(proc.stdout))

    before, after = codes(originals), codes(fixed_files)
    new = [
        f"{label}: {code}"
        for name, label in pairs
        for (file, code), count in after.items()
        if file == name and count > before[(file, code)]
    ]
    assert not new, "\n".join(new)


def test_constance_drop_pickle_is_reported_as_djm001(analyses):
    _, analysis = analyses[CONSTANCE_DROP_PICKLE]
    lines = analysis.source.text.splitlines()
    run_python = next(n for n, line in enumerate(lines, 1) if "RunPython(" in line)
    assert [(f.code, f.range.start.line) for f in analysis.findings] == [("DJM001", run_python)]


def test_constance_old_table_copy_is_reported_as_djm004(analyses):
    """The seed incident: ``DROP TABLE constance_config``, ``reverse_code=lambda x, y: None``."""
    _, analysis = analyses[CONSTANCE_OLD_TABLE]
    [finding] = analysis.findings
    lines = analysis.source.text.splitlines()
    run_python = next(n for n, line in enumerate(lines, 1) if "RunPython(" in line)
    drop = next(n for n, line in enumerate(lines, 1) if "DROP TABLE" in line)
    assert (finding.code, finding.range.start.line) == ("DJM004", run_python)
    assert analysis.source.slice(finding.range) == "lambda x, y: None"
    assert finding.message == (
        "The reverse `lambda x, y: None` does nothing, but the forward runs "
        f"`DROP TABLE constance_config` (line {drop}): the rollback succeeds and table "
        "`constance_config` and its rows stay gone"
    )


def test_django_contrib_findings_are_recorded(analyses):
    contrib = {
        rel: got
        for rel, got in found(analyses).items()
        if rel.startswith("django-") and "/django/contrib/" in rel
    }
    assert contrib == DJANGO_CONTRIB_FINDINGS
    assert any("/django/contrib/auth/migrations/" in rel for rel in analyses)


def test_findings_are_the_reviewed_true_positives_and_known_false_positives(analyses):
    true_positives = {
        rel: [tuple(item) for item in items]
        for rel, items in json.loads(EXPECTED.read_text())["findings"].items()
    }
    got = found(analyses)
    false_positives = sorted(
        (rel, code, line)
        for rel, items in got.items()
        for code, line in items
        if (code, line) not in true_positives.get(rel, [])
    )
    missed = sorted(
        (rel, code, line)
        for rel, items in true_positives.items()
        for code, line in items
        if (code, line) not in got.get(rel, [])
    )
    assert missed == [], "true positives no longer reported"
    assert false_positives == sorted(KNOWN_FALSE_POSITIVES), (
        "findings outside tests/corpus/expected.json changed: review each one, then put it in "
        "expected.json (true positive) or KNOWN_FALSE_POSITIVES (false positive)"
    )
