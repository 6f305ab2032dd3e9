"""What building a project meets: the problems Django would refuse, or that static reads
leave open. Plain data (no Django import), shared by the loader, the project and ``plan``."""

from __future__ import annotations

from dataclasses import dataclass

MigrationKey = tuple[str, str]


@dataclass(frozen=True)
class Problem:
    """Something Django would refuse, or that could not be read statically.

    ``kind``: ``missing-node`` (a dependency on a migration that does not exist),
    ``unknown-app`` (on an app that is not found), ``no-migrations`` (on an app
    without migrations), ``swappable`` (a ``swappable_dependency`` on a setting that
    is not read statically), ``cycle``, ``duplicate`` (two files for one node),
    ``unreadable`` (a migration file that does not parse: Django cannot import it),
    ``not-a-migration`` (no ``class Migration``), ``static`` (a value in a migration
    that is not read statically), ``settings``, ``environment``.
    """

    kind: str
    message: str
    key: MigrationKey | None = None
    path: str | None = None

    @property
    def django_refuses(self) -> bool:
        """Would Django's loader raise on this (``migrate`` would not start)?"""
        return self.kind in ("missing-node", "unknown-app", "no-migrations", "cycle", "unreadable")
