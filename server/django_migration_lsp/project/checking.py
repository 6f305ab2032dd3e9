"""The project view for ``check``: built once, only when a selected rule needs it.

``check`` calls :func:`build` with the files it is about to analyse. The project is
built (every migration read, the graph's links made) only when one of the selected rules
declares ``needs_project`` and one of those files could use it (its bytes hold the rule's
trigger words, and ``Rule.could_use_project`` does not rule it out): otherwise ``check``
stays the per-file pass it always was, and Django is not even imported.

What it costs, and where it runs:

* the bytes of the files to check are read once, here; they are kept (:func:`data_of`)
  for the per-file pass, whose forked workers inherit them instead of reading again;
* the project's migration files are read and parsed on every core (``parallel``, the
  same forked workers), each file once (the bytes already read are reused);
* the graph's links are plain data built without Django (:mod:`.links`), so a ``check``
  whose rules ask only the graph (DJM007) never imports Django;
* when a file may ask the historical state (a rule that ``asks_state``: DJM005's
  ``RemoveField``), Django is imported in this process while the workers read the
  files, and Django's graph is built here, once: the per-file pass's workers inherit
  both. The state is not replayed here: :attr:`View.groups` lists those files by the
  replays that answer them (one set of apps, see :meth:`.model.Project.apps_for`),
  most costly first, and ``check`` gives each group to one worker, which replays it as
  its files ask, once, while the other workers check the rest.

The view is held per process: :func:`install` sets it (in the main process, and in each
worker as the ``ProcessPoolExecutor`` initializer, which pickles the project once per
worker) and :func:`current` is what ``analyze(..., project=...)`` gets. :func:`take_notes`
hands back what the rules asked about that could not be found ("app `ledger` is neither
in the project nor in the environment"), to be said once.

The root is the nearest folder at or above the first path named that holds
``manage.py``; without one, the folder named (or the nearest folder with
``pyproject.toml`` or ``.git`` above a file named).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

_CURRENT: list[Any] = [None]  # this process's project view (a list: no `global` needed)
#: The bytes :func:`build` read, by absolute path (forked workers inherit them).
_DATA: dict[str, bytes] = {}
#: At least this many project files per worker process when they are read in parallel
#: (about a quarter of a millisecond each: parsed).
FILES_PER_READER = 50

#: ``parallel(fn, items, workers, parent_first)``: ``fn`` over chunks of ``items`` on up
#: to ``workers`` processes, the results concatenated in order (see ``cli.parallel``).
Parallel = Callable[[Callable[[Sequence[Any]], list[Any]], Sequence[Any], int, Any], list[Any]]


class View:
    """The project a ``check`` needs, and how its state questions are best shared out."""

    def __init__(self, project: Any, groups: list[list[str]]) -> None:
        self.project = project
        #: The files that may ask the historical state, one list per set of apps whose
        #: replays answer them, the longest first.
        self.groups = groups


def build(
    paths: Sequence[Path],
    files: Iterable[tuple[str, bytes | None, Any]],
    rule_sets: Mapping[Any, Sequence[Any]],
    *,
    parallel: Parallel | None = None,
    workers: int = 1,
    share: bool = False,
) -> View | None:
    """The project for a ``check`` of ``paths``, or ``None`` when no rule needs it.

    ``files`` are ``check``'s files (path, bytes read or ``None``, codes); ``rule_sets``
    the rules selected for each codes. ``parallel`` and ``workers``: how to read the
    project's files on several cores; ``share``: the workers of the per-file pass are
    forked from this process (they inherit what it read).
    """
    _DATA.clear()
    needing = {r.code: r for rules in rule_sets.values() for r in rules if r.needs_project}
    if not needing or not paths:
        return None
    asking: list[str] = []
    stateful: list[str] = []
    for path, data, *_ in files:
        if data is None:
            continue
        _DATA[os.path.abspath(path)] = data
        using = [
            r
            for r in needing.values()
            if (not r.triggers or any(t in data for t in r.triggers))
            and r.could_use_project(path, data)
        ]
        if using:
            asking.append(path)
        if any(r.asks_state for r in using):
            stateful.append(path)
    if not asking:
        _DATA.clear()
        return None
    from .model import find_root, load_project
    from .settings import read_settings

    root = find_root(paths[0], named=True)
    settings = read_settings(root)
    ahead: dict[str, tuple[str, Any]] = {}  # operations read ahead, by path
    reader = _reader(parallel, workers, stateful, settings.user_model, ahead, share)
    project = load_project(root, settings=settings, read=reader)
    project.take_operations(ahead)
    project.expect(asking)  # the files that may ask the state: their apps replay together
    return View(project, _groups(project, stateful) if stateful else [])


def data_of(path: str) -> bytes | None:
    """The bytes :func:`build` read for ``path`` (``None``: read it)."""
    return _DATA.get(os.path.abspath(path)) if _DATA else None


def _reader(
    parallel: Parallel | None,
    workers: int,
    stateful: Sequence[str],
    user_model: str,
    ahead: dict[str, tuple[str, Any]],
    share: bool,
):
    """The :data:`.model.FileReader` for ``load_project``: the files' infos on every
    core, the bytes already read reused. When files may ask the state, this process
    meanwhile imports Django and (``share``: the workers inherit what it reads) reads
    into ``ahead`` the operations the replays will need first: those of the apps of
    those files, up to the last of them in each app."""
    from .model import read_files

    def read(files: Sequence[tuple[str, str, str]]):
        first = None
        if stateful:
            last: dict[str, str] = {}
            asking = {os.path.abspath(p) for p in stateful}
            for path, label, name in files:
                if os.path.abspath(path) in asking and name > last.get(label, ""):
                    last[label] = name
            wanted = [f for f in files if f[2] <= last.get(f[1], "")] if share else []

            def first() -> None:
                _import_django()
                ahead.update(_read_operations(wanted, user_model))

        count = min(workers, len(files) // FILES_PER_READER)
        if parallel is None or count <= 1:
            if first is not None:
                first()
            return read_files(files, _DATA)
        return parallel(_read_chunk, files, count, first)

    return read


def _read_operations(
    files: Sequence[tuple[str, str, str]], user_model: str
) -> dict[str, tuple[str, Any]]:
    from .model import operations_of
    from .reader import blob_id, read_file

    found: dict[str, tuple[str, Any]] = {}
    for path, _, _ in files:
        data = _DATA.get(os.path.abspath(path))
        if data is None:
            try:
                data = read_file(path)
            except OSError:
                continue  # read again when the replay asks: it says so there
        found[path] = (blob_id(data), operations_of(path, data, user_model))
    return found


def _read_chunk(files: Sequence[tuple[str, str, str]]) -> list:
    from .model import read_files

    return read_files(files, _DATA)


def _import_django() -> None:
    """What replaying the state imports (Django's migration machinery), done while the
    project's files are read."""
    from . import loader, operations, state  # noqa: F401


def _groups(project: Any, stateful: Sequence[str]) -> list[list[str]]:
    """The files that may ask the state, by the apps whose replays answer them (both
    graphs': the one with squashes and the one without share the files' operations,
    read once), the most migrations to replay first. Django's graph is built here
    (:meth:`.model.Project.replay_of`), before the workers start, so that they share it."""
    groups: dict[frozenset[str], list[str]] = {}
    reach: dict[tuple[int, frozenset[str]], int] = {}
    for path in stateful:
        key = project.migration_of(path)
        if key is None:
            continue
        try:
            replay, length = project.replay_of(key)
        except Exception:  # the file's own analysis asks again and reports the error
            continue
        groups.setdefault(replay[1], []).append(path)
        reach[replay] = max(reach.get(replay, 0), length)
    cost: dict[frozenset[str], int] = {}
    for (_, apps), length in reach.items():
        cost[apps] = cost.get(apps, 0) + length
    return [groups[apps] for apps in sorted(groups, key=lambda apps: (-cost[apps], sorted(apps)))]


def install(project: Any | None) -> None:
    """Make ``project`` this process's view (also the worker pool's initializer)."""
    _CURRENT[0] = project


def current() -> Any | None:
    return _CURRENT[0]


def take_notes() -> list[str]:
    """What the rules could not check, in words, since the last call."""
    project = _CURRENT[0]
    notes = getattr(project, "notes", None)
    if not notes:
        return []
    out = [
        f"app `{label}` is neither in the project nor in the environment: "
        "`apps.get_model()` calls for its models were not checked (DJM007)"
        for label in sorted(notes)
    ]
    notes.clear()
    return out
