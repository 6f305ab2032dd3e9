"""Which files of the project are migrations, and of which app: the one place the graph
asks.

Until ``project/discovery.py`` lands (``MIGRATION_MODULES``, recognising a migration by
its content), this is ``check``'s own discovery: :func:`config.iter_migration_files`
over the project root, with the app label from the app's ``AppConfig``
(:func:`checks.other_files.app_label`). Switching to the new discovery changes
:func:`project_migrations` only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..checks.other_files import app_label
from ..config import Config, iter_migration_files, load_config
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
    do not start with ``_`` or ``~``. ``settings`` is unused until discovery reads
    ``MIGRATION_MODULES`` from it.
    """
    config = config or load_config(root)
    found: list[MigrationFile] = []
    labels: dict[Path, str] = {}  # one AppConfig read per migrations package
    for path in iter_migration_files([root], config):
        file = _migration(path, config, labels)
        if file is not None:
            found.append(file)
    return found


def migration_file(root: Path, path: Path, config: Config | None = None) -> MigrationFile | None:
    """:func:`project_migrations` for one file (a new file the editor reports)."""
    config = config or load_config(root)
    if not config.is_migration(path):
        return None
    return _migration(path, config, {})


def _migration(path: Path, config: Config, labels: dict[Path, str]) -> MigrationFile | None:
    name = path.stem
    if not name or name[0] in "_~" or "." in name:
        return None
    package = path.parent
    if package.name != "migrations" and "migrations" in config.relative(path).parts[:-2]:
        return None  # a sub-package of a migrations package: Django does not load it
    app_package = package.parent.name
    if not app_package:
        return None
    if package not in labels:
        labels[package] = app_label(app_package, str(path))
    return MigrationFile(path, labels[package], name)
