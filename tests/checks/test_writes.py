"""The core's side of trustworthy writes: fixes that compile, ``# noqa`` placement after
multi-line strings, syntax from a newer Python, and reading the encoding of lone-CR files."""

from __future__ import annotations

import sys

import pytest

from django_migration_lsp.checks import analyze, fixes_for
from django_migration_lsp.checks import engine as engine_module
from django_migration_lsp.checks.base import Applicability, Edit, Fix, Position, Range
from django_migration_lsp.checks.engine import build_fixes, compiles
from django_migration_lsp.checks.fixing import compiling_subset, first_valid_fixes, layers
from django_migration_lsp.checks.newer_syntax import newer_syntax
from django_migration_lsp.checks.noqa import add_codes, comment_start, noqa_position, parse_noqa
from django_migration_lsp.checks.source import SourceFile, decode_source

from .test_fix_properties import SHAPES

PATH = "shop/migrations/0002_example.py"


# -- compile(), not only ast.parse ------------------------------------------------------


def test_compiles_is_stricter_than_parsing():
    assert compiles("x = 1\n")
    assert not compiles("import os\nfrom __future__ import annotations\n")
    assert not compiles("def f():\n    x = 1\n    global x\n")
    assert not compiles("def f():\n    if True:\n")
    assert not compiles("x = '\0'\n".replace("\\0", "\0"))


def _replace(source: SourceFile, line: int, text: str) -> Fix:
    end = Position(line, len(source.line(line)))
    return Fix("t", Applicability.SAFE, (Edit(Range(Position(line, 0), end), text),))


def test_a_fix_that_does_not_compile_is_never_offered(monkeypatch):
    source_text = SHAPES["import_alone_in_try"]
    analysis = analyze(source_text, PATH)
    (finding,) = analysis.findings
    good = fixes_for(analysis.source, finding)
    assert len(good) == 1
    start = Position(1, 0)
    bad = Fix("bad", Applicability.UNSAFE, (Edit(Range(start, start), "x = (\n"),))

    class Rule:
        def fixes(self, source, f):
            return [bad, *good]

    monkeypatch.setattr(engine_module, "get_rule", lambda code: Rule())
    assert build_fixes(analysis.source, finding) == [bad, *good]
    assert fixes_for(analysis.source, finding) == good
    assert first_valid_fixes(analysis.source, [finding]) == [good[0]]


def test_compiling_subset_bisects_to_the_fixes_that_fail_alone():
    source = SourceFile("".join(f"v{i} = {i}\n" for i in range(1, 9)))
    fixes = [_replace(source, line, f"v{line} = {line * 10}") for line in range(1, 9)]
    fixes[2] = _replace(source, 3, "v3 = (")  # never compiles
    fixes[6] = _replace(source, 7, "return 7")  # parses; the compiler refuses it
    failed: set[int] = set()
    kept, text = compiling_subset(source, fixes, list(range(8)), failed)
    assert failed == {2, 6}
    assert kept == [0, 1, 3, 4, 5, 7]
    assert text is not None and compiles(text)
    assert "v3 = 3\n" in text and "v7 = 7\n" in text and "v8 = 80\n" in text


def test_layers_never_put_overlapping_or_touching_fixes_together():
    source = SourceFile("a = 1\nb = 2\nc = 3\n")
    one = _replace(source, 1, "a = 10")
    also_one = _replace(source, 1, "a = 11")
    two = _replace(source, 2, "b = 20")
    assert layers(source, [one, also_one, two]) == [[0, 2], [1]]


@pytest.mark.parametrize("name", ["import_alone_in_if", "import_alone_in_try"])
def test_an_import_alone_in_a_block_becomes_pass(name: str):
    analysis = analyze(SHAPES[name], PATH)
    (finding,) = [f for f in analysis.findings if f.code == "DJM003"]
    (fix,) = fixes_for(analysis.source, finding)
    fixed = analysis.source.apply(fix.edits)
    assert compiles(fixed)
    assert "    pass\n" in fixed and "from shop.models import Order" not in fixed


def test_settings_import_after_docstring_and_future_imports():
    analysis = analyze(SHAPES["future_and_docstring"], PATH)
    (fix,) = fixes_for(analysis.source, analysis.findings[0])
    fixed = analysis.source.apply(fix.edits)
    assert fixed.startswith(
        '"""Backfill emails."""\nfrom __future__ import annotations\n\n'
        "from django.conf import settings\nfrom django.db import migrations\n"
    )


def test_settings_import_after_future_import_on_the_same_line():
    text = SHAPES["future_and_docstring"].replace(
        "from __future__ import annotations\n\nfrom django.contrib.auth import get_user_model\n",
        "from __future__ import annotations; from django.contrib.auth import get_user_model\n",
    )
    analysis = analyze(text, PATH)
    (fix,) = fixes_for(analysis.source, analysis.findings[0])
    assert compiles(analysis.source.apply(fix.edits))


def test_no_get_model_fix_when_the_function_declares_the_name_global():
    analysis = analyze(SHAPES["global_declaration"], PATH)
    hot = [f for f in analysis.findings if f.code == "DJM003"]
    (finding,) = hot
    assert finding.message.endswith("(no automatic fix: `forwards()` declares `Order` global)")
    assert build_fixes(analysis.source, finding) == []


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_multi_line_call_rewrite_uses_the_files_newline(newline: str):
    text = (
        "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
        "    operations = [\n        migrations.RunSQL(\n            'UPDATE t SET x = 1',\n"
        "        ),\n        migrations.RunPython(\n            print,\n        ),\n    ]\n"
    ).replace("\n", newline)
    analysis = analyze(text, PATH)
    assert [f.code for f in analysis.findings] == ["DJM002", "DJM001"]
    for finding in analysis.findings:
        for fix in fixes_for(analysis.source, finding):
            fixed = analysis.source.apply(fix.edits)
            assert fixed.count(newline) == text.count(newline) + 1
            assert fixed.replace(newline, "").count("\n" if newline == "\r" else "\r") == 0


# -- # noqa after a multi-line string -------------------------------------------------------

SQL = '''from django.db import migrations


class Migration(migrations.Migration):
    operations = [
        migrations.RunSQL("""
            UPDATE t SET c = 1  -- # not a comment
        """),
        migrations.RunSQL("""UPDATE x""", \\
        ),
        migrations.RunSQL(f"""
            {1}
        """, reverse_sql=None),
        migrations.RunSQL("""one line"""),
        migrations.RunSQL("""a""" """
        b"""),
    ]
'''


def test_noqa_position_follows_the_string_to_its_end():
    source = SourceFile(SQL)
    assert noqa_position(source, 6, 8) == (8, 11)  # after `"""`
    assert noqa_position(source, 9, 8) == (10, 0)  # a backslash continuation
    assert noqa_position(source, 11, 8) == (13, 11)  # an f-string
    assert noqa_position(source, 14, 8) == (14, 0)  # opens and closes on its line
    assert noqa_position(source, 15, 8) == (16, 12)  # implicit concatenation
    assert noqa_position(source, 5, 4) == (5, 0)  # no string at all


def test_engine_reads_noqa_where_the_string_ends():
    findings = analyze(SQL, PATH).findings
    assert [(f.range.start.line, f.noqa_row) for f in findings] == [
        (6, 8),
        (9, 10),
        (11, 13),
        (14, 14),
        (15, 16),
    ]
    silenced = SQL.replace('        """),\n', '        """),  # noqa: DJM002\n', 1)
    assert [f.range.start.line for f in analyze(silenced, PATH).findings] == [9, 11, 14, 15]
    # A noqa inside the string is SQL, not a comment.
    inside = SQL.replace("-- # not a comment", "-- # noqa: DJM002")
    assert len(analyze(inside, PATH).findings) == 5


def test_comment_start_on_the_line_where_a_string_closes():
    assert comment_start('        """),  # backfill') == 15
    assert comment_start("    ''' \"\"\" '''  # c") == 17  # the other quote is content
    assert comment_start('        """),', 11) is None
    assert comment_start('x = "#"  # real') == 9
    assert parse_noqa('        """),  # noqa: DJM002', 11).codes == frozenset({"DJM002"})


def test_add_codes_merges_and_keeps_comments():
    assert add_codes("x = 1", ["DJM001"]) == "x = 1  # noqa: DJM001"
    assert add_codes("x = 1  # noqa: DJM001", ["DJM002"]) == "x = 1  # noqa: DJM001, DJM002"
    assert add_codes("x = 1  # why", ["DJM001"]) == "x = 1  # noqa: DJM001 # why"
    assert add_codes("x = 1  # noqa", ["DJM001"]) == "x = 1  # noqa"
    assert add_codes('    """),', ["DJM002"], 7) == '    """),  # noqa: DJM002'


# -- syntax of a newer Python ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "line", "running", "needs"),
    [
        (
            "multiple exception types must be parenthesized",
            "except ValueError, TypeError:",
            (3, 11),
            "3.14",
        ),
        ("invalid syntax", 'y = t"hello {name}"', (3, 13), "3.14"),
        ("expected '('", "def f[T = int](x: T) -> T:", (3, 12), "3.13"),
        ("invalid syntax", "type Point = tuple[float, float]", (3, 11), "3.12"),
        ("invalid syntax", "class Box[T]:", (3, 11), "3.12"),
        ("f-string: unmatched '['", 'y = f"{x["a"]}"', (3, 11), "3.12"),
        ("invalid syntax", "except* ValueError:", (3, 10), "3.11"),
    ],
)
def test_newer_syntax_is_named(message: str, line: str, running: tuple[int, int], needs: str):
    said = newer_syntax(message, line, running)
    assert said is not None
    assert said.startswith(f"cannot parse with Python {running[0]}.{running[1]}'s grammar: ")
    assert f"new in Python {needs};" in said and said.endswith(f"(SyntaxError: {message})")


@pytest.mark.parametrize(
    ("message", "line", "running"),
    [
        ("multiple exception types must be parenthesized", "except A, B as e:", (3, 11)),
        ("multiple exception types must be parenthesized", "except A, B:", (3, 14)),
        ("invalid syntax", "x = = 1", (3, 11)),
        ("'(' was never closed", "x = (1,", (3, 11)),
        ("invalid syntax", "type Point = tuple[float, float]", (3, 12)),
    ],
)
def test_a_real_syntax_error_keeps_its_message(message: str, line: str, running):
    assert newer_syntax(message, line, running) is None


@pytest.mark.skipif(sys.version_info >= (3, 14), reason="`except A, B:` is valid on 3.14")
def test_analyze_reports_except_comma_as_newer_syntax():
    text = SHAPES["import_alone_in_try"].replace("except ImportError:", "except ImportError, E:")
    (finding,) = analyze(text, PATH).findings
    assert finding.code is None and finding.range.start.line == 5
    assert "cannot parse with Python 3." in finding.message
    assert "new in Python 3.14" in finding.message


# -- decoding -----------------------------------------------------------------------------


def test_coding_cookie_of_a_lone_cr_file():
    data = "# -*- coding: latin-1 -*-\r# Café\rx = 'é'\r".encode("latin-1")
    assert decode_source(data) == ("# -*- coding: latin-1 -*-\r# Café\rx = 'é'\r", "iso-8859-1")
