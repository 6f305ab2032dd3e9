"""The language server: live diagnostics and quick fixes for Django migrations.

``django-migration-lsp`` with no arguments runs :func:`run`: a pygls 2 server on stdio
(``--tcp`` and ``--ws`` as in ``pygls.cli``). Every piece of state lives on the
:class:`MigrationLanguageServer`; handlers are functions of ``(ls, params)`` registered by
:func:`create_server`. Analysis is the core's :func:`~django_migration_lsp.checks.analyze`,
run on a worker thread; nothing of the user's project is imported or executed.

Diagnostics
    Open migrations are checked on open, and after each burst of changes (debounced per
    URI); a result is published only if the document is still at the version that was
    checked. A file that does not parse gets an empty list: no stale squiggles. Clients
    that can pull diagnostics (``textDocument.diagnostic``) pull them instead
    (``textDocument/diagnostic``, ``workspace/diagnostic``), with result ids so that
    unchanged files cost nothing. With ``workspaceDiagnostics``, every migration in the
    workspace folders is checked after ``initialized``, with ``$/progress``, and kept
    current through ``workspace/didChangeWatchedFiles``.

Caching
    One :class:`Checked` per open document, keyed by ``(version, generation)``; the
    generation changes with settings and ``pyproject.toml``. Code actions use it, never
    parse again when it is warm, and rebuild fixes from ``Diagnostic.data``.

Errors
    An exception in a handler or a background task is logged to the client
    (``window/logMessage``); the file gets no diagnostics and the server keeps serving.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import traceback
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.capabilities import get_capability
from pygls.cli import start_server
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method
from pygls.uris import from_fs_path

from .. import __version__
from ..checks import Analysis, analyze
from ..config import (
    SECTION,
    Config,
    ConfigError,
    find_pyproject,
    iter_migration_files,
    load_pyproject,
)
from . import actions
from .convert import DEFAULT_SEVERITY, UTF8, UTF16, Codec, diagnostic
from .documents import Document, uri_to_path
from .hover import noqa_hover
from .settings import Settings, effective_config, parse_settings, section

logger = logging.getLogger(__name__)

NAME = "django-migration-lsp"
#: Seconds of quiet after a change before an open document is checked again.
DEBOUNCE = 0.1
#: How long to wait for the client's first answer to workspace/configuration before
#: checking anything with the initializationOptions alone (seconds).
SETTINGS_TIMEOUT = 5.0
#: Send a progress report at most this often during a workspace scan (seconds).
PROGRESS_INTERVAL = 0.1
LOG_LEVELS = {
    "error": types.MessageType.Error,
    "warning": types.MessageType.Warning,
    "info": types.MessageType.Info,
    "debug": types.MessageType.Log,
}
WATCHERS = [
    types.FileSystemWatcher(glob_pattern="**/*.py"),
    types.FileSystemWatcher(glob_pattern="**/pyproject.toml"),
]


@dataclass(frozen=True)
class Checked:
    """The diagnostics of one file at one version (open) or one stat stamp (on disk)."""

    uri: str
    version: int | None
    generation: int
    result_id: str
    diagnostics: list[types.Diagnostic]
    #: Kept for open documents only: code actions and ``source.fixAll`` start from it.
    analysis: Analysis | None = None
    config: Config | None = None


def check(
    uri: str,
    path: Path,
    content: str | bytes,
    config: Config,
    codec: Codec,
    *,
    version: int | None,
    generation: int,
    result_id: str,
    related_information: bool,
    keep: bool,
) -> Checked:
    """Analyse one file and convert its findings. Pure; runs on a worker thread."""
    analysis = analyze(content, str(path), rules=config.rules_for(path))
    diagnostics: list[types.Diagnostic] = []
    # A file that cannot be decoded or parsed (often, while typing) gets nothing.
    if analysis.source is not None and not any(f.code is None for f in analysis.findings):
        diagnostics = [
            diagnostic(
                f,
                analysis.source,
                codec,
                uri,
                severity=config.severity.get(f.code or "", DEFAULT_SEVERITY),
                version=version,
                related_information=related_information,
            )
            for f in analysis.findings
        ]
    return Checked(
        uri,
        version,
        generation,
        result_id,
        diagnostics,
        analysis if keep else None,
        config if keep else None,
    )


def check_disk(
    uri: str, path: Path, config: Config, codec: Codec, generation: int, related: bool
) -> Checked | None:
    """:func:`check` on the file as saved; ``None`` if it is gone."""
    try:
        stat = path.stat()
        data = path.read_bytes()
    except OSError:
        return None
    result_id = f"{generation}:disk:{stat.st_mtime_ns}:{stat.st_size}"
    return check(
        uri,
        path,
        data,
        config,
        codec,
        version=None,
        generation=generation,
        result_id=result_id,
        related_information=related,
        keep=False,
    )


def _list_migrations(root: Path, config: Config) -> list[Path]:
    return list(iter_migration_files([root], config))


def _warm_up() -> None:
    """Import LibCST ahead of the first quick fix (it costs ~0.2 s the first time)."""
    from ..fixes import calls, imports  # noqa: F401


class MigrationProtocol(LanguageServerProtocol):
    """pygls's protocol, keeping :class:`Document`\\ s and preferring UTF-8 positions."""

    _server: MigrationLanguageServer

    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params: types.InitializeParams):
        general = params.capabilities.general
        if (
            general is not None
            and general.position_encodings
            and UTF8 in general.position_encodings
        ):
            # pygls takes the client's first supported encoding; our columns are code
            # points and UTF-8 is as cheap to produce as UTF-16, so take it when offered.
            general.position_encodings = [UTF8]
        return (yield from super().lsp_initialize(params))

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams):
        item = params.text_document
        self._server.documents[item.uri] = Document(
            item.uri, item.text, item.version, item.language_id
        )
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_OPEN)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams):
        doc = self._server.documents.get(params.text_document.uri)
        if doc is not None:
            doc.apply(params.content_changes, params.text_document.version, self._server.codec)
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams):
        self._server.documents.pop(params.text_document.uri, None)
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CLOSE)) is not None:
            yield handler, (params,), None


class MigrationLanguageServer(LanguageServer):
    """All of the server's state, and the operations on it."""

    def __init__(self, *, debounce: float = DEBOUNCE, max_workers: int = 2) -> None:
        super().__init__(
            NAME,
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=MigrationProtocol,
        )
        self.debounce = debounce
        self.codec = Codec(UTF16)
        self.documents: dict[str, Document] = {}
        #: Raw settings: from initializationOptions, and per scope (None: global; else a
        #: workspace folder URI) from workspace/configuration or didChangeConfiguration.
        self.initialization_options: dict[str, Any] = {}
        self.client_settings: dict[str | None, dict[str, Any]] = {}
        self.settings: dict[str | None, Settings] = {None: Settings()}
        self.log_level = types.MessageType.Info
        #: Bumped whenever settings or a pyproject.toml change: every result id changes.
        self.generation = 0
        self._pyprojects: dict[Path, Path | None] = {}
        self._projects: dict[Path, Config] = {}
        self._effective: dict[tuple[Path | None, str | None], Config] = {}
        self.checked: dict[str, Checked] = {}  # open documents
        self.disk: dict[str, Checked] = {}  # workspace files, as saved
        self._inflight: dict[tuple[str, int | None, int], asyncio.Future[Checked]] = {}
        self._pending: dict[str, asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self.pushed: set[str] = set()  # URIs whose last pushed list was not empty
        self.workspace_pulled = False
        self.scan_task: asyncio.Task[None] | None = None
        self._shown: set[str] = set()
        self._folders: list[tuple[str, Path]] | None = None
        #: Set once the client's settings are known (after ``initialized``): nothing is
        #: checked before, so that no diagnostic is computed with the wrong settings.
        self.ready = asyncio.Event()
        self.executor = ThreadPoolExecutor(max_workers, thread_name_prefix=NAME)

    # -- client capabilities ------------------------------------------------------

    def capability(self, path: str, default: Any = None) -> Any:
        return get_capability(self.client_capabilities, path, default)

    @property
    def pull(self) -> bool:
        """Does the client pull diagnostics (``textDocument/diagnostic``)?"""
        return self.capability("text_document.diagnostic") is not None

    @property
    def related_information(self) -> bool:
        return bool(
            self.capability("text_document.publish_diagnostics.related_information")
            or self.capability("text_document.diagnostic.related_information")
        )

    # -- logging ------------------------------------------------------------------

    def log(self, level: types.MessageType, message: str) -> None:
        if level <= self.log_level:
            self.window_log_message(types.LogMessageParams(type=level, message=message))

    def log_exception(self, what: str, exc: BaseException) -> None:
        detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        self.log(types.MessageType.Error, f"{what}: {exc}\n{detail}")

    def report_server_error(self, error: Exception, source: Any) -> None:
        """pygls calls this for any exception in a handler: log it, do not pop up."""
        name = getattr(source, "__name__", str(source))
        self.log_exception(f"internal error ({name})", error)

    def warn(self, message: str) -> None:
        """A ``window/showMessage`` warning, once per distinct message."""
        if message not in self._shown:
            self._shown.add(message)
            self.window_show_message(
                types.ShowMessageParams(
                    type=types.MessageType.Warning, message=f"{NAME}: {message}"
                )
            )
        self.log(types.MessageType.Warning, message)

    def spawn(self, coro: Any, what: str) -> asyncio.Task[Any]:
        """Run a background coroutine; its exception, if any, is logged, never raised."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)

        def done(t: asyncio.Task[Any]) -> None:
            self._tasks.discard(t)
            if not t.cancelled() and t.exception() is not None:
                self.log_exception(what, t.exception())  # type: ignore[arg-type]

        task.add_done_callback(done)
        return task

    async def in_worker(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, partial(fn, *args))

    # -- settings and configuration -----------------------------------------------

    def folders(self) -> list[tuple[str, Path]]:
        """Workspace folders as (URI, path); the root URI when the client sent no folders."""
        if self._folders is None:
            self._folders = []
            for uri in list(self.workspace.folders) or [self.workspace.root_uri]:
                if uri and (path := uri_to_path(uri)) is not None:
                    self._folders.append((uri, path))
        return self._folders

    def folder_of(self, path: Path) -> tuple[str, Path] | None:
        best = None
        text = os.path.join(os.path.abspath(path), "")
        for uri, folder in self.folders():
            prefix = os.path.join(os.path.abspath(folder), "")
            if text.startswith(prefix) and (best is None or len(prefix) > len(str(best[1]))):
                best = (uri, folder)
        return best

    def settings_for(self, path: Path | None) -> Settings:
        folder = self.folder_of(path) if path is not None else None
        if folder is not None and folder[0] in self.settings:
            return self.settings[folder[0]]
        return self.settings[None]

    def project_config(self, directory: Path) -> Config:
        """``[tool.django-migration-lsp]`` for files in ``directory`` (cached per folder)."""
        if directory not in self._pyprojects:
            self._pyprojects[directory] = find_pyproject(directory)
        pyproject = self._pyprojects[directory]
        if pyproject is None:
            folder = self.folder_of(directory)
            # Globs are relative to the workspace folder; outside one, to nothing, so
            # that "migrations" is still found among the path's folders.
            return Config(root=folder[1] if folder else None)
        if pyproject not in self._projects:
            try:
                self._projects[pyproject] = load_pyproject(pyproject)
            except ConfigError as exc:
                self.warn(f"{exc}; using the default settings")
                self._projects[pyproject] = Config(root=pyproject.parent, path=pyproject)
        return self._projects[pyproject]

    def config_for(self, path: Path) -> Config | None:
        """The configuration that applies to ``path`` if it is a migration we check."""
        settings = self.settings_for(path)
        if not settings.enable:
            return None
        project = self.project_config(path.parent)
        folder = self.folder_of(path)
        key = (project.path or project.root, folder[0] if folder else None)
        config = self._effective.get(key)
        if config is None:
            config = self._effective[key] = effective_config(project, settings)
        return config if config.is_migration(path) else None

    def apply_settings(self) -> bool:
        """Recompute typed settings from the raw ones; ``True`` if anything changed."""
        base = {**self.initialization_options, **self.client_settings.get(None, {})}
        new: dict[str | None, Settings] = {}
        for scope in [None, *(uri for uri, _ in self.folders())]:
            raw = base if scope is None else {**base, **self.client_settings.get(scope, {})}
            settings, problems = parse_settings(raw)
            for problem in problems:
                self.warn(f"invalid setting {problem}")
            new[scope] = settings
        self.log_level = LOG_LEVELS.get(new[None].log_level, types.MessageType.Info)
        changed = new != self.settings
        self.settings = new
        if changed:
            self.invalidate()
        return changed

    async def pull_settings(self) -> None:
        """Ask for our section, globally and per workspace folder (``workspace/configuration``)."""
        if not self.capability("workspace.configuration", False):
            return
        scopes: list[str | None] = [None, *(uri for uri, _ in self.folders())]
        params = types.ConfigurationParams(
            items=[types.ConfigurationItem(scope_uri=s, section=SECTION) for s in scopes]
        )
        try:
            answers = await self.workspace_configuration_async(params)
        except Exception as exc:  # a client that cannot answer still gets a server
            self.log(types.MessageType.Warning, f"workspace/configuration failed: {exc}")
            return
        for scope, answer in zip(scopes, answers or [], strict=False):
            if answer is not None:
                self.client_settings[scope] = section(answer) if isinstance(answer, dict) else {}

    def invalidate(self, *, projects: bool = False) -> None:
        """Forget everything computed from settings (and pyproject.toml files)."""
        self.generation += 1
        self._effective.clear()
        self.checked.clear()
        if projects:
            self._pyprojects.clear()
            self._projects.clear()

    def refresh_all(self, *, projects: bool = False) -> None:
        """Check everything again after a change of settings or of a pyproject.toml."""
        if projects:
            self.invalidate(projects=True)
        for uri, doc in self.documents.items():
            if self.pull:
                if uri in self.pushed:
                    self.publish(uri, [])
            elif doc.path is not None and self.config_for(doc.path) is not None:
                self.schedule(doc, 0)
            elif uri in self.pushed:
                self.publish(uri, [])
        self.start_scan()
        self.request_refresh()

    def request_refresh(self) -> None:
        """Ask a pulling client to pull again (``workspace/diagnostic/refresh``)."""
        if self.pull and self.capability("workspace.diagnostics.refresh_support", False):
            self.spawn(self.workspace_diagnostic_refresh_async(None), "diagnostic refresh")

    # -- checking -----------------------------------------------------------------

    async def check_document(self, doc: Document) -> Checked | None:
        """Diagnostics for ``doc`` at its current version: cached, or computed once."""
        if doc.path is None:
            return None
        await self.ready.wait()
        config = self.config_for(doc.path)
        if config is None:
            return None
        generation, version = self.generation, doc.version
        cached = self.checked.get(doc.uri)
        if cached is not None and (cached.version, cached.generation) == (version, generation):
            return cached
        key = (doc.uri, version, generation)
        future = self._inflight.get(key)
        if future is None:
            future = asyncio.ensure_future(
                self.in_worker(
                    partial(
                        check,
                        doc.uri,
                        doc.path,
                        doc.text,
                        config,
                        self.codec,
                        version=version,
                        generation=generation,
                        result_id=f"{generation}:{version}",
                        related_information=self.related_information,
                        keep=True,
                    )
                )
            )
            self._inflight[key] = future
            future.add_done_callback(lambda _: self._inflight.pop(key, None))
        result: Checked = await asyncio.shield(future)
        if (
            self.documents.get(doc.uri) is doc
            and doc.version == version
            and self.generation == generation
        ):
            self.checked[doc.uri] = result
        return result

    def schedule(self, doc: Document, delay: float) -> None:
        """Check ``doc`` after ``delay`` seconds of quiet and push the result (push mode)."""
        old = self._pending.pop(doc.uri, None)
        if old is not None:
            old.cancel()
        task = self.spawn(self._publish_document(doc.uri, delay), f"checking {doc.uri}")
        self._pending[doc.uri] = task
        task.add_done_callback(
            lambda t: self._pending.pop(doc.uri, None) if self._pending.get(doc.uri) is t else None
        )

    async def _publish_document(self, uri: str, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        doc = self.documents.get(uri)
        if doc is None:
            return
        checked = await self.check_document(doc)
        if checked is None:
            return
        current = self.documents.get(uri)
        if (
            current is not doc
            or doc.version != checked.version
            or checked.generation != self.generation
        ):
            return  # a newer version is on its way; never publish an old one
        self.publish(uri, checked.diagnostics, checked.version)

    def publish(
        self, uri: str, diagnostics: list[types.Diagnostic], version: int | None = None
    ) -> None:
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version)
        )
        if diagnostics:
            self.pushed.add(uri)
        else:
            self.pushed.discard(uri)

    def deliver_disk(self, uri: str, checked: Checked | None) -> None:
        """Push a saved file's diagnostics, unless the client gets them another way."""
        if uri in self.documents:
            return  # open: the buffer's diagnostics win
        if self.pull and self.workspace_pulled:
            return  # the client pulls workspace diagnostics
        diagnostics = checked.diagnostics if checked is not None else []
        if diagnostics or uri in self.pushed:
            self.publish(uri, diagnostics)

    async def check_saved(self, uri: str, path: Path) -> Checked | None:
        """Check the file as saved and remember it among the workspace's files."""
        settings = self.settings_for(path)
        config = self.config_for(path)
        if config is None or not settings.workspace_diagnostics:
            self.disk.pop(uri, None)
            return None
        checked = await self.in_worker(
            check_disk, uri, path, config, self.codec, self.generation, self.related_information
        )
        if checked is None:
            self.disk.pop(uri, None)
        else:
            self.disk[uri] = checked
        return checked

    # -- workspace scan -----------------------------------------------------------

    def start_scan(self) -> None:
        if self.scan_task is not None and not self.scan_task.done():
            self.scan_task.cancel()
        self.scan_task = self.spawn(self._scan(), "workspace scan")

    async def scan_finished(self) -> None:
        """Wait for the workspace scan in progress, if any (and for any that replaces it)."""
        while (task := self.scan_task) is not None and not task.done():
            await asyncio.wait({task})

    async def _scan(self) -> None:
        roots = [
            path
            for _, path in self.folders()
            if self.settings_for(path).enable and self.settings_for(path).workspace_diagnostics
        ]
        seen: set[str] = set()
        progress = await self._progress_begin("Checking migrations") if roots else None
        done = findings = 0
        try:
            files: list[Path] = []
            for root in roots:
                walk_config = effective_config(self.project_config(root), self.settings_for(root))
                found = await self.in_worker(_list_migrations, root, walk_config)
                files.extend(found)
            last = asyncio.get_running_loop().time()
            for path in files:
                if progress is not None and self.work_done_progress.tokens[progress].cancelled():
                    self.log(types.MessageType.Info, "workspace scan cancelled by the client")
                    return
                uri = from_fs_path(str(path)) or path.as_uri()
                if uri in seen:
                    continue
                seen.add(uri)
                checked = await self.check_saved(uri, path)
                done += 1
                if checked is not None:
                    findings += len(checked.diagnostics)
                    self.deliver_disk(uri, checked)
                now = asyncio.get_running_loop().time()
                if progress is not None and now - last >= PROGRESS_INTERVAL:
                    last = now
                    self.work_done_progress.report(
                        progress,
                        types.WorkDoneProgressReport(
                            message=f"{done}/{len(files)} files",
                            percentage=int(100 * done / max(len(files), 1)),
                        ),
                    )
            for uri in [u for u in self.disk if u not in seen]:
                del self.disk[uri]
                self.deliver_disk(uri, None)
            for uri in [u for u in self.pushed if u not in seen and u not in self.documents]:
                self.publish(uri, [])
            self.log(
                types.MessageType.Info,
                f"checked {done} migration files in {len(roots)} folder(s): {findings} finding(s)",
            )
        finally:
            if progress is not None:
                self.work_done_progress.end(
                    progress,
                    types.WorkDoneProgressEnd(message=f"{done} files, {findings} findings"),
                )
        self.spawn(self.in_worker(_warm_up), "warming up LibCST")

    async def _progress_begin(self, title: str) -> str | None:
        if not self.capability("window.work_done_progress", False):
            return None
        token = f"{NAME}/{uuid.uuid4()}"
        try:
            await self.work_done_progress.create_async(token)
        except Exception as exc:
            self.log(types.MessageType.Warning, f"window/workDoneProgress/create failed: {exc}")
            return None
        self.work_done_progress.begin(
            token, types.WorkDoneProgressBegin(title=title, cancellable=True, percentage=0)
        )
        return token

    # -- registration -------------------------------------------------------------

    async def register_dynamic(self) -> None:
        registrations = []
        if self.capability("workspace.did_change_watched_files.dynamic_registration", False):
            registrations.append(
                types.Registration(
                    id=f"{NAME}/watched-files",
                    method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                    register_options=types.DidChangeWatchedFilesRegistrationOptions(
                        watchers=WATCHERS
                    ),
                )
            )
        if self.capability("workspace.did_change_configuration.dynamic_registration", False):
            registrations.append(
                types.Registration(
                    id=f"{NAME}/configuration",
                    method=types.WORKSPACE_DID_CHANGE_CONFIGURATION,
                    register_options=types.DidChangeConfigurationRegistrationOptions(
                        section=SECTION
                    ),
                )
            )
        if not registrations:
            return
        try:
            await self.client_register_capability_async(
                types.RegistrationParams(registrations=registrations)
            )
        except Exception as exc:
            self.log(types.MessageType.Warning, f"client/registerCapability failed: {exc}")

    def shutdown_workers(self) -> None:
        for task in [*self._tasks]:
            task.cancel()
        self.executor.shutdown(wait=False, cancel_futures=True)


# -- handlers --------------------------------------------------------------------


def initialize(ls: MigrationLanguageServer, params: types.InitializeParams) -> None:
    encoding = ls.workspace.position_encoding or UTF16
    ls.codec = Codec(getattr(encoding, "value", encoding))
    ls.initialization_options = section(params.initialization_options)
    ls.apply_settings()


async def initialized(ls: MigrationLanguageServer, params: types.InitializedParams) -> None:
    try:
        await asyncio.wait_for(ls.pull_settings(), SETTINGS_TIMEOUT)
    except asyncio.TimeoutError:
        ls.log(types.MessageType.Warning, "no answer to workspace/configuration; going on")
    ls.apply_settings()
    ls.ready.set()
    ls.log(
        types.MessageType.Info,
        f"{NAME} {__version__}: positions in {ls.codec.encoding}, "
        f"{'pull' if ls.pull else 'push'} diagnostics",
    )
    await ls.register_dynamic()
    ls.start_scan()


def shutdown(ls: MigrationLanguageServer, params: None) -> None:
    ls.shutdown_workers()


def did_open(ls: MigrationLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    uri = params.text_document.uri
    if ls.pull:
        if uri in ls.pushed:  # pushed by the workspace scan; the client pulls from now on
            ls.publish(uri, [])
        return
    doc = ls.documents[uri]
    if doc.path is not None and ls.config_for(doc.path) is not None:
        ls.schedule(doc, 0)


def did_change(ls: MigrationLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    doc = ls.documents.get(params.text_document.uri)
    if doc is None or ls.pull or doc.path is None or ls.config_for(doc.path) is None:
        return
    ls.schedule(doc, ls.debounce)


async def did_close(ls: MigrationLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    pending = ls._pending.pop(uri, None)
    if pending is not None:
        pending.cancel()
    ls.checked.pop(uri, None)
    path = uri_to_path(uri)
    if path is None or ls.config_for(path) is None:
        if uri in ls.pushed:
            ls.publish(uri, [])
        return  # not a migration: nothing was published
    checked = await ls.check_saved(uri, path)  # None unless workspaceDiagnostics
    if uri in ls.documents:
        return  # opened again meanwhile
    if checked is None:
        if not ls.pull or uri in ls.pushed:
            ls.publish(uri, [])  # cleared on close
    else:
        ls.deliver_disk(uri, checked)
        ls.request_refresh()


async def did_change_configuration(
    ls: MigrationLanguageServer, params: types.DidChangeConfigurationParams
) -> None:
    pushed = section(params.settings)
    if pushed:
        ls.client_settings[None] = {**ls.client_settings.get(None, {}), **pushed}
    await ls.pull_settings()
    if ls.apply_settings():
        ls.log(types.MessageType.Info, "settings changed: checking again")
        ls.refresh_all()


async def did_change_watched_files(
    ls: MigrationLanguageServer, params: types.DidChangeWatchedFilesParams
) -> None:
    if any(change.uri.endswith("/pyproject.toml") for change in params.changes):
        ls.log(types.MessageType.Info, "pyproject.toml changed: reading the configuration again")
        ls.refresh_all(projects=True)
        return
    changed = False
    for change in params.changes:
        path = uri_to_path(change.uri)
        if path is None or path.suffix != ".py":
            continue
        if change.type == types.FileChangeType.Deleted:
            if ls.disk.pop(change.uri, None) is not None:
                ls.deliver_disk(change.uri, None)
                changed = True
            continue
        if ls.config_for(path) is None:
            continue
        checked = await ls.check_saved(change.uri, path)
        ls.deliver_disk(change.uri, checked)
        changed = True
    if changed:
        ls.request_refresh()


async def did_change_workspace_folders(
    ls: MigrationLanguageServer, params: types.DidChangeWorkspaceFoldersParams
) -> None:
    ls._folders = None
    await ls.pull_settings()
    ls.apply_settings()
    ls.refresh_all()


async def document_diagnostic(
    ls: MigrationLanguageServer, params: types.DocumentDiagnosticParams
) -> types.DocumentDiagnosticReport:
    uri = params.text_document.uri
    doc = ls.documents.get(uri)
    checked: Checked | None = None
    try:
        if doc is not None:
            checked = await ls.check_document(doc)
        elif (path := uri_to_path(uri)) is not None:
            checked = ls.disk.get(uri) or await ls.check_saved(uri, path)
    except Exception as exc:
        ls.log_exception(f"checking {uri}", exc)
    if checked is None:
        return types.RelatedFullDocumentDiagnosticReport(items=[], result_id=f"{ls.generation}:-")
    if params.previous_result_id == checked.result_id:
        return types.RelatedUnchangedDocumentDiagnosticReport(result_id=checked.result_id)
    return types.RelatedFullDocumentDiagnosticReport(
        items=checked.diagnostics, result_id=checked.result_id
    )


async def workspace_diagnostic(
    ls: MigrationLanguageServer, params: types.WorkspaceDiagnosticParams
) -> types.WorkspaceDiagnosticReport:
    if not ls.workspace_pulled:
        ls.workspace_pulled = True
        for uri in [u for u in ls.pushed if u not in ls.documents]:
            ls.publish(uri, [])  # pushed before the client started pulling
    await ls.scan_finished()
    previous = {p.uri: p.value for p in params.previous_result_ids}
    items: list[types.WorkspaceDocumentDiagnosticReport] = []
    for uri, checked in ls.disk.items():
        if uri in ls.documents:
            continue
        if previous.get(uri) == checked.result_id:
            items.append(
                types.WorkspaceUnchangedDocumentDiagnosticReport(
                    uri=uri, result_id=checked.result_id, version=None
                )
            )
        else:
            items.append(
                types.WorkspaceFullDocumentDiagnosticReport(
                    uri=uri, items=checked.diagnostics, result_id=checked.result_id, version=None
                )
            )
    for uri in previous:  # reported before, gone now (deleted, excluded, disabled)
        if uri not in ls.disk and uri not in ls.documents:
            items.append(
                types.WorkspaceFullDocumentDiagnosticReport(uri=uri, items=[], version=None)
            )
    return types.WorkspaceDiagnosticReport(items=items)


async def code_action(
    ls: MigrationLanguageServer, params: types.CodeActionParams
) -> list[types.CodeAction] | None:
    doc = ls.documents.get(params.text_document.uri)
    if doc is None:
        return None
    checked = await ls.check_document(doc)
    if checked is None or checked.analysis is None or checked.analysis.source is None:
        return None
    target = actions.Target(
        doc.uri,
        checked.version,
        checked.analysis.source,
        ls.codec,
        bool(ls.capability("workspace.workspace_edit.document_changes", False)),
    )
    only = params.context.only
    result: list[types.CodeAction] = []
    if actions.wanted(actions.QUICK_FIX, only):
        for diag in params.context.diagnostics:
            found = actions.from_diagnostic(diag)
            if found is None or found.version != checked.version:
                continue  # not ours, or from an older version of the text
            result.extend(actions.quick_fixes(target, diag, found))
    if actions.wanted(actions.FIX_ALL_OURS, only):
        config = checked.config or Config()
        if any(actions.fixable(f, config.unsafe_fixes) for f in checked.analysis.findings):
            action = types.CodeAction(
                title=actions.FIX_ALL_TITLE,
                kind=actions.FIX_ALL_OURS,
                data={"uri": doc.uri, "version": checked.version},
            )
            if "edit" in (
                ls.capability("text_document.code_action.resolve_support.properties") or []
            ):
                result.append(action)  # the edit is computed when the client resolves it
            elif (resolved := await resolve_fix_all(ls, action, checked, target)) is not None:
                result.append(resolved)
    return result


async def resolve_fix_all(
    ls: MigrationLanguageServer,
    action: types.CodeAction,
    checked: Checked,
    target: actions.Target,
) -> types.CodeAction | None:
    assert checked.analysis is not None and checked.analysis.source is not None
    config = checked.config or Config()
    path = uri_to_path(target.uri)
    rules = config.rules_for(path)
    text, applied = await ls.in_worker(
        partial(actions.fix_all, checked.analysis, rules, unsafe=config.unsafe_fixes)
    )
    if not applied:
        return None
    ls.log(types.MessageType.Log, f"fix all in {target.uri}: {', '.join(applied)}")
    action.edit = target.edit(actions.diff_edits(checked.analysis.source, text))
    return action


async def code_action_resolve(
    ls: MigrationLanguageServer, action: types.CodeAction
) -> types.CodeAction:
    data = action.data if isinstance(action.data, dict) else {}
    doc = ls.documents.get(data.get("uri", ""))
    if doc is None or action.kind != actions.FIX_ALL_OURS:
        return action
    checked = await ls.check_document(doc)
    if checked is None or checked.analysis is None or checked.analysis.source is None:
        return action
    target = actions.Target(
        doc.uri,
        checked.version,
        checked.analysis.source,
        ls.codec,
        bool(ls.capability("workspace.workspace_edit.document_changes", False)),
    )
    resolved = await resolve_fix_all(ls, action, checked, target)
    if resolved is None:
        action.edit = types.WorkspaceEdit(changes={doc.uri: []})
        return action
    return resolved


def hover(ls: MigrationLanguageServer, params: types.HoverParams) -> types.Hover | None:
    doc = ls.documents.get(params.text_document.uri)
    if doc is None or doc.path is None or ls.config_for(doc.path) is None:
        return None
    source = doc.source
    return noqa_hover(source, ls.codec.core_position(source, params.position), ls.codec)


def create_server(*, debounce: float = DEBOUNCE) -> MigrationLanguageServer:
    ls = MigrationLanguageServer(debounce=debounce)
    features: Iterable[tuple[str, Any, Callable[..., Any]]] = [
        (types.INITIALIZE, None, initialize),
        (types.INITIALIZED, None, initialized),
        (types.SHUTDOWN, None, shutdown),
        (types.TEXT_DOCUMENT_DID_OPEN, None, did_open),
        (types.TEXT_DOCUMENT_DID_CHANGE, None, did_change),
        (types.TEXT_DOCUMENT_DID_CLOSE, None, did_close),
        (types.WORKSPACE_DID_CHANGE_CONFIGURATION, None, did_change_configuration),
        (types.WORKSPACE_DID_CHANGE_WATCHED_FILES, None, did_change_watched_files),
        (types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS, None, did_change_workspace_folders),
        (
            types.TEXT_DOCUMENT_DIAGNOSTIC,
            types.DiagnosticOptions(
                identifier=NAME, inter_file_dependencies=False, workspace_diagnostics=True
            ),
            document_diagnostic,
        ),
        (types.WORKSPACE_DIAGNOSTIC, None, workspace_diagnostic),
        (
            types.TEXT_DOCUMENT_CODE_ACTION,
            types.CodeActionOptions(code_action_kinds=actions.KINDS, resolve_provider=True),
            code_action,
        ),
        (types.CODE_ACTION_RESOLVE, None, code_action_resolve),
        (types.TEXT_DOCUMENT_HOVER, None, hover),
    ]
    for method, options, handler in features:
        ls.feature(method, options)(handler)
    return ls


def run(argv: list[str]) -> None:
    """Start the server: stdio by default; ``--tcp``/``--ws`` ``[--host H] [--port P]``."""
    # stdout carries the protocol: pygls's own logging goes to stderr.
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="%(name)s: %(message)s")
    start_server(create_server(), argv)
