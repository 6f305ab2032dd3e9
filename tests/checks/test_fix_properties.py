"""Fuzz-style properties of every fix, over the real-migration corpus and generated variants.

For each input, every fix the rules build (before any validation: a fix that needed the
``compile()`` filter to be hidden is a bug too) and ``fix_all`` must:

1. compile (``compile(text, path, "exec")``, stricter than ``ast.parse``);
2. keep the newline style (CRLF stays CRLF, a lone CR stays a lone CR);
3. change nothing outside the lines its edits touch;
4. for ``fix_all``: be idempotent (a second ``fix_all`` of its result changes nothing),
   and round-trip through the file's encoding (a BOM, a latin-1 cookie).

The generated variants take each rule's INVALID examples, the fixture project's
migrations and a few shapes that broke fixes before (a ``from __future__`` import, a
``global`` declaration, an import alone in an ``if``/``try`` block, multi-line SQL), and
rewrite them: CRLF, lone CR, a UTF-8 BOM, a latin-1 coding cookie, tabs, comments inside
the operation calls, one-line function bodies, the whole module in a nested block.
A variant that is not itself valid Python is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from benchmarks.corpus import ensure_corpus, migration_files

from django_migration_lsp.checks import analyze
from django_migration_lsp.checks.base import Edit
from django_migration_lsp.checks.engine import build_fixes, compiles
from django_migration_lsp.checks.fixing import fix_all
from django_migration_lsp.checks.registry import all_rules
from django_migration_lsp.checks.source import SourceFile, decode_source, encode_source

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "project"
LINE_END = re.compile(r"\r\n|\r|\n")
PATH = "shop/migrations/0002_example.py"

SHAPES = {
    "future_and_docstring": '''"""Backfill emails."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import migrations


def forwards(apps, schema_editor):
    get_user_model().objects.filter(email="").update(is_active=False)


class Migration(migrations.Migration):
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
''',
    "global_declaration": """from django.db import migrations
from shop.models import Order


def forwards(apps, schema_editor):
    global Order
    Order.objects.update(status="new")


class Migration(migrations.Migration):
    operations = [migrations.RunPython(forwards)]
""",
    "import_alone_in_if": """from django.db import migrations


def forwards(apps, schema_editor):
    if True:
        from shop.models import Order
    Order.objects.update(status="new")


class Migration(migrations.Migration):
    operations = [migrations.RunPython(forwards)]
""",
    "import_alone_in_try": """from django.db import migrations

try:
    from shop.models import Order
except ImportError:
    Order = None


def forwards(apps, schema_editor):
    Order.objects.update(status="new")


class Migration(migrations.Migration):
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
""",
    "multi_line_sql": '''from django.db import migrations


class Migration(migrations.Migration):
    operations = [
        migrations.RunSQL(
            """
            UPDATE shop_order SET status = 'new'
            """,
        ),
        migrations.RunSQL("""UPDATE a
            SET b = 1"""),
    ]
''',
    "decorated_helpers": """import functools

from django.db import migrations
from shop.models import Order


def log(fn):
    @functools.wraps(fn)
    def inner(*args):
        return fn(*args)

    return inner


@log
def forwards(apps, schema_editor):
    for order in Order.objects.all():
        order.save()


class Migration(migrations.Migration):
    operations = [
        migrations.RunPython(forwards),
        migrations.RunSQL(["UPDATE a SET b = 1"], None),
    ]
""",
}


# -- variants -----------------------------------------------------------------------------


def _tabs(text: str) -> str:
    return re.sub(r"(?m)^((?:    )+)", lambda m: "\t" * (len(m.group(1)) // 4), text)


def _comments_in_calls(text: str) -> str:
    return re.sub(
        r"(?m)^(\s*)(.*\b(?:RunPython|RunSQL)\()(.*)$",
        lambda m: f"{m.group(1)}{m.group(2)}  # why\n{m.group(1)}    {m.group(3)}  # note",
        text,
    )


def _one_line_defs(text: str) -> str:
    return re.sub(r"(?m)^(\s*def .*\):)\n\s+(\S[^\n]*)\n(?=\n)", r"\1 \2\n", text)


def _nested(text: str) -> str:
    body = "".join(f"    {line}" if line.strip() else line for line in text.splitlines(True))
    return "if True:\n" + body


TEXT_VARIANTS: dict[str, Callable[[str], str]] = {
    "as is": lambda t: t,
    "tabs": _tabs,
    "comments in calls": _comments_in_calls,
    "one-line defs": _one_line_defs,
    "nested block": _nested,
}
NEWLINES = {"LF": "\n", "CRLF": "\r\n", "CR": "\r"}
LATIN = "# -*- coding: latin-1 -*-\n# Café crème\n"


def _bases() -> Iterator[tuple[str, str, str]]:
    for code, rule in all_rules().items():
        for i, example in enumerate(rule.INVALID):
            yield f"{code}.INVALID[{i}]", example.code, example.path
    for path in sorted(FIXTURES.rglob("migrations/*.py")):
        yield path.relative_to(FIXTURES).as_posix(), path.read_text("utf-8"), str(path)
    for name, text in SHAPES.items():
        yield name, text, PATH


def variants() -> Iterator[tuple[str, bytes, str]]:
    """``(label, bytes as on disk, path)`` of every generated input that compiles."""
    for name, text, path in _bases():
        for variant, change in TEXT_VARIANTS.items():
            changed = change(text)
            if not compiles(changed, path):
                continue  # e.g. a ``from __future__`` import inside ``if True:``
            for nl_name, nl in NEWLINES.items():
                out = changed.replace("\n", nl)
                label = f"{name} / {variant} / {nl_name}"
                yield label, out.encode("utf-8"), path
                if variant == "as is":
                    yield f"{label} / BOM", b"\xef\xbb\xbf" + out.encode("utf-8"), path
                    latin = (LATIN + changed).replace("\n", nl).encode("latin-1", "replace")
                    yield f"{label} / latin-1", latin, path


def corpus_inputs() -> Iterator[tuple[str, bytes, str]]:
    root = ensure_corpus()
    for path in migration_files(root):
        data = path.read_bytes()
        if b"RunPython" in data or b"RunSQL" in data:
            yield path.relative_to(root).as_posix(), data, str(path)


# -- the properties ---------------------------------------------------------------------------


def newline_kinds(text: str) -> set[str]:
    return set(LINE_END.findall(text))


def touched_lines(edits: tuple[Edit, ...]) -> set[int]:
    lines: set[int] = set()
    for e in edits:
        last = e.range.end.line
        if e.range.end.column == 0 and last > e.range.start.line:
            last -= 1  # ends at the start of a line: that line is not changed
        lines.update(range(e.range.start.line, last + 1))
    return lines


def outside_unchanged(source: SourceFile, edits: tuple[Edit, ...], new: str) -> list[int]:
    """Lines not touched by ``edits`` whose text (line ending included) moved or changed."""
    spans = sorted((source.offset(e.range.start), source.offset(e.range.end), e) for e in edits)
    touched = touched_lines(edits)
    starts = [*source.line_starts, len(source.text)]
    bad = []
    for line in range(1, source.line_count + 1):
        if line in touched:
            continue
        a, b = starts[line - 1], starts[line]
        shift = sum(len(e.new_text) - (end - start) for start, end, e in spans if end <= a)
        if new[a + shift : b + shift] != source.text[a:b]:
            bad.append(line)
    return bad


def check_input(label: str, data: bytes, path: str) -> list[str]:
    problems: list[str] = []
    analysis = analyze(data, path)
    source = analysis.source
    if source is None and not analysis.findings:
        return []  # the prefilter: nothing to report, nothing to fix
    if source is None or any(f.code is None for f in analysis.findings):
        return [f"{label}: does not analyse: {[f.message for f in analysis.findings]}"]
    kinds = newline_kinds(source.text)
    for finding in analysis.findings:
        for fix in build_fixes(source, finding):
            where = f"{label}: {finding.code} line {finding.range.start.line} {fix.title!r}"
            new = source.apply(fix.edits)
            if not compiles(new, path):
                problems.append(f"{where}: does not compile")
                continue
            if len(kinds) == 1 and newline_kinds(new) != kinds:
                problems.append(f"{where}: newlines {kinds} became {newline_kinds(new)}")
            bad = outside_unchanged(source, fix.edits, new)
            if bad:
                problems.append(f"{where}: lines {bad} changed outside the fix's edits")

    once = fix_all(analysis, list(all_rules().values()), unsafe=True)
    if not compiles(once.text, path):
        problems.append(f"{label}: fix_all does not compile")
    if len(kinds) == 1 and newline_kinds(once.text) - kinds:
        problems.append(f"{label}: fix_all changed newlines {kinds} -> {newline_kinds(once.text)}")
    twice = fix_all(once.analysis, list(all_rules().values()), unsafe=True)
    if twice.text != once.text:
        problems.append(f"{label}: fix_all is not idempotent ({twice.applied} the second time)")
    data_after = encode_source(once.text, analysis.encoding)
    text_after, encoding_after = decode_source(data_after)
    if (text_after, encoding_after) != (once.text, analysis.encoding):
        problems.append(f"{label}: the fixed text does not round-trip through {analysis.encoding}")
    if data.startswith(b"\xef\xbb\xbf") != data_after.startswith(b"\xef\xbb\xbf"):
        problems.append(f"{label}: the BOM was not kept")
    return problems


def test_generated_variants():
    inputs = list(variants())
    assert len(inputs) > 300  # the generators still generate
    fixed = 0
    problems: list[str] = []
    for label, data, path in inputs:
        problems.extend(check_input(label, data, path))
        analysis = analyze(data, path)
        fixed += any(build_fixes(analysis.source, f) for f in analysis.findings)
    assert not problems, "\n".join(problems[:50])
    assert fixed > 200  # most inputs have fixes to check


@pytest.mark.parametrize("newline", list(NEWLINES))
def test_corpus_files_with_findings(newline: str):
    inputs = list(corpus_inputs())
    if not inputs:
        pytest.skip("no corpus (python benchmarks/corpus.py downloads it)")
    problems: list[str] = []
    checked = 0
    for label, data, path in inputs:
        if not analyze(data, path).findings:
            continue
        checked += 1
        if newline != "LF":
            data = re.sub(rb"\r\n|\r|\n", NEWLINES[newline].encode(), data)
        problems.extend(check_input(f"{label} / {newline}", data, path))
    assert checked >= 10
    assert not problems, "\n".join(problems[:50])
