"""``plan --to-ref``: the migrations a commit had, read with git, without a checkout.

``git ls-tree -r`` lists the commit's files and their blob ids; a migration whose blob is
the one on disk now is the same file (its :class:`~.reader.MigrationInfo` is reused), the
others are read with one ``git cat-file --batch``. The commit's graph (its own migrations,
with the installed apps of today's environment) gives its leaf migrations: the targets of
the rollback, as ``migrate`` would take them one app at a time.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .loader import build_graph
from .model import Project
from .reader import MigrationInfo, MigrationKey, read_migration

GIT_TIMEOUT = 120


class GitError(Exception):
    """git could not answer; the message is for the user."""


def _git(root: Path, *args: str, input: bytes | None = None) -> bytes:
    try:
        proc = subprocess.run(
            ["git", "-C", str(root), *args],
            input=input,
            capture_output=True,
            timeout=GIT_TIMEOUT,
        )
    except FileNotFoundError:
        raise GitError("git is not installed (needed for --to-ref)") from None
    except (OSError, subprocess.SubprocessError) as exc:
        raise GitError(f"git {args[0]} failed: {exc}") from None
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(message[-1] if message else f"git {args[0]} exited {proc.returncode}")
    return proc.stdout


@dataclass
class RefMigrations:
    """The migrations of the project at a commit."""

    ref: str
    commit: str
    infos: dict[MigrationKey, MigrationInfo]
    #: Leaf migrations of each of the project's apps at that commit.
    leaves: list[MigrationKey] = field(default_factory=list)
    #: Apps with migrations now that had none at that commit.
    new_apps: list[str] = field(default_factory=list)


def migrations_at(project: Project, ref: str) -> RefMigrations:
    """The project's own migrations as they were at ``ref``."""
    root = project.root
    top = Path(_git(root, "rev-parse", "--show-toplevel").decode().strip())
    try:
        commit = _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").decode()
    except GitError:
        raise GitError(f"unknown git revision {ref!r}") from None
    commit = commit.strip()
    prefix = os.path.relpath(root.resolve(), top.resolve())
    spec = [] if prefix == "." else ["--", prefix]
    listing = _git(top, "ls-tree", "-r", "-z", "--full-tree", commit, *spec)

    # The current files, by path relative to the top of the repository.
    now: dict[str, MigrationInfo] = {}
    folders: dict[str, str] = {}  # migrations folder -> app label, as today
    for key in project.own:
        info = project.infos[key]
        rel = PurePosixPath(Path(os.path.relpath(Path(info.path).resolve(), top.resolve())))
        now[rel.as_posix()] = info
        folders[rel.parent.as_posix()] = key[0]

    infos: dict[MigrationKey, MigrationInfo] = {}
    to_read: list[tuple[str, str, str, str]] = []  # (blob, path, label, name)
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, _, raw_path = entry.partition(b"\t")
        parts = meta.split()
        if len(parts) != 3 or parts[1] != b"blob":
            continue
        path = raw_path.decode("utf-8", "surrogateescape")
        blob = parts[2].decode()
        pure = PurePosixPath(path)
        label = _label_for(pure, folders)
        if label is None:
            continue
        current = now.get(path)
        if current is not None and current.blob == blob:
            infos[current.key] = current
        else:
            to_read.append((blob, str(top / path), label, pure.stem))
    contents = _blobs(top, [t[0] for t in to_read])
    for (_, path, label, name), data in zip(to_read, contents, strict=True):
        info = read_migration(path, label, name, data)
        if info.is_migration:
            infos[info.key] = info

    own_apps = {key[0] for key in project.own}
    external = {k: v for k, v in project.infos.items() if k[0] not in own_apps and v.is_migration}
    loaded = build_graph(
        {**external, **infos},
        migrated_apps=project.migrated_apps,
        unmigrated_apps=project.unmigrated_apps,
        setting=project.setting,
    )
    leaves = [key for key in loaded.graph.leaf_nodes() if key[0] in own_apps]
    had = {key[0] for key in infos}
    return RefMigrations(ref, commit, infos, leaves, sorted(own_apps - had))


def _label_for(path: PurePosixPath, folders: dict[str, str]) -> str | None:
    """The app label of a file at the commit, if it is a migration module: the label of
    its folder today, else the folder above ``migrations``."""
    name = path.name
    if not name.endswith(".py") or name[0] in "_~" or name.count(".") != 1:
        return None
    folder = path.parent.as_posix()
    if folder in folders:
        return folders[folder]
    if path.parent.name != "migrations" or len(path.parts) < 3:
        return None
    return path.parent.parent.name


def _blobs(top: Path, blobs: list[str]) -> list[bytes]:
    """The contents of ``blobs``, in order, from one ``git cat-file --batch``."""
    if not blobs:
        return []
    out = _git(top, "cat-file", "--batch", input=("\n".join(blobs) + "\n").encode())
    contents, offset = [], 0
    for _ in blobs:
        end = out.index(b"\n", offset)
        header = out[offset:end].split()
        if len(header) != 3:  # "<id> missing"
            contents.append(b"")
            offset = end + 1
            continue
        size = int(header[2])
        contents.append(out[end + 1 : end + 1 + size])
        offset = end + 1 + size + 1
    return contents
