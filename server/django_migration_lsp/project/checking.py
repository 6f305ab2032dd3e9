"""The project view for ``check``: built once, only when a selected rule needs it.

``check`` calls :func:`build` with the files it is about to analyse. The project is
built (every migration read, the graph made) only when one of the selected rules
declares ``needs_project`` and one of those files could use it (its bytes hold the rule's
trigger words, and ``Rule.could_use_project`` does not rule it out): otherwise ``check``
stays the per-file pass it always was, and Django is not even imported.

The files that could use it are handed to :meth:`.model.Project.expect`: the apps whose
replays of the historical state would share apps are replayed together. Those that a rule
which ``asks_state`` could use (DJM005: a ``RemoveField``) get their state replayed here,
once (:meth:`.model.Project.prepare`): the answers travel with the pickled project, and
the workers answer from them without importing Django or replaying it again each.

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

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

_CURRENT: list[Any] = [None]  # this process's project view (a list: no `global` needed)


def build(
    paths: Sequence[Path],
    files: Iterable[tuple[str, bytes | None, Any, Any]],
    rule_sets: Mapping[Any, Sequence[Any]],
) -> Any | None:
    """The project for a ``check`` of ``paths``, or ``None`` when no rule needs it.

    ``files`` are ``check``'s jobs (path, bytes read, ...); ``rule_sets`` the rules
    selected for them.
    """
    needing = {r.code: r for rules in rule_sets.values() for r in rules if r.needs_project}
    if not needing or not paths:
        return None
    asking: list[str] = []
    stateful: list[str] = []
    for path, data, *_ in files:
        if data is None:
            continue
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
        return None
    from .model import find_root, load_project

    project = load_project(find_root(paths[0], named=True))
    project.expect(asking)  # the files that may ask the state: their apps replay together
    if stateful:
        try:
            project.prepare(stateful)  # replayed once here; the answers travel to the workers
        except Exception:
            # Only a head start: each file's analysis asks again, and an error there is
            # reported for that file (``check``'s "internal error while checking").
            project.__dict__.pop("_states", None)
    return project


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
