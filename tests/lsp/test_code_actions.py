"""Code actions over the protocol: every quick fix applied, noqa, fixAll, hover."""

from __future__ import annotations

import ast

import pytest
from lsprotocol import types

from .harness import HOT_MODEL, NAME, RUN_PYTHON, RUN_SQL, Session, dedent

MIGRATION = "shop/migrations/0003_data.py"
FIX_ALL = "source.fixAll.django-migration-lsp"

RUN_SQL_EMOJI = RUN_SQL.replace("'new'", "'🐍 new'")
HOT_AND_IRREVERSIBLE = HOT_MODEL.replace(
    "migrations.RunPython(backfill_status, migrations.RunPython.noop),",
    "migrations.RunPython(backfill_status),\n"
    "        migrations.RunSQL(\"UPDATE shop_order SET note = '🐍'\"),",
)


async def fix(session: Session, uri: str, code: str, title: str) -> str:
    """Apply the quick fix ``title`` of the ``code`` diagnostic; return the new text."""
    diagnostics = [d for d in await session.diagnostics(uri) if d.code == code]
    assert diagnostics, f"no {code} diagnostic"
    actions = await session.actions(uri, diagnostics[:1], only=["quickfix"])
    chosen = [a for a in actions if a.title == title]
    assert chosen, f"no action {title!r}; offered: {[a.title for a in actions]}"
    (action,) = chosen
    assert action.kind == types.CodeActionKind.QuickFix
    assert action.diagnostics and action.diagnostics[0].code == code
    assert action.edit is not None
    session.apply(action.edit)
    text = session.texts[uri]
    ast.parse(text)
    remaining = [d.code for d in await session.diagnostics(uri)]
    assert code not in remaining
    return text


QUICK_FIXES = [
    pytest.param(
        RUN_PYTHON,
        "DJM001",
        "DJM001: Add migrations.RunPython.noop as reverse",
        RUN_PYTHON.replace("RunPython(forwards)", "RunPython(forwards, migrations.RunPython.noop)"),
        id="DJM001 noop reverse",
    ),
    pytest.param(
        RUN_PYTHON,
        "DJM001",
        "DJM001: Write a reverse function reverse_forwards()",
        RUN_PYTHON.replace(
            "    pass\n",
            "    pass\n\n\n"
            "def reverse_forwards(apps, schema_editor):\n"
            "    # TODO: undo what forwards() did. Until then, unapplying this migration\n"
            "    # succeeds without changing any data.\n"
            "    pass\n",
        ).replace("RunPython(forwards)", "RunPython(forwards, reverse_forwards)"),
        id="DJM001 reverse function",
    ),
    pytest.param(
        RUN_SQL_EMOJI,
        "DJM002",
        "DJM002: Add reverse_sql=migrations.RunSQL.noop",
        RUN_SQL_EMOJI.replace("'🐍 new'\")", "'🐍 new'\", reverse_sql=migrations.RunSQL.noop)"),
        id="DJM002 noop reverse after an emoji",
    ),
    pytest.param(
        HOT_MODEL,
        "DJM003",
        'DJM003: Replace with apps.get_model("shop", "Order")',
        HOT_MODEL.replace("\nfrom shop.models import Order\n", "").replace(
            "schema_editor):\n", 'schema_editor):\n    Order = apps.get_model("shop", "Order")\n'
        ),
        id="DJM003 apps.get_model",
    ),
]


@pytest.mark.parametrize(("before", "code", "title", "after"), QUICK_FIXES)
async def test_quick_fix(session: Session, before, code, title, after):
    uri = session.open(MIGRATION, before)
    assert await fix(session, uri, code, title) == after


NOQA = [
    pytest.param(
        RUN_PYTHON,
        "migrations.RunPython(forwards),  # noqa: DJM001",
        id="new comment",
    ),
    pytest.param(
        RUN_PYTHON.replace("RunPython(forwards),", "RunPython(forwards),  # 🐍 backfill"),
        "migrations.RunPython(forwards),  # noqa: DJM001 # 🐍 backfill",
        id="before an existing comment",
    ),
    pytest.param(
        RUN_PYTHON.replace(
            "RunPython(forwards),", 'RunPython(forwards), migrations.RunSQL("x"),  # noqa: DJM002'
        ),
        'migrations.RunPython(forwards), migrations.RunSQL("x"),  # noqa: DJM001, DJM002',
        id="extends a noqa comment",
    ),
]


@pytest.mark.parametrize(("before", "line"), NOQA)
async def test_disable_for_this_line(session: Session, before, line):
    uri = session.open(MIGRATION, before)
    text = await fix(session, uri, "DJM001", "DJM001: Disable for this line")
    assert text.splitlines()[11].strip() == line
    assert await session.diagnostics(uri) == []


async def test_titles_and_order(session: Session):
    uri = session.open(MIGRATION, HOT_AND_IRREVERSIBLE)
    diagnostics = await session.diagnostics(uri)
    assert [d.code for d in diagnostics] == ["DJM003", "DJM001", "DJM002"]
    actions = await session.actions(uri, diagnostics, only=["quickfix"])
    assert [a.title for a in actions] == [
        'DJM003: Replace with apps.get_model("shop", "Order")',
        "DJM003: Disable for this line",
        "DJM001: Add migrations.RunPython.noop as reverse",
        "DJM001: Write a reverse function reverse_backfill_status()",
        "DJM001: Disable for this line",
        "DJM002: Add reverse_sql=migrations.RunSQL.noop",
        "DJM002: Disable for this line",
    ]
    assert all(not a.is_preferred for a in actions)  # the fixes are unsafe


FIXED_ALL = dedent(
    """
    from django.db import migrations


    def backfill_status(apps, schema_editor):
        Order = apps.get_model("shop", "Order")
        Order.objects.filter(status="").update(status="new")


    class Migration(migrations.Migration):
        dependencies = [("shop", "0002_order_status")]

        operations = [
            migrations.RunPython(backfill_status, migrations.RunPython.noop),
            migrations.RunSQL("UPDATE shop_order SET note = '🐍'", reverse_sql=migrations.RunSQL.noop),
        ]
    """  # noqa: E501
)


async def test_fix_all_leaves_unsafe_fixes_alone_by_default(session: Session):
    uri = session.open(MIGRATION, HOT_AND_IRREVERSIBLE)
    diagnostics = await session.diagnostics(uri)
    for only in (["source.fixAll"], [FIX_ALL], ["source"], None):
        actions = await session.actions(uri, diagnostics, only=only)
        assert not [a for a in actions if (a.kind or "").startswith("source")], only


@pytest.mark.parametrize("only", [["source.fixAll"], [FIX_ALL], ["source"], None])
async def test_fix_all_with_unsafe_fixes(start, profile, only):
    session = await start(profile, settings={"unsafeFixes": True})
    uri = session.open(MIGRATION, HOT_AND_IRREVERSIBLE)
    diagnostics = await session.diagnostics(uri)
    actions = await session.actions(uri, diagnostics, only=only)
    fix_all = [a for a in actions if a.kind == FIX_ALL]
    assert len(fix_all) == 1
    assert fix_all[0].title == "django-migration-lsp: Fix all auto-fixable problems"
    if only is not None:
        assert not [a for a in actions if a.kind == "quickfix"]
    resolved = await session.resolve(fix_all[0])
    assert resolved.edit is not None
    session.apply(resolved.edit)
    assert session.texts[uri] == FIXED_ALL
    assert await session.diagnostics(uri) == []


async def test_fix_all_without_resolve_support(start):
    def no_resolve(caps: types.ClientCapabilities) -> None:
        assert caps.text_document and caps.text_document.code_action
        caps.text_document.code_action.resolve_support = None

    session = await start("vscode", settings={"unsafeFixes": True}, tweak=no_resolve)
    uri = session.open(MIGRATION, HOT_AND_IRREVERSIBLE)
    diagnostics = await session.diagnostics(uri)
    (action,) = await session.actions(uri, diagnostics, only=["source.fixAll"])
    assert action.edit is not None  # computed up front
    session.apply(action.edit)
    assert session.texts[uri] == FIXED_ALL


async def test_fix_all_from_pyproject(start):
    session = await start(
        "vscode",
        files={"pyproject.toml": "[tool.django-migration-lsp]\nunsafe-fixes = true\n"},
    )
    uri = session.open(MIGRATION, RUN_PYTHON)
    diagnostics = await session.diagnostics(uri)
    (action,) = await session.actions(uri, diagnostics, only=["source.fixAll"])
    session.apply((await session.resolve(action)).edit)
    assert "RunPython(forwards, migrations.RunPython.noop)" in session.texts[uri]


async def test_fix_all_edits_are_small(start):
    """The fixes are far apart; the edit does not replace everything in between."""
    session = await start("vscode", settings={"unsafeFixes": True})
    uri = session.open(MIGRATION, HOT_AND_IRREVERSIBLE)
    (action,) = await session.actions(uri, await session.diagnostics(uri), only=[FIX_ALL])
    edit = (await session.resolve(action)).edit
    assert edit is not None and edit.document_changes
    (change,) = edit.document_changes
    assert isinstance(change, types.TextDocumentEdit)
    assert len(change.edits) >= 3
    assert all(len(e.new_text) < 60 for e in change.edits)


async def test_quick_fixes_only_for_the_current_version(session: Session):
    uri = session.open(MIGRATION, RUN_PYTHON)
    old = await session.diagnostics(uri)
    session.replace(uri, "class Migration", "# moved\nclass Migration")
    await session.diagnostics(uri)
    # The client still holds a diagnostic from version 1: its fixes would land elsewhere.
    assert await session.actions(uri, old, only=["quickfix"]) == []


async def test_foreign_or_malformed_diagnostics_are_ignored(session: Session):
    uri = session.open(MIGRATION, RUN_PYTHON)
    (real,) = await session.diagnostics(uri)
    bad = [
        types.Diagnostic(range=real.range, message="x", source="pyright", data=real.data),
        types.Diagnostic(range=real.range, message="x", source=NAME, data=None),
        types.Diagnostic(range=real.range, message="x", source=NAME, data={"code": "DJM001"}),
        types.Diagnostic(
            range=real.range,
            message="x",
            source=NAME,
            data={"code": "DJM999", "range": [1, 0, 1, 1], "version": 1},
        ),
        types.Diagnostic(
            range=real.range,
            message="x",
            source=NAME,
            data={"code": "DJM001", "range": "12:8", "fix": [], "version": 1},
        ),
    ]
    assert await session.actions(uri, bad) == []
    assert [a.title for a in await session.actions(uri, [real], only=["quickfix"])][0] == (
        "DJM001: Add migrations.RunPython.noop as reverse"
    )
    errors = [m for m in session.client.log_messages if m.type == types.MessageType.Error]
    assert errors == []


async def test_quick_fixes_for_a_client_that_drops_diagnostic_data(session: Session):
    """Without ``data`` (no ``dataSupport``), the finding is found by code and range."""
    uri = session.open(MIGRATION, RUN_PYTHON)
    (real,) = await session.diagnostics(uri)
    bare = types.Diagnostic(range=real.range, message=real.message, source=NAME, code="DJM001")
    actions = await session.actions(uri, [bare], only=["quickfix"])
    assert [a.title for a in actions][:1] == ["DJM001: Add migrations.RunPython.noop as reverse"]
    moved = types.Diagnostic(
        range=types.Range(start=real.range.end, end=real.range.end),
        message=real.message,
        source=NAME,
        code="DJM001",
    )
    assert await session.actions(uri, [moved], only=["quickfix"]) == []


async def test_hover_on_a_noqa_code(session: Session):
    text = RUN_PYTHON.replace(
        "migrations.RunPython(forwards),",
        'migrations.RunSQL("🐍", migrations.RunSQL.noop), migrations.RunPython(forwards),'
        "  # noqa: DJM001",
    )
    uri = session.open(MIGRATION, text)
    line = text.splitlines()[11]
    column = line.index("DJM001") + 2
    units = {"utf-8": len(line[:column].encode()), "utf-16": column + 1}[session.encoding]

    async def hover(character: int) -> types.Hover | None:
        return await session.client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(line=11, character=character),
            )
        )

    result = await hover(units)
    assert result is not None
    assert isinstance(result.contents, types.MarkupContent)
    assert result.contents.kind == types.MarkupKind.Markdown
    assert "**DJM001** `irreversible-run-python`" in result.contents.value
    assert "## What it does" in result.contents.value
    assert "docs/rules/DJM001.md" in result.contents.value
    assert result.range is not None
    width = 6
    assert result.range.end.character - result.range.start.character == width
    assert await hover(4) is None  # on `migrations`, not in the comment
