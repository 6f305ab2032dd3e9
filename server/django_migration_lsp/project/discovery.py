"""Where a project's migrations are, found with no configuration and never imported.

A migration package is found in one of four ways (:attr:`MigrationPackage.found_by`),
the first that applies winning:

``"setting"``
    Django's ``MIGRATION_MODULES`` setting names it (``{"dojo": "dojo.db_migrations"}``),
    read statically from the project's settings modules (:mod:`.settings`);
``"folder"``
    the folder is called ``migrations``;
``"content"``
    a package (it has an ``__init__.py``) whose modules are named like ``0001_initial.py``
    and define ``class Migration(migrations.Migration)``: recognised from the file names,
    then a few kilobytes of one such file;
``"extend-include"``
    a file in it matches the ``extend-include`` globs of ``[tool.django-migration-lsp]``.

The project a path belongs to is the nearest folder at or above it holding ``manage.py``,
a ``.git``/``.hg`` folder, a ``pyproject.toml``, ``setup.py`` or ``setup.cfg``; its
settings modules are searched for below that folder. A ``MIGRATION_MODULES`` module is
resolved against the project folder, its ``src/`` folder and the source roots of the
settings modules (the folder above their top-level package).

The API, for the CLI's walk, the language server and the project graph:

* :func:`migration_packages` lists the packages under a folder;
* :func:`package_of` says which package holds a file;
* :class:`Discovery` holds the caches behind both (settings per project, verdicts per
  folder); :attr:`Config.discovery <django_migration_lsp.config.Config.discovery>` is
  the one a configuration uses, so that the language server, which asks per file,
  reads each project's settings once.
"""

from __future__ import annotations

import os
import re
import stat
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from ..checks.other_files import app_label

if TYPE_CHECKING:
    from ..config import Config

FOUND_BY = ("setting", "folder", "content", "extend-include")

#: Folders a walk never enters: version control, virtualenvs, builds, caches.
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "node_modules",
        "site-packages",
        "build",
        "dist",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        "__pycache__",
    }
)

#: Files whose presence marks the folder of a project (the first one found going up).
PROJECT_MARKERS = ("manage.py", ".git", ".hg", "pyproject.toml", "setup.py", "setup.cfg")
#: Source roots tried for a dotted module besides the project folder itself.
SOURCE_FOLDERS = ("src",)
#: Django's migration file names: ``0001_initial.py``, ``0042_auto_20200101_1200.py``.
NUMBERED = re.compile(r"\d{4}_\w+\.py\Z")
#: How many numbered files of a folder are read, and how much of each.
PROBE_FILES = 3
PROBE_BYTES = 8192
_MIGRATION_CLASS = rb"^class[ \t]+Migration[ \t]*\([ \t]*(?:migrations\.)?Migration[ \t]*\)[ \t]*:"
_MIGRATIONS_IMPORT = (
    rb"^[ \t]*(?:from[ \t]+django\.db[ \t]+import[ \t]+\(?[\s\w,]*?\bmigrations\b"
    rb"|from[ \t]+django\.db\.migrations[ \t]+import[ \t]+\(?[\s\w,]*?\bMigration\b"
    rb"|import[ \t]+django\.db\.migrations\b)"
)
#: How long settings read for a project are trusted before their files are looked at
#: again (seconds): the language server asks per file, a settings module rarely changes.
SETTINGS_TTL = 2.0
#: How many packages above a folder are followed to name its module.
MAX_PACKAGE_DEPTH = 12


@dataclass(frozen=True)
class MigrationPackage:
    """A folder of migrations: the package Django loads an app's migrations from."""

    #: The app's label: the ``MIGRATION_MODULES`` key, else its ``AppConfig.label`` or
    #: the last part of its package (``"dojo"``).
    app_label: str
    #: Dotted module, e.g. ``"dojo.db_migrations"`` or ``"shop.migrations"``.
    module: str
    folder: Path
    #: ``"setting"`` | ``"folder"`` | ``"content"`` | ``"extend-include"``.
    found_by: str


def is_numbered(name: str) -> bool:
    """Is ``name`` a migration file name as ``makemigrations`` writes them?"""
    return NUMBERED.match(name) is not None


def looks_like_migration(data: bytes) -> bool:
    """Does this beginning of a file define a ``Migration`` on Django's base class?"""
    # re caches compiled patterns: compiled the first time a folder is probed.
    return re.search(_MIGRATION_CLASS, data, re.M) is not None and (
        re.search(_MIGRATIONS_IMPORT, data, re.M) is not None
    )


def _read_prefix(path: Path) -> bytes:
    """The first :data:`PROBE_BYTES` of a regular file (never a FIFO or a device)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return b""
        with open(path, "rb") as fh:
            return fh.read(PROBE_BYTES)
    except OSError:
        return b""


def has_migration_content(folder: Path, names: Iterable[str]) -> bool:
    """A package with ``0001_x.py``-like modules, one of which starts like a migration.

    ``names`` are the folder's file names (from a walk: no extra system call). Most
    folders are ruled out by their names alone; at most :data:`PROBE_FILES` files are
    opened, and :data:`PROBE_BYTES` of each read.
    """
    names = list(names)
    if "__init__.py" not in names:
        return False
    numbered = sorted(n for n in names if is_numbered(n))
    return any(looks_like_migration(_read_prefix(folder / n)) for n in numbered[:PROBE_FILES])


def _has_marker(folder: Path) -> bool:
    """Does ``folder`` look like a project's? Never the file system's root or the home
    folder: their settings search would cover far too much."""
    if folder == folder.parent or folder == _home():
        return False
    return any(os.path.lexists(folder / marker) for marker in PROJECT_MARKERS)


@lru_cache(maxsize=1)
def _home() -> Path | None:
    try:
        return Path.home()
    except (RuntimeError, KeyError, OSError):
        return None


def project_folder(start: Path) -> Path:
    """The nearest folder at or above ``start`` with a :data:`PROJECT_MARKERS` entry
    (``start`` itself if there is none)."""
    start = Path(os.path.abspath(start))
    for folder in (start, *start.parents):
        if _has_marker(folder):
            return folder
    return start


def module_of(folder: Path) -> str:
    """The dotted module of a package folder, from the ``__init__.py`` files above it."""
    folder = Path(os.path.abspath(folder))
    parts = [folder.name]
    parent = folder.parent
    while len(parts) < MAX_PACKAGE_DEPTH and parent != parent.parent:
        if not os.path.isfile(parent / "__init__.py"):
            break
        parts.append(parent.name)
        parent = parent.parent
    return ".".join(reversed(parts))


def source_root(module_file: Path) -> Path:
    """The folder above the top-level package holding ``module_file``."""
    folder = Path(os.path.abspath(module_file)).parent
    while os.path.isfile(folder / "__init__.py") and folder != folder.parent:
        folder = folder.parent
    return folder


def _package(folder: Path, found_by: str) -> MigrationPackage:
    module = module_of(folder)
    return MigrationPackage(_label_for(module, folder), module, folder, found_by)


def _label_for(module: str, folder: Path) -> str:
    """The app label of a migrations package found by its folder or its content."""
    parts = module.split(".")
    if "migrations" in parts[1:]:  # ``shop.migrations``: the app is above ``migrations``
        package = ".".join(parts[: len(parts) - 1 - parts[::-1].index("migrations")])
    else:
        package = ".".join(parts[:-1])
    if not package:  # the app folder is no regular package (no ``__init__.py``)
        package = folder.parent.name if folder.name == "migrations" else ""
    if not package:
        return folder.parent.name
    return app_label(package, str(folder / "__init__.py"))


class _ProjectSettings:
    __slots__ = ("packages", "stamps", "checked_at")

    def __init__(
        self,
        packages: dict[str, MigrationPackage],
        stamps: tuple[tuple[Path, int, int], ...],
        checked_at: float,
    ) -> None:
        #: Folder (absolute, as text) -> the package ``MIGRATION_MODULES`` puts there.
        self.packages = packages
        #: ``(path, mtime_ns, size)`` of every settings module found, to notice edits.
        self.stamps = stamps
        self.checked_at = checked_at


def _stamps(paths: Iterable[Path]) -> tuple[tuple[Path, int, int], ...]:
    out = []
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            out.append((path, -1, -1))
        else:
            out.append((path, st.st_mtime_ns, st.st_size))
    return tuple(out)


class Discovery:
    """Migration packages of the projects a configuration covers, with their caches.

    Settings are read once per project folder, and again when one of the settings
    modules read changes (looked at every :data:`SETTINGS_TTL` seconds at most; a new
    settings module is noticed with a new configuration, e.g. a ``pyproject.toml``
    change). A folder's "does its content look like migrations" verdict is kept until
    the folder changes. Safe to share between threads: at worst, two threads compute
    the same answer.
    """

    def __init__(self, config: Config | None = None) -> None:
        self.config = config
        self._projects: dict[str, Path] = {}
        self._settings: dict[Path, _ProjectSettings] = {}
        self._content: dict[str, tuple[int, bool]] = {}
        #: Folders a walk could not list, with why (``os.walk`` skips them): for a warning.
        self.unreadable: list[tuple[str, str]] = []

    def take_unreadable(self) -> list[tuple[str, str]]:
        """The folders the walks so far could not list (with why), once: each warning
        is given by the walk that met it."""
        found, self.unreadable = self.unreadable, []
        return found

    # -- projects and their settings ---------------------------------------------------

    def project_of(self, folder: Path) -> Path:
        """:func:`project_folder` of ``folder``, cached; with no marker above it, the
        configuration's root if it holds ``folder`` (else ``folder`` itself)."""
        key = os.path.abspath(folder)
        found = self._projects.get(key)
        if found is None:
            found = project_folder(Path(key))
            root = self.config.root if self.config is not None else None
            if not _has_marker(found) and root is not None:
                prefix = os.path.join(os.path.abspath(root), "")
                if os.path.join(key, "").startswith(prefix):
                    found = Path(os.path.abspath(root))
            self._projects[key] = found
        return found

    def setting_packages(self, project: Path) -> dict[str, MigrationPackage]:
        """The packages the settings modules of ``project`` name, by folder."""
        now = time.monotonic()
        cached = self._settings.get(project)
        if cached is not None:
            if now - cached.checked_at < SETTINGS_TTL:
                return cached.packages
            if _stamps(p for p, _, _ in cached.stamps) == cached.stamps:
                cached.checked_at = now
                return cached.packages
        from . import settings as static_settings  # only when a project is looked at

        modules = static_settings.find_settings_modules(project)
        settings = static_settings.read_settings(project, modules)
        bases = [project, *(project / s for s in SOURCE_FOLDERS)]
        bases += [source_root(m) for m in modules]
        packages: dict[str, MigrationPackage] = {}
        for label, module in settings.migration_modules.items():
            if not module:
                continue  # ``None``: the app has no migrations
            relative = Path(*module.split("."))
            for base in dict.fromkeys(bases):
                folder = base / relative
                if os.path.isdir(folder):
                    key = os.path.abspath(folder)
                    packages.setdefault(key, MigrationPackage(label, module, Path(key), "setting"))
                    break
        self._settings[project] = _ProjectSettings(packages, _stamps(modules), now)
        return packages

    # -- folders -----------------------------------------------------------------------

    def has_migration_content(self, folder: Path, names: Iterable[str] | None = None) -> bool:
        """:func:`has_migration_content`, cached until the folder changes."""
        key = os.path.abspath(folder)
        try:
            mtime = os.stat(key).st_mtime_ns
        except OSError:
            return False
        cached = self._content.get(key)
        if cached is not None and cached[0] == mtime:
            return cached[1]
        if names is None:
            try:
                names = os.listdir(key)
            except OSError:
                names = ()
        verdict = has_migration_content(Path(key), names)
        self._content[key] = (mtime, verdict)
        return verdict

    def found_by(
        self, folder: Path | str, names: Iterable[str] | None = None, project: Path | None = None
    ) -> str | None:
        """How ``folder`` is known to be a migrations package (by setting, name or
        content), or ``None``; :meth:`package_folder` has the whole package.

        (``extend-include`` is a property of files: see :meth:`package_of`.) ``names``
        are the folder's file names when the caller has them (a walk); ``project`` the
        project folder when the caller knows it (else found by going up).
        """
        key = os.path.abspath(folder)
        project = project if project is not None else self.project_of(Path(key))
        if key in self.setting_packages(project):
            return "setting"
        if os.path.basename(key) == "migrations":
            return "folder"
        if names is not None and not any(is_numbered(n) for n in names):
            return None  # the usual case in a walk: no file system call at all
        return "content" if self.has_migration_content(Path(key), names) else None

    def package_folder(
        self, folder: Path, names: Iterable[str] | None = None, project: Path | None = None
    ) -> MigrationPackage | None:
        """The package whose folder is ``folder``, found by setting, name or content."""
        found_by = self.found_by(folder, names, project)
        if found_by is None:
            return None
        key = os.path.abspath(folder)
        if found_by == "setting":
            project = project if project is not None else self.project_of(Path(key))
            return self.setting_packages(project)[key]
        return _package(Path(key), found_by)

    def package_of(self, path: Path) -> MigrationPackage | None:
        """The package whose folder holds the file ``path`` directly, if any.

        Whether the module is one of the package's migrations by Django's rules (a name
        not starting with ``_`` or ``~``, a ``Migration`` class) is for the caller.
        """
        folder = Path(os.path.abspath(path)).parent
        found = self.package_folder(folder)
        if found is not None:
            return found
        config = self.config
        if config is not None and config.extend_include:
            relative = config.relative(path)
            if any(g.matches(relative) for g in config.extend_include):
                return _package(folder, "extend-include")
        return None

    # -- walks -------------------------------------------------------------------------

    def walk(self, root: Path) -> Iterator[tuple[Path, list[str], str | None]]:
        """``(folder, file names, found_by or None)`` for every folder under ``root``.

        Skips VCS, virtualenv and build folders and the configuration's ``exclude``
        globs, and does not follow symbolic links to folders (no loops). Folders and
        file names come sorted.
        """
        for folder, files, found_by in self.walk_folders(root):
            yield Path(folder), files, found_by

    def walk_folders(self, root: Path) -> Iterator[tuple[str, list[str], str | None]]:
        """:meth:`walk` with each folder as text (``os.path.join(str(root), ...)``): what
        the CLI's walk of a whole repository uses, with no path object per folder."""
        project = self.project_of(root)
        config = self.config
        excluded = config.is_excluded if config is not None and config.exclude else None

        def unreadable(error: OSError) -> None:
            self.unreadable.append((error.filename or str(root), error.strerror or str(error)))

        for folder, dirs, files in os.walk(root, onerror=unreadable):
            if excluded is None:
                dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
            else:
                base = Path(folder)
                dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not excluded(base / d))
            files.sort()
            yield folder, files, self.found_by(folder, files, project)


def migration_packages(root: Path, config: Config | None = None) -> list[MigrationPackage]:
    """Every migration package under ``root``, sorted by folder.

    Folders called ``migrations`` count when they hold a ``.py`` file; a folder holding
    a file that ``extend-include`` matches is listed as ``"extend-include"``.
    """
    discovery = config.discovery if config is not None else Discovery(config)
    found = []
    for folder, files, found_by in discovery.walk(root):
        py = [n for n in files if n.endswith(".py")]
        if not py:
            continue
        if found_by == "setting":
            found.append(discovery.package_folder(folder, files))
        elif found_by is not None:
            found.append(_package(folder, found_by))
        elif config is not None and config.extend_include:
            if any(
                any(g.matches(config.relative(folder / n)) for g in config.extend_include)
                for n in py
            ):
                found.append(_package(folder, "extend-include"))
    return [p for p in found if p is not None]


def package_of(path: Path, config: Config | None = None) -> MigrationPackage | None:
    """The migration package whose folder holds the file ``path``, if any."""
    discovery = config.discovery if config is not None else Discovery()
    return discovery.package_of(path)
