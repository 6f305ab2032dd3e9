"""The layout of the arguments that DJM001/DJM002 fixes add, and of the imports that
DJM003 fixes shorten: text edits from the call's tokens, which follow the rules the
LibCST rewrites followed (the generated variants of ``test_fix_properties`` check that
every fix compiles and keeps its newlines; these pin the exact text)."""

from __future__ import annotations

import ast

import pytest

from django_migration_lsp.checks.source import SourceFile
from django_migration_lsp.fixes.calls import add_argument
from django_migration_lsp.fixes.imports import remove_import_names

#: (call as written, how the argument is added, the call after the fix)
CALLS = {
    "positional": ("RunPython(forwards)", {"index": 1}, "RunPython(forwards, noop)"),
    "before a keyword": (
        "RunPython(forwards, elidable=True)",
        {"index": 1},
        "RunPython(forwards, noop, elidable=True)",
    ),
    "after a lambda's commas": (
        "RunPython(lambda apps, schema_editor: None)",
        {"index": 1},
        "RunPython(lambda apps, schema_editor: None, noop)",
    ),
    "one per line, trailing comma": (
        "RunPython(\n        forwards,\n    )",
        {"index": 1},
        "RunPython(\n        forwards,\n        noop,\n    )",
    ),
    "a comment stays on its line": (
        "RunPython(\n        forwards,  # the forward\n        elidable=True,\n    )",
        {"index": 1},
        "RunPython(\n        forwards,  # the forward\n        noop,\n"
        "        elidable=True,\n    )",
    ),
    "keyword after a trailing comma and a comment": (
        "RunSQL(\n        'UPDATE t SET x = 1',  # backfill x\n    )",
        {"keyword": "reverse_sql"},
        "RunSQL(\n        'UPDATE t SET x = 1',  # backfill x\n        reverse_sql=noop,\n    )",
    ),
    "no trailing comma: the comment follows the new last argument": (
        "RunSQL(\n        'UPDATE t SET x = 1'  # backfill x\n    )",
        {"keyword": "reverse_sql"},
        "RunSQL(\n        'UPDATE t SET x = 1',\n        reverse_sql=noop  # backfill x\n    )",
    ),
    "trailing comma on one line": (
        "RunSQL('UPDATE t', )",
        {"keyword": "reverse_sql"},
        "RunSQL('UPDATE t', reverse_sql=noop, )",
    ),
    "comment lines before the bracket stay above the new argument": (
        "RunSQL(\n        sql=['SELECT 1'],\n        # the SQL above\n    )",
        {"keyword": "reverse_sql"},
        "RunSQL(\n        sql=['SELECT 1'],\n        # the SQL above\n"
        "        reverse_sql=noop,\n    )",
    ),
    "the call's own spacing": (
        "RunSQL('a' ,  'b')",
        {"keyword": "reverse_sql"},
        "RunSQL('a' ,  'b',  reverse_sql=noop)",
    ),
    "commas inside brackets are not the call's": (
        "ops[0](f(x, y), {'a': (1, 2)})",
        {"keyword": "reverse_sql"},
        "ops[0](f(x, y), {'a': (1, 2)}, reverse_sql=noop)",
    ),
    "no argument yet": ("Op()", {"keyword": "reverse_sql"}, "Op(reverse_sql=noop)"),
}


def _source(body: str, newline: str) -> tuple[SourceFile, ast.AST]:
    text = f"operations = [\n    {body},\n]\n".replace("\n", newline)
    node = ast.parse(text).body[0].value.elts[0]  # type: ignore[attr-defined]
    return SourceFile(text), node


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
@pytest.mark.parametrize("name", list(CALLS))
def test_added_argument(name: str, newline: str):
    call, how, expected = CALLS[name]
    source, node = _source(call, newline)
    edit = add_argument(source, source.node_range(node), "noop", **how)
    assert source.apply([edit]) == _source(expected, newline)[0].text


#: (import as written, indices removed, what is left)
IMPORTS = {
    "middle": ("from shop.models import A, B, C", {1}, "from shop.models import A, C"),
    "last": ("from shop.models import A, B, C", {2}, "from shop.models import A, B"),
    "first, with odd spacing": (
        "from shop.models import A ,B,  C",
        {0},
        "from shop.models import B,  C",
    ),
    "alias": ("import shop.models as m, os", {0}, "import os"),
    "brackets (LibCST)": (
        "from shop.models import (\n    A,\n    B,  # b\n)",
        {0},
        "from shop.models import (\n    B,  # b\n)",
    ),
}


@pytest.mark.parametrize("name", list(IMPORTS))
def test_removed_import_names(name: str):
    before, names, after = IMPORTS[name]
    text = f"{before}\nx = 1\n"
    source = SourceFile(text)
    edit = remove_import_names(source, source.node_range(ast.parse(text).body[0]), names)
    assert source.apply([edit]) == f"{after}\nx = 1\n"
