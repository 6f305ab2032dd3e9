"""The server process: how it starts, and that bad input is logged, not fatal."""

from __future__ import annotations

import json
import sys

import pytest
from lsprotocol import types
from pytest_lsp import ClientServerConfig, client_capabilities

from .harness import RUN_PYTHON, SERVER, Session, make_client, wait_for

MIGRATION = "shop/migrations/0002_backfill.py"


@pytest.mark.parametrize(
    "command",
    [SERVER, [*SERVER, "--stdio"], [*SERVER, "lsp"], [*SERVER, "server", "--stdio"]],
    ids=["no arguments", "--stdio", "lsp", "server --stdio"],
)
async def test_starts_on_stdio(command, tmp_path):
    client = await ClientServerConfig(server_command=command, client_factory=make_client).start()
    try:
        result = await client.initialize_session(
            types.InitializeParams(
                capabilities=client_capabilities("visual-studio-code"),
                root_uri=tmp_path.as_uri(),
            )
        )
        assert result.server_info is not None
        assert result.server_info.name == "django-migration-lsp"
        await client.shutdown_session()
        assert client._server is not None and client._server.returncode == 0
    finally:
        await client.stop()


async def test_bad_messages_are_logged_not_fatal(session: Session):
    uri = session.open(MIGRATION, RUN_PYTHON)
    await session.diagnostics(uri)
    # A notification the server cannot even read (no client library would send it).
    body = json.dumps(
        {
            "jsonrpc": "2.0",
            "method": "textDocument/didChange",
            "params": {"textDocument": {"uri": uri}, "contentChanges": "everything"},
        }
    ).encode()
    server = session.client._server
    assert server is not None and server.stdin is not None
    server.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    await wait_for(
        lambda: [m for m in session.client.log_messages if m.type == types.MessageType.Error],
        "the error in window/logMessage",
    )
    # Positions beyond the end of the document are clamped, not fatal.
    far = types.Position(line=10_000, character=10_000)
    hover = await session.client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=far)
    )
    assert hover is None
    session.client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(start=far, end=far), text="\n# appended\n"
                )
            ],
        )
    )
    session.versions[uri] = 2
    session.texts[uri] += "\n# appended\n"
    # Still serving, and the change landed at the end of the file.
    (d,) = await session.diagnostics(uri)
    assert d.code == "DJM001" and d.range.start.line == 11
    assert not [m for m in session.client.messages if m.type == types.MessageType.Error]


async def test_never_imports_the_project(start):
    """The workspace's code is read, never run: a migration that would write a file on
    import does not."""
    session = await start(
        "vscode",
        files={
            "shop/__init__.py": "open(__file__ + '.imported', 'w').close()\n",
            "shop/models.py": "open(__file__ + '.imported', 'w').close()\n",
            "shop/migrations/__init__.py": "",
            MIGRATION: "open(__file__ + '.imported', 'w').close()\n" + RUN_PYTHON,
        },
    )
    uri = session.open(MIGRATION)
    assert [d.code for d in await session.diagnostics(uri)] == ["DJM001"]
    assert not list(session.root.rglob("*.imported"))
    assert sys.modules.get("shop") is None
