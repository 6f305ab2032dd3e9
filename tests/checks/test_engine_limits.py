"""Input the parser accepts but that is deeper than a recursive descent can follow."""

from __future__ import annotations

import ast

from django_migration_lsp.checks import analyze


def migration_with_argument(expression: str) -> str:
    return (
        "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
        f"    operations = [migrations.RunPython(print, {expression})]\n"
    )


def test_an_expression_nested_too_deeply_for_the_rules_is_one_clear_finding():
    # 1,200 chained additions: ast.parse builds the tree, the rules' descents would recurse
    # past the interpreter's limit.
    source = migration_with_argument("x" + " + x" * 1200)
    ast.parse(source)
    analysis = analyze(source, "shop/migrations/0002_x.py")
    assert [(f.code, f.message) for f in analysis.findings] == [
        (None, "cannot analyse file: its expressions are nested too deeply")
    ]


def test_an_expression_too_deep_for_the_parser_is_reported_as_such():
    analysis = analyze(migration_with_argument("x" + " + x" * 5000), "shop/migrations/0002_x.py")
    assert len(analysis.findings) == 1
    assert analysis.findings[0].code is None
    assert analysis.findings[0].message.startswith("cannot parse file")
