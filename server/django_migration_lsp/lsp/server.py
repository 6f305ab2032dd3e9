"""The language server: live diagnostics and quick fixes for Django migrations.

``django-migration-lsp`` with no arguments runs :func:`run`: a pygls 2 server on stdio
(``--tcp`` and ``--ws`` as in ``pygls.cli``). All state lives on the
:class:`MigrationLanguageServer`; the handlers in :mod:`.handlers` are functions of
``(ls, params)``. Analysis is the core's ``analyze()`` on a worker thread
(:mod:`.checking`); nothing of the user's project is imported or executed.

Diagnostics
    Open migrations are checked on open, at once after a change that follows a quiet
    period (``debounce`` seconds without changes), and otherwise when a burst of changes
    ends (``debounce`` after its last change); a result is published only if the
    document is still at the version that was checked. A file that does not parse gets
    an empty list. Clients that pull diagnostics (``textDocument.diagnostic``) get them
    by ``textDocument/diagnostic`` and
    ``workspace/diagnostic`` instead, with result ids, so unchanged files cost nothing.
    With ``workspaceDiagnostics``, every migration in the workspace folders is checked
    after ``initialized`` (with ``$/progress``) and kept current through
    ``workspace/didChangeWatchedFiles``.

Caching
    One :class:`~.checking.Checked` per open document, valid for one ``(version,
    generation)``; the generation changes with the settings and ``pyproject.toml``.
    Code actions use it, and never parse again while it is warm.

The project
    :attr:`MigrationLanguageServer.projects` holds each project's migration graph
    (:mod:`.project`), built the first time a document needs it and kept for the session.
    A check that used it is also valid for one revision of it: after a save or a change
    on disk (:meth:`MigrationLanguageServer.project_changed`) the files whose answers may
    change are checked again and the client is asked to refresh its code lenses.
    Code lenses (:mod:`.lens`) and document links (:mod:`.links`) are answered from it.

Errors
    An exception in a handler or a background task is logged to the client
    (``window/logMessage``); that file gets no diagnostics and the server keeps serving.
    A request whose params do not validate gets an error response; a frame above
    :data:`~.protocol.MAX_FRAME` is rejected; when the client closes stdin the process
    ends at once, checks running or not (see :mod:`.protocol`).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.capabilities import get_capability
from pygls.cli import start_server
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path

from .. import __version__
from ..config import SECTION, Config, ConfigError, find_pyproject, load_pyproject
from . import checking
from .checking import Checked
from .convert import SOURCE, UTF16, Codec
from .documents import Document, key_of, uri_to_path
from .handlers import register
from .project import Projects, View
from .protocol import MigrationProtocol, serve_stdio
from .settings import Settings, effective_config, parse_settings, section

NAME = SOURCE
#: Young-generation allocation threshold for the collector (Python's default: 700).
GC_THRESHOLD = 20_000
#: Seconds without changes that make a quiet period: a change after one is checked at
#: once; changes closer together are a burst, checked this long after its last change.
DEBOUNCE = 0.1
#: An environment variable that sets another ``DEBOUNCE`` (seconds), for the tests and
#: benchmarks that need the quiet period long or short; not a user setting.
DEBOUNCE_ENV = "DJANGO_MIGRATION_LSP_DEBOUNCE"
#: How often to look at pyproject.toml files when the client cannot watch them (seconds).
PYPROJECT_POLL = 2.0
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


class MigrationLanguageServer(LanguageServer):
    """The server's state, and the operations on it. Documents, results and published
    diagnostics are keyed by :func:`~.documents.key_of` (the file's path)."""

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
        #: Raw editor settings: initializationOptions, and per scope (None: global, else a
        #: workspace folder URI) from workspace/configuration or didChangeConfiguration.
        self.initialization_options: dict[str, Any] = {}
        self.client_settings: dict[str | None, dict[str, Any]] = {}
        self.settings: dict[str | None, Settings] = {None: Settings()}
        self.log_level = types.MessageType.Info
        #: Bumped whenever the settings or a pyproject.toml change: every result id changes.
        self.generation = 0
        #: Set once the client's settings are known (after ``initialized``). Nothing is
        #: checked before, so that no diagnostic is computed with the wrong settings.
        self.ready = asyncio.Event()
        self.checked: dict[str, Checked] = {}  # open documents
        self.saved: dict[str, Checked] = {}  # workspace migrations, as saved
        self.pushed: dict[str, str] = {}  # key -> URI, where the last push was not empty
        self.workspace_pulled = False
        self.scan_task: asyncio.Task[None] | None = None
        self.executor = ThreadPoolExecutor(max_workers, thread_name_prefix=NAME)
        self._folders: list[tuple[str, Path]] | None = None
        self._pyprojects: dict[Path, Path | None] = {}
        self._projects: dict[Path, Config] = {}
        self._effective: dict[tuple[Path | None, str | None], Config] = {}
        self._inflight: dict[tuple[Any, ...], asyncio.Future[Checked]] = {}
        self._pending: dict[str, asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._shown: set[str] = set()
        self._seen_pyprojects: set[Path] = set()
        #: The project views (the migration graph of each project root).
        self.projects = Projects(self.log, self.project_changed, self.folder_of)
        #: Code lenses per open document: ((version, generation, revision), lenses).
        self.lenses: dict[str, tuple[tuple[Any, ...], list[types.CodeLens]]] = {}
        #: The process's exit status once :meth:`start_io` returns (``None`` before).
        self.exit_code: int | None = None

    def document(self, uri: str) -> Document | None:
        return self.documents.get(key_of(uri))

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

    @property
    def document_changes(self) -> bool:
        return bool(self.capability("workspace.workspace_edit.document_changes", False))

    # -- logging and background work ------------------------------------------------

    def log(self, level: types.MessageType, message: str) -> None:
        if level <= self.log_level:
            self.window_log_message(types.LogMessageParams(type=level, message=message))

    def log_exception(self, what: str, exc: BaseException) -> None:
        detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        self.log(types.MessageType.Error, f"{what}: {exc}\n{detail}")

    def report_server_error(self, error: Exception, source: Any) -> None:
        """pygls calls this for an exception in any handler: log it, do not pop up."""
        self.log_exception(f"internal error ({getattr(source, '__name__', source)})", error)

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

    def spawn(self, coro: Coroutine[Any, Any, Any], what: str) -> asyncio.Task[Any]:
        """Run a coroutine in the background; an exception is logged, never raised."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)

        def done(t: asyncio.Task[Any]) -> None:
            self._tasks.discard(t)
            if not t.cancelled() and (exc := t.exception()) is not None:
                self.log_exception(what, exc)

        task.add_done_callback(done)
        return task

    async def in_worker(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, partial(fn, *args, **kwargs))

    def shutdown_workers(self) -> None:
        for task in [*self._tasks]:
            try:
                task.cancel()
            except RuntimeError:  # its loop is closed (stdio: after ``asyncio.run``)
                pass
        self._tasks.clear()
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.projects.close()

    # -- transport ------------------------------------------------------------------

    def start_io(self, stdin: Any = None, stdout: Any = None) -> None:
        """Serve on stdio (:func:`~.protocol.serve_stdio`) until the client exits or
        goes away; then :attr:`exit_code` is 0 if ``shutdown`` came first, else 1."""
        code: Any = None
        try:
            asyncio.run(
                serve_stdio(self.protocol, stdin or sys.stdin.buffer, stdout or sys.stdout.buffer)
            )
        except SystemExit as exc:  # the ``exit`` notification
            code = exc.code
        except KeyboardInterrupt:
            pass
        finally:
            try:
                self.shutdown_workers()
                self.shutdown()
            except Exception:  # logged: the exit status below must still be set
                logging.getLogger(__name__).exception("while shutting down")
        if code is None:
            code = 0 if self.protocol._shutdown else 1
        self.exit_code = code if isinstance(code, int) else 1

    # -- settings and configuration -----------------------------------------------

    def folders(self) -> list[tuple[str, Path]]:
        """Workspace folders as (URI, path); the root URI when the client sent no folders."""
        if self._folders is None:
            uris = [f.uri for f in self.workspace.folders.values()] or [self.workspace.root_uri]
            self._folders = [(u, p) for u in uris if u and (p := uri_to_path(u)) is not None]
        return self._folders

    def forget_folders(self) -> None:
        """The client added or removed workspace folders."""
        self._folders = None

    def folder_of(self, path: Path) -> tuple[str, Path] | None:
        """The innermost workspace folder holding ``path``."""
        best, best_length = None, -1
        text = os.path.join(os.path.abspath(path), "")
        for uri, folder in self.folders():
            prefix = os.path.join(os.path.abspath(folder), "")
            if text.startswith(prefix) and len(prefix) > best_length:
                best, best_length = (uri, folder), len(prefix)
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
            # Globs are relative to the workspace folder; outside any, to nothing, and
            # "migrations" is still found among the path's folders.
            return Config(root=folder[1] if folder else None)
        if pyproject not in self._projects:
            self._seen_pyprojects.add(pyproject)
            try:
                self._projects[pyproject] = load_pyproject(pyproject)
            except ConfigError as exc:
                self.warn(f"{exc}; using the default settings")
                self._projects[pyproject] = Config(root=pyproject.parent, path=pyproject)
        return self._projects[pyproject]

    def config_for(self, path: Path) -> Config | None:
        """The configuration for ``path`` if it is a migration we check, else ``None``."""
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
        """Typed settings from the raw ones; ``True`` (and a new generation) if they changed."""
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
            if answer is not None:  # Neovim answers null for a section it does not have
                self.client_settings[scope] = section(answer) if isinstance(answer, dict) else {}

    def invalidate(self, *, projects: bool = False) -> None:
        """Forget what was computed from the settings (and the pyproject.toml files)."""
        self.generation += 1
        self._effective.clear()
        self.checked.clear()
        if projects:
            self._pyprojects.clear()
            self._projects.clear()

    def refresh_all(self) -> None:
        """Check everything again, after a change of settings or of a pyproject.toml."""
        for key, doc in self.documents.items():
            if not self.pull and doc.path is not None and self.config_for(doc.path) is not None:
                self.schedule(doc, 0)
            else:
                self.clear(key)
        self.start_scan()
        self.request_refresh()

    def reload_projects(self) -> None:
        """A pyproject.toml changed: read the configuration again, check everything."""
        self.log(types.MessageType.Info, "pyproject.toml changed: reading the configuration again")
        self.invalidate(projects=True)
        self.projects.forget()  # discovery may find other files: read the graphs again
        self.refresh_all()
        self.refresh_lenses()

    async def poll_pyprojects(self, interval: float = PYPROJECT_POLL) -> None:
        """For clients that cannot watch files: notice edits of the pyproject.toml files
        in use and at the workspace folders' roots (a few ``stat`` calls per interval)."""

        def stamps() -> dict[Path, tuple[int, int] | None]:
            paths = {*self._seen_pyprojects, *(f / "pyproject.toml" for _, f in self.folders())}
            out: dict[Path, tuple[int, int] | None] = {}
            for path in paths:
                try:
                    stat = path.stat()
                    out[path] = (stat.st_mtime_ns, stat.st_size)
                except OSError:
                    out[path] = None
            return out

        last = stamps()
        while True:
            await asyncio.sleep(interval)
            now = stamps()
            if any(now[p] != last.get(p, now[p]) for p in now):
                self.reload_projects()
            else:
                # Nor can it tell that a migration changed on disk (a checkout, a
                # makemigrations): a stat of each file the project views know.
                self.projects.refresh(None)
            last = now

    def request_refresh(self) -> None:
        """Ask a pulling client to pull again (``workspace/diagnostic/refresh``)."""
        if self.pull and self.capability("workspace.diagnostics.refresh_support", False):
            self.spawn(self.workspace_diagnostic_refresh_async(None), "diagnostic refresh")

    def refresh_lenses(self) -> None:
        """Ask the client to request its code lenses again (``workspace/codeLens/refresh``)."""
        self.lenses.clear()
        if self.capability("workspace.code_lens.refresh_support", False):
            self.spawn(self.workspace_code_lens_refresh_async(None), "code lens refresh")

    # -- the project ------------------------------------------------------------------

    def current(self, checked: Checked) -> bool:
        """Is ``checked`` computed with the project view as it is now (or without one)?"""
        return self.projects.current(checked.project_root, checked.project_revision)

    def project_changed(self, view: View) -> None:
        """``view`` was built or changed (on the event loop): check again the files whose
        diagnostics used it (or waited for it), and refresh the lenses."""
        for key, doc in self.documents.items():
            cached = self.checked.get(key)
            if cached is not None and cached.project_root == view.root and not self.current(cached):
                self.checked.pop(key, None)
                if not self.pull:
                    self.schedule(doc, 0)
        stale = [
            Path(key)
            for key, checked in self.saved.items()
            if checked.project_root == view.root and not self.current(checked)
        ]
        if stale:
            self.spawn(self._check_saved_again(stale), "checking files again")
        self.request_refresh()
        self.refresh_lenses()

    async def _check_saved_again(self, paths: list[Path]) -> None:
        for path in paths:
            self.deliver_saved(str(path), await self.check_saved(path))

    # -- open documents -----------------------------------------------------------

    async def check_document(self, doc: Document) -> Checked | None:
        """Diagnostics of ``doc`` at its current version: cached, or computed once."""
        if doc.path is None:
            return None
        await self.ready.wait()
        config = self.config_for(doc.path)
        if config is None:
            return None
        generation, version = self.generation, doc.version
        cached = self.checked.get(doc.key)
        if (
            cached is not None
            and (cached.version, cached.generation) == (version, generation)
            and self.current(cached)
        ):
            return cached
        projects = None
        if checking.wants_project(config.rules_for(doc.path), doc.path, doc.text):
            await self.projects.ready(doc.path)  # built off the loop, waited for a while
            projects = self.projects
        revision = self.projects.revision(self.projects.root_of(doc.path)) if projects else None
        key = (doc.key, version, generation, revision)
        future = self._inflight.get(key)
        if future is None:
            future = asyncio.ensure_future(
                self.in_worker(
                    checking.check,
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
                    projects=projects,
                )
            )
            self._inflight[key] = future
            future.add_done_callback(lambda _: self._inflight.pop(key, None))
        # Shielded: a cancelled waiter (a newer change) must not cancel it for the others.
        result: Checked = await asyncio.shield(future)
        if self.documents.get(doc.key) is doc and (doc.version, self.generation) == (
            version,
            generation,
        ):
            self.checked[doc.key] = result
        return result

    def settle_delay(self, doc: Document) -> float:
        """How long to wait before checking ``doc``: not at all if its last change came
        after a quiet period (a keystroke, a paste, a format on save), else until the
        burst it belongs to has been quiet for :attr:`debounce` seconds."""
        if doc.gap >= self.debounce:
            return 0.0
        return max(0.0, doc.changed_at + self.debounce - time.monotonic())

    def schedule(self, doc: Document, delay: float) -> None:
        """Check ``doc`` after ``delay`` seconds without changes, then push the result."""
        old = self._pending.pop(doc.key, None)
        if old is not None:
            old.cancel()
        task = self.spawn(self._publish_document(doc.key, delay), f"checking {doc.uri}")
        self._pending[doc.key] = task

        def forget(t: asyncio.Task[None]) -> None:
            if self._pending.get(doc.key) is t:
                del self._pending[doc.key]

        task.add_done_callback(forget)

    def cancel_pending(self, key: str) -> None:
        task = self._pending.pop(key, None)
        if task is not None:
            task.cancel()

    async def _publish_document(self, key: str, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        doc = self.documents.get(key)
        if doc is None:
            return
        checked = await self.check_document(doc)
        if checked is None:
            return
        if self.documents.get(key) is not doc or (doc.version, self.generation) != (
            checked.version,
            checked.generation,
        ):
            return  # a newer version is on its way: never publish an older one
        self.publish(doc.uri, checked.diagnostics, checked.version)
        if not self.current(checked):  # the project changed while it was being checked
            asyncio.get_running_loop().call_soon(self.schedule, doc, 0)

    # -- publishing ---------------------------------------------------------------

    def publish(
        self, uri: str, diagnostics: list[types.Diagnostic], version: int | None = None
    ) -> None:
        key = key_of(uri)
        if (spelled := self.pushed.get(key)) is not None and spelled != uri:
            # Pushed before under another spelling of the same file's URI: withdraw that.
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=spelled, diagnostics=[])
            )
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version)
        )
        if diagnostics:
            self.pushed[key] = uri
        else:
            self.pushed.pop(key, None)

    def clear(self, key: str) -> None:
        """Withdraw what was pushed for ``key``, if anything."""
        if key in self.pushed:
            self.publish(self.pushed[key], [])

    def deliver_saved(self, key: str, checked: Checked | None) -> None:
        """Push a saved file's diagnostics, unless the client gets them another way."""
        if key in self.documents:
            return  # open: the buffer's diagnostics rule
        if self.pull and self.workspace_pulled:
            return  # the client pulls workspace diagnostics
        if checked is not None and checked.diagnostics:
            self.publish(checked.uri, checked.diagnostics)
        else:
            self.clear(key)

    # -- workspace ----------------------------------------------------------------

    async def check_saved(self, path: Path) -> Checked | None:
        """Check a migration as saved, and keep it among the workspace's files.

        ``None`` (and forgotten) if it is not a migration we check, if workspace
        diagnostics are off for it, or if it cannot be read.
        """
        key = str(path)
        config = self.config_for(path)
        if config is None or not self.settings_for(path).workspace_diagnostics:
            self.saved.pop(key, None)
            return None
        uri = from_fs_path(key) or path.as_uri()
        checked = await self.in_worker(
            checking.check_saved,
            uri,
            path,
            config,
            self.codec,
            self.generation,
            self.related_information,
            self.projects,
            self.projects.wait_seconds,
        )
        if checked is None:
            self.saved.pop(key, None)
        else:
            self.saved[key] = checked
            if checked.skipped:
                self.log(types.MessageType.Warning, f"skipped {path}: {checked.skipped}")
        return checked

    def start_scan(self) -> None:
        if self.scan_task is not None and not self.scan_task.done():
            self.scan_task.cancel()
        self.scan_task = self.spawn(self._scan(), "workspace scan")

    async def scan_finished(self) -> None:
        """Wait for the workspace scan in progress, if any (and for one replacing it)."""
        while (task := self.scan_task) is not None and not task.done():
            await asyncio.wait({task})

    async def _scan(self) -> None:
        roots = [
            path
            for _, path in self.folders()
            if self.settings_for(path).enable and self.settings_for(path).workspace_diagnostics
        ]
        seen: set[str] = set()
        token = await self._progress_begin("Checking migrations") if roots else None
        done = findings = 0
        try:
            files: list[Path] = []
            for root in roots:
                walk = effective_config(self.project_config(root), self.settings_for(root))
                found, unreadable = await self.in_worker(checking.list_migrations, root, walk)
                files.extend(found)
                for folder, reason in unreadable:
                    message = f"cannot read folder {folder}: {reason}; skipped"
                    self.log(types.MessageType.Warning, message)
            loop = asyncio.get_running_loop()
            last = loop.time()
            for path in files:
                if token is not None and self.work_done_progress.tokens[token].cancelled():
                    self.log(types.MessageType.Info, "workspace scan cancelled by the client")
                    return
                if str(path) in seen:
                    continue
                seen.add(str(path))
                checked = await self.check_saved(path)
                done += 1
                if checked is not None:
                    findings += len(checked.diagnostics)
                    self.deliver_saved(str(path), checked)
                if token is not None and loop.time() - last >= PROGRESS_INTERVAL:
                    last = loop.time()
                    self.work_done_progress.report(
                        token,
                        types.WorkDoneProgressReport(
                            message=f"{done}/{len(files)} files",
                            percentage=done * 100 // len(files),
                        ),
                    )
            # Gone, excluded or turned off since the last scan.
            for key in [k for k in self.saved if k not in seen]:
                del self.saved[key]
            for key in [k for k in self.pushed if k not in seen and k not in self.documents]:
                self.clear(key)
            self.log(
                types.MessageType.Info,
                f"checked {done} migration files in {len(roots)} folder(s): {findings} finding(s)",
            )
        finally:
            if token is not None:
                self.work_done_progress.end(
                    token, types.WorkDoneProgressEnd(message=f"{done} files, {findings} findings")
                )
        self.spawn(self.in_worker(checking.warm_up), "importing LibCST")

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

    async def register_dynamic(self) -> None:
        """Watch ``*.py`` and ``pyproject.toml``, and ask for configuration changes."""
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


def create_server(*, debounce: float = DEBOUNCE) -> MigrationLanguageServer:
    server = MigrationLanguageServer(debounce=debounce)
    register(server)
    return server


def run(argv: list[str]) -> None:
    """Start the server: stdio by default, or ``--tcp``/``--ws`` ``[--host H] [--port P]``.

    ``--stdio`` is accepted and ignored (vscode-languageclient and others pass it).
    """
    # stdout carries the protocol: Python logging (pygls's own) goes to stderr.
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="%(name)s: %(message)s")
    try:
        debounce = float(os.environ.get(DEBOUNCE_ENV, DEBOUNCE))
    except ValueError:
        debounce = DEBOUNCE
    server = create_server(debounce=debounce)
    # Everything imported so far (pygls, lsprotocol, the rules) lives as long as the
    # process: keep it out of the collector's full passes, which ast.parse of a large
    # migration triggers (~20% of didOpen -> publish on a 6,000-line file).
    gc.freeze()
    # Parsing a large migration allocates hundreds of thousands of AST nodes, all
    # freed when the analysis ends; with the default thresholds (700, 10, 10) that
    # means hundreds of young-generation passes per parse. Collect less often.
    gc.set_threshold(GC_THRESHOLD, 20, 20)
    start_server(server, [a for a in argv if a != "--stdio"])
    if server.exit_code is not None:  # stdio: the client exited or went away
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        # Now, without waiting for a check still running on a worker thread (it would
        # hold up the interpreter's exit): nothing is left to save, the documents are
        # the editor's.
        os._exit(server.exit_code)
