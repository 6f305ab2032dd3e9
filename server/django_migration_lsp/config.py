"""Settings from ``[tool.django-migration-lsp]`` and which files are migrations.

Shared by the CLI and the language server. Reading a pyproject.toml is the only
I/O here; nothing of the user's project is imported or executed. Which folders hold
migrations with no configuration (a ``migrations`` folder, ``MIGRATION_MODULES``, a
package that looks like one) is :mod:`django_migration_lsp.project.discovery`'s job.

.. code-block:: toml

    [tool.django-migration-lsp]
    select = ["DJM"]                  # codes or prefixes
    ignore = ["DJM002"]
    exclude = ["legacy/**"]           # globs, relative to this file's folder
    extend-include = ["dojo/db_migrations/*.py"]
    per-file-ignores = { "shop/migrations/0001_*.py" = ["DJM003"] }
    unsafe-fixes = false
    severity = { DJM003 = "error" }   # editors only: error|warning|information|hint
    max-file-size = "4MiB"            # larger files are skipped with a warning (or bytes)
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path, PurePath
from typing import Any

from .checks.base import Rule, RuleSelection
from .checks.engine import selected_rules
from .checks.registry import all_rules
from .files import DEFAULT_MAX_FILE_SIZE
from .project.discovery import Discovery


def _tomllib() -> Any:
    """``tomllib``, imported when a pyproject.toml is first read (not at start-up)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    return tomllib


SECTION = "django-migration-lsp"
SEVERITIES = ("error", "warning", "information", "hint")


class ConfigError(ValueError):
    """A configuration problem, with a message fit for a user."""


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """Translate a gitignore-like glob (``*``, ``?``, ``**``) to a regex on posix paths."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


@dataclass(frozen=True)
class Glob:
    """A glob; one without ``/`` matches a file or directory name at any depth."""

    pattern: str

    @cached_property
    def _regex(self) -> re.Pattern[str]:
        return _glob_regex(self.pattern.strip("/"))

    def matches(self, relative: PurePath) -> bool:
        parts = relative.parts
        if "/" not in self.pattern.strip("/"):
            return any(self._regex.match(part) for part in parts)
        # The path itself or any folder above it.
        return any(self._regex.match("/".join(parts[:n])) for n in range(len(parts), 0, -1))


def _str_list(value: Any, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"`{key}` must be a list of strings, got {value!r}")
    return tuple(value)


def _codes(value: Any, key: str) -> tuple[str, ...]:
    codes = tuple(c.strip().upper() for c in _str_list(value, key))
    known = tuple(all_rules())
    for code in codes:
        if code != "ALL" and not any(k.startswith(code) for k in known):
            raise ConfigError(
                f"`{key}` names an unknown rule code `{code}` (known: {', '.join(known)})"
            )
    return codes


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] = ("DJM",)
    ignore: tuple[str, ...] = ()
    exclude: tuple[Glob, ...] = ()
    extend_include: tuple[Glob, ...] = ()
    per_file_ignores: tuple[tuple[Glob, tuple[str, ...]], ...] = ()
    unsafe_fixes: bool = False
    severity: Mapping[str, str] = field(default_factory=dict)
    #: Files larger than this many bytes are not read (a warning says so).
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    #: Folder that globs are relative to (the pyproject.toml's folder).
    root: Path | None = None
    #: The file the settings came from, if any.
    path: Path | None = None

    @cached_property
    def _root_prefix(self) -> str | None:
        return os.path.join(os.path.abspath(self.root), "") if self.root is not None else None

    def relative(self, path: Path) -> PurePath:
        """``path`` relative to :attr:`root` (lexically: no file-system calls)."""
        prefix = self._root_prefix
        absolute = os.path.abspath(path)
        if prefix is not None:
            if absolute.startswith(prefix):
                return PurePath(absolute[len(prefix) :])
            try:  # the root or the path was reached through a symbolic link
                return path.resolve().relative_to(Path(prefix).resolve())
            except (ValueError, OSError):
                pass
        return PurePath(absolute)

    def is_excluded(self, path: Path) -> bool:
        if not self.exclude:
            return False
        rel = self.relative(path)
        return any(g.matches(rel) for g in self.exclude)

    @cached_property
    def discovery(self) -> Discovery:
        """Where the migrations are: settings and folder verdicts, cached for this config."""
        return Discovery(self)

    def is_migration(self, path: Path) -> bool:
        """``*.py`` (not ``__init__.py``) under a ``migrations`` folder, in a package that
        ``MIGRATION_MODULES`` names or that looks like migrations, or an extra glob."""
        if path.suffix != ".py" or path.name == "__init__.py":
            return False
        rel = self.relative(path)
        if (
            "migrations" in rel.parts[:-1]
            or any(g.matches(rel) for g in self.extend_include)
            or self.discovery.found_by(path.parent) is not None
        ):
            return not self.is_excluded(path)
        return False

    def selection_for(self, path: Path | None) -> RuleSelection:
        ignore = list(self.ignore)
        if path is not None and self.per_file_ignores:
            rel = self.relative(path)
            for glob, codes in self.per_file_ignores:
                if glob.matches(rel):
                    ignore.extend(codes)
        return RuleSelection(self.select, tuple(ignore))

    def rules_for(self, path: Path | None) -> list[Rule]:
        return selected_rules(self.selection_for(path))

    def with_overrides(self, **changes: Any) -> Config:
        return replace(self, **changes)


def parse_config(
    table: Mapping[str, Any], root: Path | None = None, path: Path | None = None
) -> Config:
    """Build a :class:`Config` from a ``[tool.django-migration-lsp]`` table."""
    if not isinstance(table, Mapping):
        raise ConfigError(f"[tool.{SECTION}] must be a table")
    kwargs: dict[str, Any] = {"root": root, "path": path}
    for key, value in table.items():
        if key == "select":
            kwargs["select"] = _codes(value, key)
        elif key == "ignore":
            kwargs["ignore"] = _codes(value, key)
        elif key == "exclude":
            kwargs["exclude"] = tuple(Glob(p) for p in _str_list(value, key))
        elif key == "extend-include":
            kwargs["extend_include"] = tuple(Glob(p) for p in _str_list(value, key))
        elif key == "per-file-ignores":
            if not isinstance(value, Mapping):
                raise ConfigError("`per-file-ignores` must be a table of glob = [codes]")
            kwargs["per_file_ignores"] = tuple(
                (Glob(glob), _codes(codes, f"per-file-ignores.{glob}"))
                for glob, codes in value.items()
            )
        elif key == "unsafe-fixes":
            if not isinstance(value, bool):
                raise ConfigError(f"`unsafe-fixes` must be true or false, got {value!r}")
            kwargs["unsafe_fixes"] = value
        elif key == "severity":
            kwargs["severity"] = parse_severity(value)
        elif key == "max-file-size":
            kwargs["max_file_size"] = parse_size(value)
        else:
            raise ConfigError(f"unknown setting `{key}` in [tool.{SECTION}]")
    return Config(**kwargs)


def parse_severity(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise ConfigError("`severity` must be a table of CODE = level")
    out = {}
    for code, level in value.items():
        _codes([code], "severity")
        if not isinstance(level, str) or level.lower() not in SEVERITIES:
            raise ConfigError(
                f"severity of {code} must be one of {', '.join(SEVERITIES)}, got {level!r}"
            )
        out[code.upper()] = level.lower()
    return out


_SIZE = re.compile(r"(?i)\s*(\d+)\s*(|b|kb|kib|mb|mib|gb|gib)\s*")
_UNITS = {"": 1, "b": 1, "kb": 10**3, "kib": 2**10, "mb": 10**6, "mib": 2**20}
_UNITS |= {"gb": 10**9, "gib": 2**30}


def parse_size(value: Any) -> int:
    """``max-file-size``: a number of bytes, or a string such as ``"4MB"`` or ``"512KiB"``."""
    m = _SIZE.fullmatch(value) if isinstance(value, str) else None
    if isinstance(value, int) and not isinstance(value, bool):
        size = value
    elif m is not None:
        size = int(m.group(1)) * _UNITS[m.group(2).lower()]
    else:
        raise ConfigError(
            f'`max-file-size` must be a number of bytes or a size like "4MB", got {value!r}'
        )
    if size <= 0:
        raise ConfigError(f"`max-file-size` must be positive, got {value!r}")
    return size


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above ``start`` that has our section."""
    here = start if start.is_dir() else start.parent
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                data = _tomllib().loads(candidate.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, _tomllib().TOMLDecodeError):
                return candidate  # let load_config report it
            if SECTION in data.get("tool", {}):
                return candidate
    return None


def load_config(start: Path) -> Config:
    """Settings for files at or below ``start``; defaults when none are found."""
    pyproject = find_pyproject(start.resolve())
    if pyproject is None:
        return Config(root=(start if start.is_dir() else start.parent).resolve())
    return load_pyproject(pyproject)


def load_pyproject(pyproject: Path) -> Config:
    try:
        data = _tomllib().loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {pyproject}: {exc}") from None
    except _tomllib().TOMLDecodeError as exc:
        raise ConfigError(f"{pyproject} is not valid TOML: {exc}") from None
    table = data.get("tool", {}).get(SECTION, {})
    try:
        return parse_config(table, pyproject.parent, pyproject)
    except ConfigError as exc:
        raise ConfigError(f"{pyproject}: {exc}") from None


def iter_migration_files(paths: Iterable[Path], config: Config) -> Iterator[Path]:
    """Migration files named by ``paths``: files named explicitly, and walks of folders.

    A file named explicitly is always yielded. Walks skip VCS, virtualenv and
    build folders and ``exclude`` globs, and do not follow symbolic links to
    folders (no loops); they find migrations as :meth:`Config.is_migration` does,
    deciding once per folder.
    """
    for file in iter_migration_paths(paths, config):
        yield Path(file)


def iter_migration_paths(paths: Iterable[Path], config: Config) -> Iterator[str]:
    """:func:`iter_migration_files` as text (``str(path)`` of each), with no path object
    per file: what the CLI walks a whole repository with."""
    seen: set[str] = set()
    for path in paths:
        if not path.is_dir():
            file = str(path)
            if file not in seen:
                seen.add(file)
                yield file
            continue
        relative = _folder_relatives(config, path)
        for folder, files, found_by in config.discovery.walk_folders(path):
            names = [n for n in files if n.endswith(".py") and n != "__init__.py"]
            if not names:
                continue
            # Every file of a migrations folder, else those an ``extend-include`` names.
            whole = found_by is not None or "migrations" in relative(folder)
            if not whole and not config.extend_include:
                continue
            globs = config.exclude or not whole
            for name in names:
                file = os.path.join(folder, name)
                if file in seen:
                    continue
                if not globs:
                    seen.add(file)
                    yield file
                    continue
                rel = config.relative(Path(file))
                if not whole and not any(g.matches(rel) for g in config.extend_include):
                    continue
                if any(g.matches(rel) for g in config.exclude):
                    continue
                seen.add(file)
                yield file


def _folder_relatives(config: Config, root: Path) -> Callable[[str], tuple[str, ...]]:
    """The parts of :meth:`Config.relative` of each folder that a walk of ``root`` yields,
    with at most one resolution of symbolic links for the whole walk (not one per folder).

    A folder that is not lexically under the configuration's root (``check /abs/path``
    run from another folder) is resolved by :meth:`Config.relative`. A walk does not
    follow symbolic links to folders, so below ``root`` a folder's resolved path is
    ``root``'s, resolved once, joined with its own path below ``root``.
    """
    prefix = config._root_prefix
    if prefix is None or os.name == "nt":  # (Windows: case-insensitive; no shortcut)
        return lambda folder: config.relative(Path(folder)).parts
    top = os.path.abspath(root)
    below_top = top if top.endswith(os.sep) else top + os.sep
    resolved: list[str] = []

    def parts(path: str) -> tuple[str, ...]:  # PurePath(path).parts, for a normalised path
        return tuple(p for p in path.split(os.sep) if p) if path else ()

    def relative(folder: str) -> tuple[str, ...]:
        absolute = os.path.abspath(folder)
        if absolute.startswith(prefix):
            return parts(absolute[len(prefix) :])
        if absolute != top and not absolute.startswith(below_top):
            return config.relative(Path(folder)).parts  # not a folder of this walk
        if not resolved:
            resolved.extend((os.path.realpath(prefix), os.path.realpath(top)))
        real_root, real_top = resolved
        real = os.path.join(real_top, absolute[len(below_top) :]) if absolute != top else real_top
        if real == real_root:
            return ()
        below_root = real_root if real_root.endswith(os.sep) else real_root + os.sep
        if real.startswith(below_root):
            return parts(real[len(below_root) :])
        return PurePath(absolute).parts

    return relative
