"""Realistic migration files under tests/fixtures/project, with the expected
findings written inline as ``# expect: CODE`` comments on the reported line."""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

import pytest

from django_migration_lsp.checks import analyze, fixes_for
from django_migration_lsp.config import Config, iter_migration_files

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PROJECT = FIXTURES / "project"
#: DefectDojo's layout: migrations in ``dojo/db_migrations`` (MIGRATION_MODULES) and in
#: ``reports/schema`` (found by content).
RELOCATED = FIXTURES / "relocated"
FILES = sorted(
    p for root in (PROJECT, RELOCATED) for p in iter_migration_files([root], Config(root=root))
)
EXPECT = re.compile(r"# expect: ([A-Z0-9, ]+)")


def expected(text: str) -> Counter:
    found: Counter = Counter()
    for number, line in enumerate(text.splitlines(), 1):
        m = EXPECT.search(line)
        if m:
            for code in m.group(1).replace(",", " ").split():
                found[(number, code)] += 1
    return found


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_findings_match_annotations(path: Path):
    text = path.read_text()
    analysis = analyze(path.read_bytes(), str(path))
    got = Counter((f.range.start.line, f.code) for f in analysis.findings)
    assert got == expected(text)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_every_fix_applies_parses_and_removes_its_finding(path: Path):
    analysis = analyze(path.read_bytes(), str(path))
    for finding in analysis.findings:
        for fix in fixes_for(analysis.source, finding):
            fixed = analysis.source.apply(fix.edits)
            ast.parse(fixed)
            after = Counter(f.code for f in analyze(fixed, str(path)).findings)
            before = Counter(f.code for f in analysis.findings)
            assert after[finding.code] == before[finding.code] - 1, (fix.title, fixed)


def _fix(path: Path, code: str, index: int = 0) -> str:
    analysis = analyze(path.read_bytes(), str(path))
    finding = next(f for f in analysis.findings if f.code == code)
    return analysis.source.apply(fixes_for(analysis.source, finding)[index].edits)


def test_app_label_comes_from_appconfig_label():
    fixed = _fix(PROJECT / "accounts/migrations/0002_profiles.py", "DJM003")
    assert (
        '    """Every user gets a profile."""\n'
        '    Profile = apps.get_model("customer_accounts", "Profile")\n' in fixed
    )
    assert "from accounts.models import Profile" not in fixed


def test_module_import_rewrites_attribute_uses():
    fixed = _fix(PROJECT / "territory/migrations/0002_populate_has_chickens.py", "DJM003")
    assert 'ChickenCoopLocations = apps.get_model("territory", "ChickenCoopLocations")' in fixed
    assert "for location in ChickenCoopLocations.objects.all():" in fixed
    assert "from territory import models" not in fixed


def test_partial_import_removal_keeps_other_names():
    path = PROJECT / "shop/migrations/0002_binding_forms.py"
    analysis = analyze(path.read_bytes(), str(path))
    finding = next(f for f in analysis.findings if f.range.start.line == 10)
    fixed = analysis.source.apply(fixes_for(analysis.source, finding)[0].edits)
    assert "from shop.models import make_code  # expect" in fixed  # still used as a helper
    assert '    Order = apps.get_model("shop", "Order")\n    Order.objects.filter(' in fixed


def test_related_information_lists_each_run_time_use():
    path = PROJECT / "shop/migrations/0002_binding_forms.py"
    analysis = analyze(path.read_bytes(), str(path))
    finding = next(f for f in analysis.findings if f.range.start.line == 10)
    assert [r.range.start.line for r in finding.related] == [15, 16]
    assert "(lines 15, 16)" in finding.message


def test_helper_without_apps_parameter_gets_reason_instead_of_fix():
    path = PROJECT / "shop/migrations/0002_binding_forms.py"
    analysis = analyze(path.read_bytes(), str(path))
    by_line = {f.range.start.line: f for f in analysis.findings}
    assert fixes_for(analysis.source, by_line[23])  # get_user_model() in forwards(apps, ...)
    fixed = analysis.source.apply(fixes_for(analysis.source, by_line[23])[0].edits)
    assert "    User = apps.get_model(settings.AUTH_USER_MODEL)  # expect" in fixed
    assert "get_user_model" not in fixed  # the import went with its last use
    assert fixed.count("from django.conf import settings") == 1
