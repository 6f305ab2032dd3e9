"""Tests generated from every rule's inline VALID / INVALID examples (Fixit's model).

For each VALID example: no finding. For each INVALID example: a finding of that
rule, at the exact range and with the exact message when the example gives them;
its fix (or the absence of one) matches the example, the fixed text parses, and
analysing it again reports nothing for that rule (the fix is idempotent).

A rule that needs the project (``needs_project``) gets its example written to a
temporary folder with the example's ``files``, and the project built there; the
fixed text is analysed again with the project seeing the fixed file.
"""

from __future__ import annotations

import ast
from pathlib import Path

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


def analyzer(rule, example, tmp_path: Path):
    """``analyze(text)`` for the example's file: with its project when the rule needs one."""
    if not (rule.needs_project or example.files):
        return lambda text: analyze(text, example.path, rules=[rule])
    from django_migration_lsp.project.examples import write_example

    project = write_example(tmp_path, example)
    return lambda text: project.analyze(text, rule)


@pytest.mark.parametrize(("rule", "example"), VALID)
def test_valid(rule, example, tmp_path: Path):
    ast.parse(example.code)
    for text in example.files.values():
        ast.parse(text)
    analysis = analyzer(rule, example, tmp_path)(example.code)
    assert analysis.findings == []


@pytest.mark.parametrize(("rule", "example"), INVALID)
def test_invalid(rule, example, tmp_path: Path):
    ast.parse(example.code)
    run = analyzer(rule, example, tmp_path)
    analysis = run(example.code)
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
    assert run(fixed).findings == []
