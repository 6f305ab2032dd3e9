"""The server's project views: the migration graph of each project, held for the session.

A :class:`View` is one project root's :class:`~django_migration_lsp.project.model.Project`
(every migration of the project and of its installed apps, Django's graph of them). It
is built the first time a document needs it (a rule that ``needs_project`` and could use
it on that file, a code lens, a document link), on the view's own thread, never on the
event loop, and kept for the session:

- a keystroke rebuilds nothing: the buffer's diagnostics and lens ask
  ``project.with_source(path, text)``, a copy in which only that file is read again;
- a save (``didSave``), a watched-file event or, for clients that cannot watch files,
  the poll (:meth:`Projects.refresh`) re-reads the files that changed, on the view's
  thread (``Project.refresh``): a saved migration updates its own node. When something
  changed, :attr:`View.revision` grows and the server's ``on_change`` runs (on the loop):
  it checks again the files whose project answers may have changed and asks the client
  to refresh its lenses;
- a changed ``pyproject.toml`` or workspace folders drop every view (:meth:`Projects.forget`).

Bounded: a request waits at most :data:`PROJECT_WAIT` seconds for a build (a huge
workspace; the project's reads never wait on a FIFO or a device): after that it is answered
without the project (no lens, no DJM007), the wait is logged, and the files are checked
again once the build ends. Every use of a project holds its view's lock (builds and
refreshes change it in place), taken for at most :data:`LOCK_WAIT` seconds. A build that
fails is logged once; that root then has no project until the configuration changes.

The root of a file is ``project.model.find_root`` (``manage.py``, else ``pyproject.toml``
or ``.git``); a file with none of them above it belongs to its workspace folder's
project, and a file outside every workspace folder without one, to none.
"""

from __future__ import annotations

import asyncio
import os
import stat
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from .convert import SOURCE

if TYPE_CHECKING:
    from ..project.model import Project

#: Seconds a request waits for a project that is being built, then goes on without it.
PROJECT_WAIT = 5.0
#: An environment variable that sets another ``PROJECT_WAIT`` (seconds), for the tests of
#: a build that does not end; not a user setting.
PROJECT_WAIT_ENV = "DJANGO_MIGRATION_LSP_PROJECT_WAIT"
#: Seconds a check waits for a project that another thread is using or refreshing.
LOCK_WAIT = 5.0
#: What marks a project root besides ``find_root``'s own markers.
MARKERS = ("manage.py", "pyproject.toml", ".git")

Log = Callable[[types.MessageType, str], None]


class View:
    """One project root's :class:`Project`, built lazily and refreshed in place."""

    def __init__(self, root: Path, log: Log, on_change: Callable[[View], None]) -> None:
        self.root = root
        self.project: Project | None = None
        #: Grows each time :attr:`project` is built or changes; 0 until it is built.
        self.revision = 0
        self.error: str | None = None
        self.lock = threading.RLock()
        self._log = log
        self._on_change = on_change
        self._executor = ThreadPoolExecutor(1, thread_name_prefix=f"{SOURCE}-project")
        self._submit = threading.Lock()
        self._built: Future[Any] | None = None
        self._last: Future[Any] | None = None
        self.closed = False

    def __repr__(self) -> str:
        return f"View({str(self.root)!r}, revision={self.revision})"

    # -- on the view's thread -----------------------------------------------------

    def start(self) -> Future[Any]:
        """The build, started if it was not (from any thread)."""
        with self._submit:
            if self._built is None:
                self._built = self._last = self._executor.submit(self._build)
            return self._built

    def refresh(self, paths: Iterable[Path] | None) -> Future[Any] | None:
        """Read again the files among ``paths`` (all known ones: ``None``) that changed;
        nothing if the project was never built."""
        if self._built is None:
            return None
        # Not a FIFO or a device put in a migration's place: reading it would block the
        # view's thread (and its lock) for ever.
        wanted = None if paths is None else [str(p) for p in paths if _readable_or_gone(p)]
        with self._submit:
            if self.closed:
                return None
            self._last = self._executor.submit(self._refresh, wanted)
            return self._last

    @property
    def last(self) -> Future[Any] | None:
        """The last build or refresh submitted: once it is done, the project is current."""
        return self._last

    def _build(self) -> None:
        from ..project.model import load_project

        started = time.perf_counter()
        try:
            project = load_project(self.root)
            _ = project.links  # Django's graph, built here rather than by the first request
        except Exception as exc:  # a bug or an unreadable tree: logged, that root goes without
            self.error = f"{type(exc).__name__}: {exc}"
            self._log(
                types.MessageType.Error,
                f"cannot read the migrations of {self.root}: {self.error}; code lenses, "
                "links and DJM007 are off for this project",
            )
            raise
        if self.closed:
            return
        with self.lock:
            self.project = project
            self.revision += 1
        seconds = time.perf_counter() - started
        problems = len(project.problems)
        self._log(
            types.MessageType.Info,
            f"project {self.root}: {len(project.infos)} migrations read, graph built in "
            f"{seconds:.2f} s" + (f" ({problems} problem(s) in the graph)" if problems else ""),
        )
        self._on_change(self)

    def _refresh(self, paths: list[str] | None) -> None:
        with self.lock:
            project = self.project
            if project is None or self.closed:
                return
            changed = project.refresh(paths)
            if not changed:
                return
            _ = project.links  # the graph, rebuilt here if what links it changed
            self.revision += 1
        names = ", ".join(sorted(f"{a}.{n}" for a, n in changed)[:5])
        self._log(types.MessageType.Log, f"project {self.root}: read again {names}")
        self._on_change(self)

    # -- on any thread ----------------------------------------------------------------

    @contextmanager
    def use(self, timeout: float = LOCK_WAIT) -> Iterator[tuple[Project | None, int]]:
        """``(project, revision)`` while holding the lock; ``(None, -1)`` if the project
        is not built, or is held by another thread for longer than ``timeout``."""
        if self.project is None or not self.lock.acquire(timeout=timeout):
            yield None, -1
            return
        try:
            yield self.project, self.revision
        finally:
            self.lock.release()

    def close(self) -> None:
        self.closed = True
        self._executor.shutdown(wait=False, cancel_futures=True)


def _readable_or_gone(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return True  # deleted: the project drops it


class Projects:
    """The views of a server, by root. ``on_change`` runs on the event loop."""

    def __init__(
        self,
        log: Log,
        on_change: Callable[[View], None],
        folder_of: Callable[[Path], tuple[str, Path] | None],
    ) -> None:
        self._log = log
        self._on_change = on_change
        self._folder_of = folder_of
        self.views: dict[Path, View] = {}
        self._roots: dict[Path, Path | None] = {}
        self._lock = threading.Lock()
        self._waited: set[Path] = set()
        self.loop: asyncio.AbstractEventLoop | None = None
        try:
            self.wait_seconds = float(os.environ.get(PROJECT_WAIT_ENV, PROJECT_WAIT))
        except ValueError:
            self.wait_seconds = PROJECT_WAIT

    # -- roots ----------------------------------------------------------------------

    def root_of(self, path: Path) -> Path | None:
        """The project root of a file (cached per folder)."""
        folder = Path(os.path.abspath(path)).parent
        with self._lock:
            if folder in self._roots:
                return self._roots[folder]
        from ..project.model import find_root

        root: Path | None = find_root(folder / "_")
        if root is not None and not any((root / m).exists() for m in MARKERS):
            found = self._folder_of(path)
            root = found[1] if found is not None else None
        with self._lock:
            self._roots[folder] = root
        return root

    def view(self, path: Path, *, create: bool = True) -> View | None:
        root = self.root_of(path)
        if root is None:
            return None
        with self._lock:
            view = self.views.get(root)
            if view is None and create:
                view = self.views[root] = View(root, self._threadsafe_log, self._changed)
            return view

    def revision(self, root: Path | None) -> int | None:
        view = self.views.get(root) if root is not None else None
        return view.revision if view is not None else None

    def current(self, root: Path | None, revision: int | None) -> bool:
        """Is a result computed with ``root``'s project at ``revision`` still current?"""
        return root is None or self.revision(root) == revision

    # -- waiting for a build ------------------------------------------------------------

    def wait(self, path: Path, timeout: float | None = None) -> View | None:
        """``path``'s view once built (blocking: worker threads only); ``None`` when there
        is none, it failed, or it is not built after ``timeout`` seconds."""
        view = self.view(path)
        if view is None:
            return None
        timeout = self.wait_seconds if timeout is None else timeout
        if view.root in self._waited:
            timeout = 0  # waited for once already: do not make every file wait again
        try:
            view.start().result(timeout)
        except FutureTimeout:
            if timeout:  # else the caller has waited on the loop, and said so
                self._still_building(view, timeout)
            return None
        except Exception:  # logged by the build
            return None
        return view if view.project is not None else None

    async def ready(self, path: Path) -> View | None:
        """:meth:`wait`, on the event loop, also waiting for refreshes in progress."""
        self.bind()
        view = self.view(path)
        if view is None:
            return None
        # Waited for once already (a build that does not end): do not make every request
        # wait again.
        timeout = 0.0 if view.root in self._waited else self.wait_seconds
        built = view.start()
        try:
            for task in (built, view.last):  # the build, then a refresh in progress
                if task is not None and not task.done():
                    await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(task)), timeout)
        except asyncio.TimeoutError:
            self._still_building(view, timeout)
            return view if view.project is not None else None
        except Exception:
            return None
        return view if view.project is not None else None

    def _still_building(self, view: View, timeout: float) -> None:
        if view.root not in self._waited:
            self._waited.add(view.root)
            self._threadsafe_log(
                types.MessageType.Warning,
                f"reading the migrations of {view.root} takes more than {timeout:g} s: going "
                "on without the project (code lenses, links, DJM007) until it is done",
            )

    # -- changes ----------------------------------------------------------------------

    def refresh(self, paths: Iterable[Path] | None = None) -> None:
        """Files saved, created, changed or deleted on disk (``None``: look at every
        known file of every view). Views that were never built are left alone."""
        if paths is None:
            for view in list(self.views.values()):
                view.refresh(None)
            return
        by_view: dict[View, list[Path]] = {}
        for path in paths:
            view = self.view(path, create=False)
            if view is not None:
                by_view.setdefault(view, []).append(path)
        for view, changed in by_view.items():
            view.refresh(changed)

    def forget(self) -> None:
        """Drop every view (the configuration or the workspace folders changed)."""
        with self._lock:
            views, self.views = list(self.views.values()), {}
            self._roots.clear()
            self._waited.clear()
        for view in views:
            view.close()

    close = forget

    # -- the loop -----------------------------------------------------------------------

    def bind(self) -> None:
        """Remember the event loop (called from it) for what the views' threads report."""
        if self.loop is None:
            self.loop = asyncio.get_running_loop()

    def _call_soon(self, fn: Callable[..., Any], *args: Any) -> None:
        loop = self.loop
        if loop is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(fn, *args)
        except RuntimeError:  # the loop closed meanwhile: the process is ending
            pass

    def _threadsafe_log(self, level: types.MessageType, message: str) -> None:
        self._call_soon(self._log, level, message)

    def _changed(self, view: View) -> None:
        self._call_soon(self._notify, view)

    def _notify(self, view: View) -> None:
        if self.views.get(view.root) is view:
            self._waited.discard(view.root)
            self._on_change(view)
