"""Which files of the project are migrations, and of which app: the one place the graph
asks.

``check``'s own discovery (:mod:`.discovery`: folders named ``migrations``, packages that
``MIGRATION_MODULES`` names, packages that look like migrations, ``extend-include``),
with the app label of the package that holds each file: the ``MIGRATION_MODULES`` key,
else the app's ``AppConfig.label``, else the last part of its package.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..config import Config, iter_migration_files, load_config
from .discovery import MigrationPackage
from .settings import Settings


@dataclass(frozen=True)
class MigrationFile:
    """A migration module of the project: its file, app label and name."""

    path: Path
    app_label: str
    name: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.app_label, self.name)


def project_migrations(
    root: Path, settings: Settings, config: Config | None = None
) -> list[MigrationFile]:
    """The project's migration files under ``root``, in a stable order.

    As Django's loader: the modules directly in an app's migrations package whose names
    do not start with ``_`` or ``~``. ``settings`` is the static read the discovery
    made too (it reads ``MIGRATION_MODULES`` through its own cache).
    """
    config = config or load_config(root)
    found: list[MigrationFile] = []
    packages: dict[Path, MigrationPackage | None] = {}  # one discovery question per folder
    for path in iter_migration_files([root], config):
        file = _migration(path, config, packages)
        if file is not None:
            found.append(file)
    return found


def migration_file(root: Path, path: Path, config: Config | None = None) -> MigrationFile | None:
    """:func:`project_migrations` for one file (a new file the editor reports)."""
    config = config or load_config(root)
    if not config.is_migration(path):
        return None
    return _migration(path, config, {})


def _migration(
    path: Path, config: Config, packages: dict[Path, MigrationPackage | None]
) -> MigrationFile | None:
    name = path.stem
    if not name or name[0] in "_~" or "." in name:
        return None
    folder = path.parent
    if folder not in packages:
        packages[folder] = config.discovery.package_of(path)
    package = packages[folder]
    if package is None:
        return None  # e.g. a sub-package of a migrations package: Django does not load it
    return MigrationFile(path, package.app_label, name)
