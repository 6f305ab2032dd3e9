"""Diagnostics over the protocol: capabilities, publish and pull, versions, encodings."""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types

from django_migration_lsp.lsp.server import DEBOUNCE_ENV

from .harness import (
    CLEAN,
    HOT_MODEL,
    NAME,
    RUN_PYTHON,
    RUN_SQL,
    Session,
    dedent,
    to_offset,
    wait_for,
)

MIGRATION = "shop/migrations/0002_backfill.py"
DOCS = "https://github.com/django-migration-lsp/django-migration-lsp/blob/main/docs/rules/"


def text_at(session: Session, uri: str, rng: types.Range) -> str:
    text = session.texts[uri]
    start = to_offset(text, rng.start, session.encoding)
    return text[start : to_offset(text, rng.end, session.encoding)]


@pytest.mark.parametrize(
    ("profile", "encoding", "pull"),
    [("vscode", "utf-16", False), ("neovim", "utf-8", True), ("neovim-push", "utf-8", False)],
)
async def test_capabilities(start, profile, encoding, pull):
    session = await start(profile)
    assert session.result is not None
    caps = session.result.capabilities
    assert session.result.server_info is not None and session.result.server_info.name == NAME
    assert caps.position_encoding == encoding
    sync = caps.text_document_sync
    assert isinstance(sync, types.TextDocumentSyncOptions)
    assert sync.open_close and sync.change == types.TextDocumentSyncKind.Incremental
    assert isinstance(caps.code_action_provider, types.CodeActionOptions)
    assert set(caps.code_action_provider.code_action_kinds or []) == {
        "quickfix",
        "source.fixAll",
        "source.fixAll.django-migration-lsp",
    }
    assert caps.code_action_provider.resolve_provider
    assert caps.hover_provider
    assert isinstance(caps.diagnostic_provider, types.DiagnosticOptions)
    assert caps.diagnostic_provider.workspace_diagnostics
    assert not caps.diagnostic_provider.inter_file_dependencies
    await wait_for(lambda: session.client.log_messages, "the start-up log line")
    first = session.client.log_messages[0].message
    assert f"positions in {encoding}" in first
    assert ("pull diagnostics" if pull else "push diagnostics") in first


async def test_diagnostic_fields(session: Session):
    uri = session.open(MIGRATION, HOT_MODEL)
    diagnostics = await session.diagnostics(uri)
    assert [d.code for d in diagnostics] == ["DJM003"]
    (d,) = diagnostics
    assert d.source == NAME
    assert d.severity == types.DiagnosticSeverity.Warning
    assert d.code_description is not None and d.code_description.href == f"{DOCS}DJM003.md"
    assert text_at(session, uri, d.range) == "Order"
    assert d.range.start.line == 2  # the import, on the line the CLI reports (3)
    assert d.message.startswith("Model `Order` from `shop.models` is the live class")
    # relatedInformation: each use while the migration runs.
    assert d.related_information is not None
    (related,) = d.related_information
    assert related.location.uri == uri
    assert related.location.range.start.line == 6
    assert text_at(session, uri, related.location.range) == "Order"
    assert related.message == "`Order` used here while the migration runs"
    # Everything a code action needs, without analysing the file again.
    assert isinstance(d.data, dict)
    assert d.data["code"] == "DJM003" and d.data["version"] == 1
    assert d.data["fix"]["title"].startswith("Replace with apps.get_model(")


async def test_range_matches_the_cli(session: Session):
    uri = session.open(MIGRATION, RUN_PYTHON)
    (d,) = await session.diagnostics(uri)
    # The CLI prints 12:9-12:29 (1-based columns, exclusive end) for this call.
    assert (d.range.start.line + 1, d.range.start.character + 1) == (12, 9)
    assert (d.range.end.line + 1, d.range.end.character + 1) == (12, 29)
    assert text_at(session, uri, d.range) == "migrations.RunPython"


async def test_open_change_close(start):
    session = await start("vscode", settings={"workspaceDiagnostics": False})
    uri = session.open(MIGRATION, RUN_PYTHON)
    assert [d.code for d in await session.diagnostics(uri)] == ["DJM001"]
    assert session.last_published(uri).version == 1

    session.replace(
        uri,
        "migrations.RunPython(forwards),",
        'migrations.RunPython(forwards),\n        migrations.RunSQL("SELECT 1"),',
    )
    assert [d.code for d in await session.diagnostics(uri)] == ["DJM001", "DJM002"]

    session.change(uri, CLEAN)
    assert await session.diagnostics(uri) == []
    assert session.last_published(uri).version == 3

    session.change(uri, RUN_SQL)
    assert [d.code for d in await session.diagnostics(uri)] == ["DJM002"]

    count = len(session.published)
    session.close(uri)
    await wait_for(lambda: len(session.published) > count, "a publish after close")
    assert not session.last_published(uri).diagnostics


async def test_pull_reports_result_ids(start):
    session = await start("neovim")
    uri = session.open(MIGRATION, RUN_PYTHON)

    async def pull(previous: str | None) -> types.DocumentDiagnosticReport:
        return await session.client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                identifier=NAME,
                previous_result_id=previous,
            )
        )

    first = await pull(None)
    assert isinstance(first, types.RelatedFullDocumentDiagnosticReport)
    assert [d.code for d in first.items] == ["DJM001"]
    again = await pull(first.result_id)
    assert isinstance(again, types.RelatedUnchangedDocumentDiagnosticReport)
    assert again.result_id == first.result_id

    session.change(uri, CLEAN)
    after = await pull(first.result_id)
    assert isinstance(after, types.RelatedFullDocumentDiagnosticReport)
    assert not after.items and after.result_id != first.result_id
    # A pulling client is not pushed to as well: no duplicates.
    assert session.last_published(uri) is None


async def test_non_migration_files_get_nothing(session: Session):
    module = session.open("shop/models.py", RUN_PYTHON)
    init = session.open("shop/migrations/__init__.py", RUN_PYTHON)
    untitled = "untitled:Untitled-1"
    session.texts[untitled] = RUN_PYTHON
    session.versions[untitled] = 1
    session.client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=untitled, language_id="python", version=1, text=RUN_PYTHON)
        )
    )
    marker = session.open(MIGRATION, RUN_PYTHON)  # processed after the others
    assert [d.code for d in await session.diagnostics(marker)] == ["DJM001"]
    for uri in (module, init, untitled):
        if session.pull:
            assert await session.diagnostics(uri) == []
        else:
            assert session.last_published(uri) is None
        actions = await session.actions(uri, [])
        assert actions == []
    session.change(module, RUN_SQL)
    session.close(module)
    await session.diagnostics(marker)
    assert session.last_published(module) is None


async def test_syntax_error_while_typing(session: Session):
    uri = session.open(MIGRATION, RUN_PYTHON)
    assert [d.code for d in await session.diagnostics(uri)] == ["DJM001"]
    # Half-typed: the file does not parse. Nothing for it, and the server keeps going.
    session.replace(uri, "migrations.RunPython(forwards),", "migrations.RunPython(forwards,")
    assert await session.diagnostics(uri) == []
    broken = dedent(
        """
        from django.db import migrations

        class Migration(migrations.Migration):
            operations = [migrations.RunSQL("x"
        """
    )
    session.change(uri, broken)
    assert await session.diagnostics(uri) == []
    assert await session.actions(uri, [], only=["source.fixAll"]) == []
    session.change(uri, RUN_SQL)
    assert [d.code for d in await session.diagnostics(uri)] == ["DJM002"]
    assert not [m for m in session.client.log_messages if m.type == types.MessageType.Error]


@pytest.mark.parametrize(
    ("profile", "start_column", "end_column"),
    [
        # `🐍` is 1 code point, 2 UTF-16 units, 4 UTF-8 bytes; `é` is 1, 1 and 2.
        ("vscode", 62, 82),
        ("neovim", 65, 85),
        ("neovim-push", 65, 85),
    ],
)
async def test_columns_in_the_negotiated_encoding(start, profile, start_column, end_column):
    session = await start(profile)
    text = RUN_PYTHON.replace(
        "        migrations.RunPython(forwards),",
        '        migrations.RunSQL("-- 🐍 é", migrations.RunSQL.noop), '
        "migrations.RunPython(forwards),",
    )
    uri = session.open(MIGRATION, text)
    (d,) = await session.diagnostics(uri)
    assert d.code == "DJM001"
    assert (d.range.start.line, d.range.start.character) == (11, start_column)
    assert (d.range.end.line, d.range.end.character) == (11, end_column)
    assert text_at(session, uri, d.range) == "migrations.RunPython"
    # Incremental changes arrive in the same encoding: edit after the emoji.
    session.replace(uri, "RunPython(forwards)", "RunPython(forwards, migrations.RunPython.noop)")
    assert await session.diagnostics(uri) == []
    session.replace(uri, "forwards, migrations.RunPython.noop)", "forwards)")
    (d,) = await session.diagnostics(uri)
    assert (d.range.start.character, d.range.end.character) == (start_column, end_column)


@pytest.mark.parametrize("separator", ["\x0c", "\u2028", "\x85", "\x1e"])
async def test_lines_end_only_at_newlines(session: Session, separator):
    """Characters that ``str.splitlines`` splits at do not end a line in LSP or Python."""
    text = RUN_PYTHON.replace(
        "class Migration", f'NOTE = "a{separator}b"  # {separator}\n\n\nclass Migration'
    )
    uri = session.open(MIGRATION, text)
    (d,) = await session.diagnostics(uri)
    assert d.range.start.line == 14
    session.replace(uri, "RunPython(forwards)", "RunPython(forwards, migrations.RunPython.noop)")
    assert await session.diagnostics(uri) == []
    session.replace(uri, "forwards, migrations.RunPython.noop)", "forwards)")
    (d,) = await session.diagnostics(uri)
    assert text_at(session, uri, d.range) == "migrations.RunPython"


async def test_a_burst_of_200_changes_publishes_only_the_last_version(start):
    session = await start("vscode", settings={"workspaceDiagnostics": False})
    uri = session.open(MIGRATION, RUN_PYTHON)
    await session.diagnostics(uri)
    first = len(session.published)
    for n in range(200):  # a comment grows, one keystroke at a time
        old = "# " + "x" * (n - 1) if n else "class Migration"
        new = "# " + "x" * n if n else "# \nclass Migration"
        session.replace(uri, old, new)
    final = session.versions[uri]
    assert final == 201
    diagnostics = await session.diagnostics(uri)
    assert [d.code for d in diagnostics] == ["DJM001"]
    assert diagnostics[0].range.start.line == 12
    await asyncio.sleep(0.5)  # anything late would arrive now
    burst = [p.version for p in session.published[first:] if p.uri == uri]
    # The first change follows a quiet period, so it is checked at once: published
    # only if that check ends before the second change arrives (this client paused
    # between two keystrokes, as a busy machine's scheduler can make it do).
    assert burst in ([final], [2, final])


@pytest.mark.parametrize("profile", ["vscode", "neovim"])
async def test_a_change_after_a_quiet_period_is_checked_at_once(start, profile):
    """With a quiet period of 30 s, a single change still gets its diagnostics at once
    (pushed or pulled), and a second one right after it waits for the burst to end."""
    session = await start(
        profile, settings={"workspaceDiagnostics": False}, env={DEBOUNCE_ENV: "30"}
    )
    uri = session.open(MIGRATION, RUN_PYTHON)
    assert [d.code for d in await session.diagnostics(uri)] == ["DJM001"]
    session.replace(uri, "RunPython(forwards)", "RunPython(forwards, migrations.RunPython.noop)")
    assert await session.diagnostics(uri) == []  # in far less than 30 s: TIMEOUT is 15
    if profile == "vscode":
        session.replace(uri, "forwards, migrations.RunPython.noop)", "forwards)")
        await asyncio.sleep(1.0)
        last = session.last_published(uri)
        assert last is not None and last.version == 2  # not 3: that one is in a burst


async def test_a_burst_of_spaced_changes_publishes_at_most_its_first_and_last(start):
    """Changes 20 ms apart for 0.8 s, with a quiet period of 0.5 s: one burst. Its first
    change may be published (it came after a quiet period), then only the last."""
    session = await start(
        "vscode", settings={"workspaceDiagnostics": False}, env={DEBOUNCE_ENV: "0.5"}
    )
    uri = session.open(MIGRATION, RUN_PYTHON)
    await session.diagnostics(uri)
    first = len(session.published)
    for n in range(40):
        session.change(uri, RUN_PYTHON if n % 2 else CLEAN)
        await asyncio.sleep(0.02)
    final = session.versions[uri]
    assert [d.code for d in await session.diagnostics(uri)] == ["DJM001"]  # n = 39
    await asyncio.sleep(0.3)
    burst = [p.version for p in session.published[first:] if p.uri == uri]
    assert burst in ([final], [2, final])


async def test_pull_after_a_burst_sees_the_last_version(start):
    session = await start("neovim")
    uri = session.open(MIGRATION, RUN_PYTHON)
    for n in range(200):
        session.change(uri, RUN_PYTHON if n % 2 else CLEAN)
    assert [d.code for d in await session.diagnostics(uri)] == ["DJM001"]  # n = 199: RUN_PYTHON
    assert session.last_published(uri) is None
