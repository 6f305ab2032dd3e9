"""End-to-end harness: the real server (``python -m django_migration_lsp``) over stdio,
driven by pytest-lsp's ``LanguageClient`` with its recorded client capabilities.

Profiles:

- ``vscode``: VS Code's capabilities (UTF-16 positions, pushed diagnostics, dynamic
  registration of file watchers, ``workspace/configuration``);
- ``neovim``: Neovim 0.11's (UTF-8 positions offered, pulls diagnostics);
- ``neovim-push``: Neovim's, without ``textDocument.diagnostic``: UTF-8 and pushed.

A :class:`Session` keeps the client's copy of each open document, applies the server's
``WorkspaceEdit``\\ s to it in the negotiated encoding (its own conversion, independent of
the server's) and sends the result back as ``didChange``, as an editor does.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from lsprotocol import types
from pygls.protocol import default_converter
from pygls.uris import to_fs_path as to_path
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

SERVER = [sys.executable, "-m", "django_migration_lsp"]
NAME = "django-migration-lsp"
TIMEOUT = 15.0
LINE_END = re.compile(r"\r\n|\r|\n")
#: The profiles most tests run with; ``neovim-push`` (UTF-8 and push) where that matters.
PROFILES = ("vscode", "neovim")


def capabilities(profile: str) -> types.ClientCapabilities:
    if profile == "vscode":
        return client_capabilities("visual-studio-code")
    caps = client_capabilities("neovim@v0.11")
    if profile == "neovim-push":
        assert caps.text_document is not None
        caps.text_document.diagnostic = None
    return caps


def make_client() -> LanguageClient:
    """pytest-lsp's client, also keeping every publishDiagnostics and registration, and
    counting ``workspace/codeLens/refresh`` requests."""
    client = LanguageClient(converter_factory=default_converter)
    client.published = []  # type: ignore[attr-defined]
    client.registrations = []  # type: ignore[attr-defined]
    client.lens_refreshes = 0  # type: ignore[attr-defined]
    features = dict(DEFAULT_CLIENT_FEATURES)
    default_publish = features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]

    def publish(client: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
        client.published.append(params)  # type: ignore[attr-defined]
        default_publish(client, params)

    def register(client: LanguageClient, params: types.RegistrationParams) -> None:
        client.registrations.extend(params.registrations)  # type: ignore[attr-defined]

    def lens_refresh(client: LanguageClient, params: None) -> None:
        client.lens_refreshes += 1  # type: ignore[attr-defined]

    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = publish
    features[types.CLIENT_REGISTER_CAPABILITY] = register
    features[types.WORKSPACE_CODE_LENS_REFRESH] = lens_refresh
    register_lsp_features(client, features)
    return client


CONFIG = ClientServerConfig(server_command=SERVER, client_factory=make_client)


# -- positions as a client computes them --------------------------------------------


def split_lines(text: str) -> list[str]:
    """Lines with their endings, split as LSP does (not ``str.splitlines``)."""
    out, start = [], 0
    for m in LINE_END.finditer(text):
        out.append(text[start : m.end()])
        start = m.end()
    out.append(text[start:])
    return out


def units(char: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(char.encode("utf-8"))
    if encoding == "utf-16":
        return 2 if ord(char) > 0xFFFF else 1
    return 1


def to_offset(text: str, pos: types.Position, encoding: str) -> int:
    lines = split_lines(text)
    offset = sum(len(line) for line in lines[: pos.line])
    line = lines[pos.line].rstrip("\r\n") if pos.line < len(lines) else ""
    count = 0
    for index, char in enumerate(line):
        if count >= pos.character:
            return offset + index
        count += units(char, encoding)
    return offset + len(line)


def to_position(text: str, offset: int, encoding: str) -> types.Position:
    before = text[:offset]
    lines = split_lines(before)
    return types.Position(line=len(lines) - 1, character=sum(units(c, encoding) for c in lines[-1]))


def apply_edits(text: str, edits: list[types.TextEdit], encoding: str) -> str:
    spans = sorted(
        (
            (to_offset(text, e.range.start, encoding), to_offset(text, e.range.end, encoding), e)
            for e in edits
        ),
        key=lambda s: (s[0], s[1]),
        reverse=True,
    )
    for start, end, edit in spans:
        text = text[:start] + edit.new_text + text[end:]
    return text


# -- a session ------------------------------------------------------------------------


async def wait_for(predicate: Callable[[], Any], what: str, timeout: float = TIMEOUT) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


class Session:
    def __init__(self, client: LanguageClient, profile: str, root: Path) -> None:
        self.client = client
        self.profile = profile
        self.root = root
        self.texts: dict[str, str] = {}
        self.versions: dict[str, int] = {}
        self.result: types.InitializeResult | None = None
        self.pull = False

    # -- start -------------------------------------------------------------------------

    async def initialize(
        self,
        settings: dict[str, Any] | None = None,
        configuration: Any = None,
        tweak: Callable[[types.ClientCapabilities], None] | None = None,
    ) -> types.InitializeResult:
        if configuration is not None:
            self.client.set_configuration(configuration, section=NAME)
        caps = capabilities(self.profile)
        if tweak is not None:
            tweak(caps)
        self.pull = caps.text_document is not None and caps.text_document.diagnostic is not None
        self.result = await self.client.initialize_session(
            types.InitializeParams(
                capabilities=caps,
                root_uri=self.root.as_uri(),
                workspace_folders=[types.WorkspaceFolder(uri=self.root.as_uri(), name="project")],
                initialization_options=settings,
            )
        )
        return self.result

    @property
    def encoding(self) -> str:
        assert self.result is not None
        encoding = self.result.capabilities.position_encoding or "utf-16"
        return str(getattr(encoding, "value", encoding))

    @property
    def published(self) -> list[types.PublishDiagnosticsParams]:
        return self.client.published  # type: ignore[attr-defined]

    # -- files and documents -------------------------------------------------------------

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")
        return path

    def uri(self, relative: str) -> str:
        return (self.root / relative).as_uri()

    def open(self, relative: str, text: str | None = None, *, save: bool = True) -> str:
        """Open a document (and, by default, save the same text to disk first)."""
        if text is None:
            text = (self.root / relative).read_text(encoding="utf-8")
        elif save:
            self.write(relative, text)
        uri = self.uri(relative)
        self.texts[uri] = text
        self.versions[uri] = 1
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
            )
        )
        return uri

    def change(self, uri: str, text: str) -> int:
        """Replace the whole text (a full-document change)."""
        self.versions[uri] += 1
        self.texts[uri] = text
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(
                    uri=uri, version=self.versions[uri]
                ),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )
        return self.versions[uri]

    def replace(self, uri: str, old: str, new: str) -> int:
        """An incremental change: the first ``old`` becomes ``new``, in client units."""
        text = self.texts[uri]
        start = text.index(old)
        rng = types.Range(
            start=to_position(text, start, self.encoding),
            end=to_position(text, start + len(old), self.encoding),
        )
        self.versions[uri] += 1
        self.texts[uri] = text[:start] + new + text[start + len(old) :]
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(
                    uri=uri, version=self.versions[uri]
                ),
                content_changes=[types.TextDocumentContentChangePartial(range=rng, text=new)],
            )
        )
        return self.versions[uri]

    def save(self, uri: str) -> None:
        """Write the document's text to its file, and send ``didSave``, as an editor does."""
        path = Path(to_path(uri))
        path.write_text(self.texts[uri], encoding="utf-8", newline="")
        self.client.text_document_did_save(
            types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )

    def watched(self, *changes: tuple[str, types.FileChangeType]) -> None:
        """``workspace/didChangeWatchedFiles`` for workspace-relative paths."""
        self.client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                changes=[types.FileEvent(uri=self.uri(rel), type=kind) for rel, kind in changes]
            )
        )

    def close(self, uri: str) -> None:
        self.texts.pop(uri)
        self.versions.pop(uri)
        self.client.text_document_did_close(
            types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri=uri))
        )

    # -- diagnostics -----------------------------------------------------------------------

    def last_published(self, uri: str) -> types.PublishDiagnosticsParams | None:
        for params in reversed(self.published):
            if params.uri == uri:
                return params
        return None

    async def published_for(
        self, uri: str, predicate: Callable[[types.PublishDiagnosticsParams], bool], what: str
    ) -> list[types.Diagnostic]:
        def found() -> Any:
            last = self.last_published(uri)
            return last if last is not None and predicate(last) else None

        params = await wait_for(found, what)
        return list(params.diagnostics)

    async def nothing_for(self, uri: str) -> None:
        """Check that ``uri`` gets no diagnostics: an empty pull, or no publish at all."""
        if self.pull:
            assert await self.diagnostics(uri) == []
            return
        await asyncio.sleep(0.3)
        assert self.last_published(uri) is None

    async def diagnostics(self, uri: str) -> list[types.Diagnostic]:
        """The diagnostics of an open document at its current version (pushed or pulled)."""
        if self.pull:
            report = await asyncio.wait_for(
                self.client.text_document_diagnostic_async(
                    types.DocumentDiagnosticParams(
                        text_document=types.TextDocumentIdentifier(uri=uri), identifier=NAME
                    )
                ),
                TIMEOUT,
            )
            assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
            return list(report.items)
        version = self.versions[uri]
        return await self.published_for(
            uri, lambda p: p.version == version, f"diagnostics of {uri} v{version}"
        )

    # -- code actions -----------------------------------------------------------------------

    async def actions(
        self,
        uri: str,
        diagnostics: list[types.Diagnostic],
        only: list[str] | None = None,
        rng: types.Range | None = None,
    ) -> list[types.CodeAction]:
        if rng is None:
            rng = (
                diagnostics[0].range
                if diagnostics
                else types.Range(
                    start=types.Position(line=0, character=0),
                    end=types.Position(line=0, character=0),
                )
            )
        result = await self.client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=rng,
                context=types.CodeActionContext(diagnostics=diagnostics, only=only),
            )
        )
        return [a for a in result or [] if isinstance(a, types.CodeAction)]

    async def resolve(self, action: types.CodeAction) -> types.CodeAction:
        if action.edit is not None:
            return action
        return await self.client.code_action_resolve_async(action)

    def apply(self, edit: types.WorkspaceEdit) -> None:
        """Apply a WorkspaceEdit to the open documents and send them as didChange."""
        changes: dict[str, list[types.TextEdit]] = {}
        for change in edit.document_changes or []:
            assert isinstance(change, types.TextDocumentEdit)
            version = change.text_document.version
            uri = change.text_document.uri
            assert version == self.versions[uri], "edit for another version of the document"
            changes.setdefault(uri, []).extend(change.edits)  # type: ignore[arg-type]
        for uri, edits in (edit.changes or {}).items():
            changes.setdefault(uri, []).extend(edits)
        for uri, edits in changes.items():
            self.change(uri, apply_edits(self.texts[uri], edits, self.encoding))

    # -- code lenses, links, commands --------------------------------------------------------

    async def lenses(self, uri: str) -> list[types.CodeLens]:
        result = await asyncio.wait_for(
            self.client.text_document_code_lens_async(
                types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
            ),
            TIMEOUT,
        )
        return list(result or [])

    async def lens_titles(self, uri: str) -> list[str]:
        return [lens.command.title for lens in await self.lenses(uri) if lens.command]

    async def execute(self, command: types.Command) -> Any:
        return await asyncio.wait_for(
            self.client.workspace_execute_command_async(
                types.ExecuteCommandParams(command=command.command, arguments=command.arguments)
            ),
            TIMEOUT,
        )

    async def links(self, uri: str) -> list[types.DocumentLink]:
        result = await asyncio.wait_for(
            self.client.text_document_document_link_async(
                types.DocumentLinkParams(text_document=types.TextDocumentIdentifier(uri=uri))
            ),
            TIMEOUT,
        )
        return list(result or [])

    async def definition(self, uri: str, position: types.Position) -> Any:
        return await asyncio.wait_for(
            self.client.text_document_definition_async(
                types.DefinitionParams(
                    text_document=types.TextDocumentIdentifier(uri=uri), position=position
                )
            ),
            TIMEOUT,
        )

    def text_at(self, uri: str, rng: types.Range) -> str:
        text = self.texts[uri]
        start = to_offset(text, rng.start, self.encoding)
        return text[start : to_offset(text, rng.end, self.encoding)]

    def position_of(self, uri: str, needle: str, offset: int = 0) -> types.Position:
        text = self.texts[uri]
        return to_position(text, text.index(needle) + offset, self.encoding)

    async def shutdown(self) -> None:
        await self.client.shutdown_session()
        await self.client.stop()


@pytest_asyncio.fixture
async def start(tmp_path: Path):
    """``await start(profile, settings=..., configuration=..., files={...}, tweak=...)``.

    ``settings`` are the initializationOptions, ``configuration`` the client's answer to
    ``workspace/configuration``, ``files`` are written to the workspace folder before the
    server starts, ``tweak`` edits the profile's client capabilities, and ``env`` is
    added to the server's environment.
    """
    sessions: list[Session] = []

    async def start_session(
        profile: str = "vscode",
        *,
        settings: dict[str, Any] | None = None,
        configuration: Any = None,
        files: dict[str, str] | None = None,
        tweak: Callable[[types.ClientCapabilities], None] | None = None,
        env: dict[str, str] | None = None,
    ) -> Session:
        root = tmp_path / f"project{len(sessions)}"
        root.mkdir()
        config = CONFIG
        if env:
            config = ClientServerConfig(
                server_command=SERVER, client_factory=make_client, server_env={**os.environ, **env}
            )
        session = Session(await config.start(), profile, root)
        sessions.append(session)
        for relative, text in (files or {}).items():
            session.write(relative, dedent(text))
        await session.initialize(settings, configuration, tweak)
        return session

    yield start_session
    for session in sessions:
        try:
            await session.shutdown()
        except Exception:  # a test that killed its server
            await session.client.stop()


@pytest.fixture(params=PROFILES)
def profile(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest_asyncio.fixture
async def session(start, profile: str) -> Session:
    return await start(profile)


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


# -- migrations ------------------------------------------------------------------------

RUN_PYTHON = dedent(
    """
    from django.db import migrations


    def forwards(apps, schema_editor):
        pass


    class Migration(migrations.Migration):
        dependencies = [("shop", "0001_initial")]

        operations = [
            migrations.RunPython(forwards),
        ]
    """
)

RUN_SQL = dedent(
    """
    from django.db import migrations


    class Migration(migrations.Migration):
        dependencies = [("shop", "0001_initial")]

        operations = [
            migrations.RunSQL("UPDATE shop_order SET status = 'new'"),
        ]
    """
)

HOT_MODEL = dedent(
    """
    from django.db import migrations

    from shop.models import Order


    def backfill_status(apps, schema_editor):
        Order.objects.filter(status="").update(status="new")


    class Migration(migrations.Migration):
        dependencies = [("shop", "0002_order_status")]

        operations = [
            migrations.RunPython(backfill_status, migrations.RunPython.noop),
        ]
    """
)

CLEAN = dedent(
    """
    from django.db import migrations


    def forwards(apps, schema_editor):
        pass


    class Migration(migrations.Migration):
        dependencies = [("shop", "0001_initial")]

        operations = [
            migrations.RunPython(forwards, migrations.RunPython.noop),
        ]
    """
)
