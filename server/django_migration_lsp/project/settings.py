"""Django settings, read statically: the few values the project layer needs.

``MIGRATION_MODULES`` (migration packages that are not called ``migrations``),
``AUTH_USER_MODEL`` (what ``migrations.swappable_dependency(settings.AUTH_USER_MODEL)``
means) and ``INSTALLED_APPS`` (which apps exist, third-party ones included).

Settings modules are found by name under a project root (``settings.py``,
``settings/*.py``, ``*/settings*.py``, a few folders deep) and parsed with ``ast``; only
literal values and simple compositions of them are understood (``A + B`` of lists,
``+=``, ``X["k"] = v``, ``X.update({...})``, ``X.append(v)``/``X.extend([...])`` and
names bound to literals in the same module). A settings module is never imported:
anything computed at run time is unknown, and the defaults apply.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..files import SkippedFile, read_source

#: Folders never searched for settings (the CLI's walk skips the same).
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "env",
        "node_modules",
        "site-packages",
        "build",
        "dist",
        ".tox",
        ".nox",
        "__pycache__",
        "migrations",
        "tests",
        "static",
        "media",
        "templates",
    }
)
#: How many folders below the root a settings module may sit (``src/proj/settings/base.py``).
MAX_DEPTH = 4
#: Settings modules larger than this are not read (bytes).
MAX_BYTES = 2_000_000
DEFAULT_AUTH_USER_MODEL = "auth.User"

_UNKNOWN = object()


@dataclass
class Settings:
    """What the settings modules under a root say, merged.

    ``migration_modules`` maps an app label to a dotted module, or to ``None`` (the app
    has no migrations). ``auth_user_model`` is ``None`` when no module sets it (Django's
    default ``auth.User`` applies: see :attr:`user_model`) or when modules disagree
    (then :attr:`conflicts` says so).
    """

    migration_modules: dict[str, str | None] = field(default_factory=dict)
    auth_user_model: str | None = None
    installed_apps: tuple[str, ...] = ()
    #: The settings modules read, in the order they were merged.
    sources: tuple[Path, ...] = ()
    #: Human-readable notes about values that could not be merged.
    conflicts: tuple[str, ...] = ()

    @property
    def user_model(self) -> str:
        return self.auth_user_model or DEFAULT_AUTH_USER_MODEL


def is_settings_module(path: Path) -> bool:
    """``settings.py``, ``settings_dev.py``, ``settings/base.py``, ``settings/__init__.py``."""
    name = path.name
    if not name.endswith(".py"):
        return False
    return name.startswith("settings") or path.parent.name == "settings"


def find_settings_modules(root: Path) -> list[Path]:
    """Settings modules under ``root``, shallowest first, then by name."""
    found: list[Path] = []
    root = Path(root)
    for folder, dirs, files in os.walk(root):
        depth = len(Path(folder).relative_to(root).parts)
        if depth >= MAX_DEPTH:
            dirs[:] = []
        else:
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        for name in sorted(files):
            path = Path(folder) / name
            if is_settings_module(path):
                try:
                    st = path.stat()
                except OSError:
                    continue
                if os.path.isfile(path) and st.st_size <= MAX_BYTES:
                    found.append(path)
    found.sort(key=lambda p: (len(p.relative_to(root).parts), str(p)))
    return found


class _Module:
    """The literal values one settings module binds at its top level."""

    def __init__(self, tree: ast.Module) -> None:
        self.values: dict[str, object] = {}
        for stmt in tree.body:
            self._statement(stmt)

    def literal(self, node: ast.expr) -> object:
        """A literal (or a composition of literals and known names), else ``_UNKNOWN``."""
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, (ast.List, ast.Tuple)):
            items = [self.literal(e) for e in node.elts if not isinstance(e, ast.Starred)]
            starred = [self.literal(e.value) for e in node.elts if isinstance(e, ast.Starred)]
            if _UNKNOWN in items or any(not isinstance(s, list) for s in starred):
                # Keep what is known: an unknown entry does not hide the others.
                items = [i for i in items if i is not _UNKNOWN]
            for s in starred:
                if isinstance(s, list):
                    items.extend(s)
            return items
        if isinstance(node, ast.Dict):
            out: dict[object, object] = {}
            for key, value in zip(node.keys, node.values, strict=True):
                if key is None:  # {**other}
                    other = self.literal(value)
                    if isinstance(other, dict):
                        out.update(other)
                    continue
                k = self.literal(key)
                if k is not _UNKNOWN:
                    out[k] = self.literal(value)
            return out
        if isinstance(node, ast.Name):
            return self.values.get(node.id, _UNKNOWN)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.BitOr)):
            left, right = self.literal(node.left), self.literal(node.right)
            if isinstance(left, list) and isinstance(right, list):
                return left + right
            if isinstance(left, dict) and isinstance(right, dict):
                return {**left, **right}
            if isinstance(left, list) or isinstance(right, list):  # keep the known part
                return [*_as_list(left), *_as_list(right)]
        return _UNKNOWN

    def _statement(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, ast.Assign):
            value = self.literal(stmt.value)
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    self.values[target.id] = value
                elif (
                    isinstance(target, ast.Subscript)
                    and isinstance(target.value, ast.Name)
                    and isinstance(self.values.get(target.value.id), dict)
                ):
                    key = self.literal(target.slice)
                    if key is not _UNKNOWN:
                        self.values[target.value.id][key] = value  # type: ignore[index]
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value:
            self.values[stmt.target.id] = self.literal(stmt.value)
        elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
            current, extra = self.values.get(stmt.target.id, _UNKNOWN), self.literal(stmt.value)
            if isinstance(current, list) and isinstance(extra, list):
                self.values[stmt.target.id] = current + extra
            elif isinstance(current, dict) and isinstance(extra, dict):
                self.values[stmt.target.id] = {**current, **extra}
        elif (
            isinstance(stmt, ast.Expr)
            and isinstance(stmt.value, ast.Call)
            and isinstance(stmt.value.func, ast.Attribute)
            and isinstance(stmt.value.func.value, ast.Name)
            and len(stmt.value.args) == 1
        ):
            name, method = stmt.value.func.value.id, stmt.value.func.attr
            current, arg = self.values.get(name), self.literal(stmt.value.args[0])
            if isinstance(current, dict) and method == "update" and isinstance(arg, dict):
                current.update(arg)
            elif isinstance(current, list) and method == "append" and arg is not _UNKNOWN:
                current.append(arg)
            elif isinstance(current, list) and method == "extend" and isinstance(arg, list):
                current.extend(arg)
        elif isinstance(stmt, (ast.If, ast.Try)):
            # Settings often branch on the environment: take what any branch says.
            for block in (stmt.body, getattr(stmt, "orelse", []), getattr(stmt, "finalbody", [])):
                for inner in block:
                    self._statement(inner)
            for handler in getattr(stmt, "handlers", []):
                for inner in handler.body:
                    self._statement(inner)


def _as_list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def read_module(path: Path) -> dict[str, object] | None:
    """The top-level literal values of one settings module; ``None`` if it cannot be read."""
    try:
        # A regular file only, of bounded size: a FIFO named settings.py never blocks.
        data = read_source(path, MAX_BYTES)
        tree = ast.parse(data, filename=str(path))
    except (OSError, SkippedFile, SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return _Module(tree).values


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, (list, tuple)):
        yield from (v for v in value if isinstance(v, str))


def read_settings(root: Path, modules: list[Path] | None = None) -> Settings:
    """Merge what the settings modules under ``root`` (or ``modules``) say."""
    paths = find_settings_modules(root) if modules is None else modules
    settings = Settings()
    users: dict[str, Path] = {}
    apps: list[str] = []
    sources: list[Path] = []
    for path in paths:
        values = read_module(path)
        if values is None:
            continue
        used = False
        mm = values.get("MIGRATION_MODULES")
        if isinstance(mm, dict):
            for label, module in mm.items():
                if isinstance(label, str) and (module is None or isinstance(module, str)):
                    settings.migration_modules.setdefault(label, module)
                    used = True
        user = values.get("AUTH_USER_MODEL")
        if isinstance(user, str) and user.count(".") == 1:
            users.setdefault(user, path)
            used = True
        for app in _strings(values.get("INSTALLED_APPS")):
            if app not in apps:
                apps.append(app)
            used = True
        if used:
            sources.append(path)
    if len(users) == 1:
        settings.auth_user_model = next(iter(users))
    elif users:
        settings.conflicts = (
            "AUTH_USER_MODEL differs between settings modules: "
            + ", ".join(f"{u} in {p}" for u, p in users.items()),
        )
    settings.installed_apps = tuple(apps)
    settings.sources = tuple(sources)
    return settings
