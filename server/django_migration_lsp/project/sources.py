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
        name = path.stem
        if not name or name[0] in "_~" or "." in name:
            continue
        package = path.parent
        rel = config.relative(path)
        if package.name != "migrations" and "migrations" in rel.parts[:-2]:
            continue  # a sub-package of a migrations package: Django does not load it
        app_package = package.parent.name
        if not app_package:
            continue
        if package not in labels:
            labels[package] = app_label(app_package, str(path))
        found.append(MigrationFile(path, labels[package], name))
    return found
