"""Tests generated from every rule's inline VALID / INVALID examples (Fixit's model).

For each VALID example: no finding. For each INVALID example: a finding of that
rule, at the exact range and with the exact message when the example gives them;
its fix (or the absence of one) matches the example, the fixed text parses, and
analysing it again reports nothing for that rule (the fix is idempotent).
"""

from __future__ import annotations

import ast

import pytest

from django_migration_lsp.checks import analyze, fixes_for
from django_migration_lsp.checks.registry import all_rules

VALID = [
    pytest.param(rule, example, id=f"{code}-valid-{i}")
    for code, rule in all_rules().items()
    for i, example in enumerate(rule.VALID)
]
INVALID = [
    pytest.param(rule, example, id=f"{code}-invalid-{i}")
    for code, rule in all_rules().items()
    for i, example in enumerate(rule.INVALID)
]


def test_every_rule_has_examples_and_docs():
    for code, rule in all_rules().items():
        assert rule.VALID and rule.INVALID, code
        doc = rule.documentation()
        for heading in ("## What it does", "## Why is this bad?", "## Example", "Use instead:"):
            assert heading in doc, (code, heading)
        assert rule.name == rule.name.lower() and " " not in rule.name


@pytest.mark.parametrize(("rule", "example"), VALID)
def test_valid(rule, example):
    ast.parse(example.code)
    analysis = analyze(example.code, example.path, rules=[rule])
    assert analysis.findings == []


@pytest.mark.parametrize(("rule", "example"), INVALID)
def test_invalid(rule, example):
    ast.parse(example.code)
    analysis = analyze(example.code, example.path, rules=[rule])
    assert len(analysis.findings) == 1, analysis.findings
    finding = analysis.findings[0]
    assert finding.code == rule.code
    if example.range is not None:
        r = finding.range
        assert (r.start.line, r.start.column + 1, r.end.line, r.end.column + 1) == example.range
    if example.message is not None:
        assert finding.message == example.message

    fixes = fixes_for(analysis.source, finding)
    if example.fixed is None:
        assert fixes == []
        return
    fixed = analysis.source.apply(fixes[example.fix_index].edits)
    assert fixed == example.fixed
    ast.parse(fixed)
    assert analyze(fixed, example.path, rules=[rule]).findings == []
