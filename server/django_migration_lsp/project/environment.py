"""Where the installed apps' migrations are: the folders of an interpreter's ``sys.path``.

A project's migrations depend on apps it does not contain (``django.contrib.auth``,
django-constance, ...). Their migration files are read from the environment that runs
the project, statically like the project's own:

* by default the environment this tool runs in (its ``sys.path``);
* with ``--python``, another interpreter's: it is run once as
  ``python -c 'import sys, json; print(json.dumps(sys.path))'``. Running the
  interpreter is all: nothing of the project is imported, and a package is found by
  looking for its folder on those paths, never by importing it.

:func:`find_app` turns an app label into its package and migrations folder, from the
``INSTALLED_APPS`` entries read from the settings (``"constance"``,
``"shop.apps.ShopConfig"``) and ``MIGRATION_MODULES``, else by trying
``django.contrib.<label>`` and a top-level ``<label>`` package.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..checks.other_files import app_label as package_label
from ..checks.other_files import class_constants, module_class
from .reader import read_file

#: How long an interpreter named with ``--python`` may take to print its ``sys.path``.
PYTHON_TIMEOUT = 30
PROBE = "import sys, json; print(json.dumps(sys.path))"


class InterpreterError(Exception):
    """An interpreter that cannot tell its ``sys.path``; the message is for the user."""


@dataclass(frozen=True)
class App:
    """An app found in the environment (or the project), read statically."""

    label: str
    #: The app's dotted package (``"django.contrib.auth"``).
    package: str
    #: The migrations package's folder, ``None`` for an app without migrations.
    migrations: Path | None
    #: The dotted migrations module (``"constance.migrations"``), if any.
    migrations_module: str | None = None


@dataclass(frozen=True)
class Environment:
    """The folders that packages are looked up in, in ``sys.path`` order."""

    paths: tuple[str, ...]
    #: The interpreter these paths come from (``None``: this tool's own).
    python: str | None = None

    @classmethod
    def current(cls) -> Environment:
        return cls(_usable(sys.path))

    @classmethod
    def of_python(cls, python: str, cwd: Path | None = None) -> Environment:
        """The ``sys.path`` of another interpreter (a virtualenv's ``bin/python``)."""
        try:
            proc = subprocess.run(
                [python, "-c", PROBE],
                capture_output=True,
                text=True,
                timeout=PYTHON_TIMEOUT,
                cwd=cwd,
                env={k: v for k, v in os.environ.items() if k != "PYTHONSTARTUP"},
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise InterpreterError(f"cannot run {python}: {exc}") from None
        try:
            paths = json.loads(proc.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            paths = None
        if proc.returncode != 0 or not isinstance(paths, list):
            detail = (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]
            raise InterpreterError(f"{python} did not print its sys.path: {detail}")
        return cls(_usable(p for p in paths if isinstance(p, str)), python)

    def with_paths(self, extra: Sequence[str]) -> Environment:
        return Environment((*_usable(extra), *self.paths), self.python)

    # -- lookups -------------------------------------------------------------

    def package_dir(self, dotted: str, first: Sequence[Path] = ()) -> Path | None:
        """The folder of package ``dotted`` in ``first`` then the environment's paths."""
        parts = dotted.split(".")
        namespace = None
        for base in (*first, *map(Path, self.paths)):
            folder = base.joinpath(*parts)
            if (folder / "__init__.py").is_file():
                return folder
            if namespace is None and folder.is_dir():
                namespace = folder  # a namespace package, if no regular one comes later
        return namespace

    def module_file(self, dotted: str, first: Sequence[Path] = ()) -> Path | None:
        """The file of module ``dotted`` (``x/y.py`` or a package's ``__init__.py``)."""
        parts = dotted.split(".")
        for base in (*first, *map(Path, self.paths)):
            candidate = base.joinpath(*parts[:-1], parts[-1] + ".py")
            if candidate.is_file():
                return candidate
            init = base.joinpath(*parts, "__init__.py")
            if init.is_file():
                return init
        return None

    def django_version(self) -> tuple[int, ...] | None:
        """``django.VERSION`` of the Django this environment has, read statically."""
        path = self.module_file("django")
        if path is None or path.name != "__init__.py":
            return None
        try:
            tree = ast.parse(read_file(path))
        except (OSError, SyntaxError, ValueError):
            return None
        for stmt in tree.body:
            if (
                isinstance(stmt, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "VERSION" for t in stmt.targets)
                and isinstance(stmt.value, ast.Tuple)
            ):
                numbers = []
                for element in stmt.value.elts:
                    if not (isinstance(element, ast.Constant) and isinstance(element.value, int)):
                        break
                    numbers.append(element.value)
                return tuple(numbers) or None
        return None

    def installed_app(self, entry: str, first: Sequence[Path] = ()) -> tuple[str, str] | None:
        """``(label, package)`` of one ``INSTALLED_APPS`` entry, read statically.

        ``"constance"`` is a package: its label is its ``apps.py`` AppConfig's ``label``, else
        its last name. ``"shop.apps.ShopConfig"`` names an AppConfig class: its ``name`` is the
        package and its ``label`` (else the package's last name) the label.
        """
        folder = self.package_dir(entry, first)
        if folder is not None:
            return package_label(entry, str(folder / "__init__.py")), entry
        module, _, cls = entry.rpartition(".")
        path = self.module_file(module, first) if module else None
        if path is None:
            return None
        found = module_class(module, cls, str(path))
        if found is None:
            return None
        values = class_constants(found[0])
        name, label = values.get("name"), values.get("label")
        package = name if isinstance(name, str) and name else module.rpartition(".")[0] or module
        if not (isinstance(label, str) and label):
            label = package.rpartition(".")[2]
        return label, package


def _usable(paths: Iterable[str]) -> tuple[str, ...]:
    """Existing folders, absolute, each once; '' (the current folder) and zip files dropped."""
    seen: dict[str, None] = {}
    for path in paths:
        if not path:
            continue
        absolute = os.path.abspath(path)
        if absolute not in seen and os.path.isdir(absolute):
            seen[absolute] = None
    return tuple(seen)


def find_app(
    label: str,
    environment: Environment,
    *,
    installed: dict[str, str],
    migration_modules: dict[str, str | None],
    first: Sequence[Path] = (),
) -> App | None:
    """Where app ``label`` and its migrations are, or ``None`` when it cannot be found.

    ``installed`` maps labels to packages (the ``INSTALLED_APPS`` entries already read);
    without an entry for ``label``, ``django.contrib.<label>`` and ``<label>`` are tried.
    """
    package = installed.get(label)
    if package is None:
        for candidate in (f"django.contrib.{label}", label):
            if environment.package_dir(candidate, first) is not None:
                found = environment.installed_app(candidate, first)
                if found is not None and found[0] == label:
                    package = candidate
                    break
    if package is None:
        return None
    if label in migration_modules:
        module = migration_modules[label]
    else:
        module = f"{package}.migrations"
    folder = environment.package_dir(module, first) if module else None
    return App(label, package, folder, module if folder is not None else None)


def migration_names(folder: Path) -> list[str]:
    """The migration modules of a migrations package, as Django's loader lists them:
    ``*.py`` modules whose names do not start with ``_`` or ``~``."""
    try:
        entries = sorted(os.listdir(folder))
    except OSError:
        return []
    names = []
    for entry in entries:
        stem, dot, ext = entry.rpartition(".")
        if dot and ext == "py" and stem and stem[0] not in "_~" and "." not in stem:
            if (folder / entry).is_file():
                names.append(stem)
    return names
