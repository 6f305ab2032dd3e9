from __future__ import annotations

import ast

import pytest

from django_migration_lsp.checks import Edit, Position, Range, analyze
from django_migration_lsp.checks.noqa import noqa_edit, parse_noqa
from django_migration_lsp.checks.source import (
    SourceDecodeError,
    SourceFile,
    decode_source,
    minimal_edit,
)


def test_lines_split_like_python_not_like_splitlines():
    # \x0c (form feed) and \u2028 are not line breaks for Python.
    text = "a = 1\x0c\nb = '\u2028'\r\nc = 3\rd = 4"
    src = SourceFile(text)
    assert [src.line(n) for n in range(1, 5)] == ["a = 1\x0c", "b = '\u2028'", "c = 3", "d = 4"]
    tree = ast.parse(text)
    assert [n.lineno for n in tree.body] == [1, 2, 3, 4]


def test_ast_byte_columns_become_code_points():
    text = "x = ('é🐍', print)\n"
    src = SourceFile(text)
    call = ast.parse(text).body[0].value.elts[1]
    assert src.node_range(call) == Range(Position(1, 11), Position(1, 16))
    assert src.slice(src.node_range(call)) == "print"


def test_apply_and_minimal_edit():
    src = SourceFile("f(a)\ng(b)\n")
    edit = minimal_edit(src, Range(Position(1, 0), Position(1, 4)), "f(a, c)")
    assert edit == Edit(Range(Position(1, 3), Position(1, 3)), ", c")
    assert src.apply([edit]) == "f(a, c)\ng(b)\n"
    with pytest.raises(ValueError):
        src.apply(
            [
                Edit(Range(Position(1, 0), Position(1, 3)), ""),
                Edit(Range(Position(1, 1), Position(1, 2)), ""),
            ]
        )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x00\x00", "binary file"),
        (b"x = '\xff'\n", "cannot decode file as utf-8 at byte 5"),
        (b"# coding: klingon\n", "cannot determine the file's encoding"),
    ],
)
def test_decode_errors_are_clear(data, message):
    with pytest.raises(SourceDecodeError, match=message):
        decode_source(data)


def test_decode_honours_cookie_and_bom():
    assert decode_source("# coding: latin-1\nx = 'é'\n".encode("latin-1"))[0].endswith("'é'\n")
    assert decode_source(b"\xef\xbb\xbfx = 1\n") == ("x = 1\n", "utf-8-sig")


@pytest.mark.parametrize(
    ("line", "codes"),
    [
        ("x = 1  # noqa", None),
        ("x = 1  # noqa: DJM001", {"DJM001"}),
        ("x = 1  # NOQA:DJM001,DJM003", {"DJM001", "DJM003"}),
        ("x = '# noqa'", "absent"),
        ("x = 1  # a comment", "absent"),
    ],
)
def test_parse_noqa(line, codes):
    comment = parse_noqa(line)
    if codes == "absent":
        assert comment is None
    else:
        assert comment is not None and comment.codes == (frozenset(codes) if codes else None)


@pytest.mark.parametrize(
    ("line", "after"),
    [
        ("    RP(f),", "    RP(f),  # noqa: DJM001"),
        ("    RP(f),  # noqa: DJM002", "    RP(f),  # noqa: DJM001, DJM002"),
        ("    RP(f),  # keep me", "    RP(f),  # noqa: DJM001 # keep me"),
        ("    RP(f),  # noqa", "    RP(f),  # noqa"),
    ],
)
def test_noqa_edit(line, after):
    src = SourceFile(line)
    edit = noqa_edit(src, 1, "DJM001")
    assert (src.apply([edit]) if edit else line) == after


def test_noqa_suppresses_only_named_codes():
    base = (
        "from django.db import migrations\n"
        "class Migration:\n"
        "    operations = [migrations.RunPython(print)]{}\n"
    )
    assert analyze(base.format("  # noqa: DJM001")).findings == []
    assert analyze(base.format("  # noqa")).findings == []
    assert [f.code for f in analyze(base.format("  # noqa: DJM002")).findings] == ["DJM001"]


def test_prefilter_skips_files_without_trigger_words():
    analysis = analyze(b"from django.db import migrations\nclass Migration: pass\n")
    assert analysis.parsed is False and analysis.findings == []
