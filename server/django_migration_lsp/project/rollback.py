"""What ``manage.py migrate APP TARGET`` unapplies, in which order, and where it stops.

The steps are Django's: ``MigrationExecutor.migration_plan`` for a backwards target,
mirrored on the project's graph with every migration on disk applied (a fresh deploy
of the current code): for ``migrate shop 0002``, the target's children in its own app
and, for each, ``graph.backwards_plan`` (every migration that depends on it, dependents
first); for ``zero``, the app's root nodes. ``--to-ref`` targets the leaf migrations
that a commit had (:func:`ref_targets`).

Each step gets a verdict from the rules' findings on its file, through :data:`VERDICTS`
(rule code -> verdict), and from an ``unapply()`` override:

* ``ok``: the reverse runs and undoes the migration;
* ``lossy``: the reverse runs but loses data (DJM004: a no-op reverse after a forward
  that destroys data; an ``unapply()`` that undoes nothing);
* ``fails``: the reverse raises on a database with rows, and passes on an empty one
  (DJM005: a ``RemoveField`` that re-adds a NOT NULL column without a default; an
  ``unapply()`` that raises under a condition);
* ``blocked``: the reverse cannot run: Django refuses (``IrreversibleError``: DJM001,
  DJM002, an ``unapply()`` that raises), or it raises whatever the data (DJM006: it
  always raises, or ``NameError``, or ``LookupError`` for a model not in the state).

Findings silenced with ``# noqa`` count all the same (the rollback fails whether or not
the warning is shown) and are marked ``silenced``. ``migrate`` unapplies each migration
in its own transaction, so a rollback that stops leaves the steps before the stop undone.

:func:`plan_past` answers the editor's question for one migration: what rolling back past
it means (it and everything that depends on it).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .loader import LoadedGraph
from .model import Project
from .problems import Problem
from .reader import MigrationKey

#: What a finding of each rule means for unapplying the migration it is in.
VERDICTS: dict[str, str] = {
    "DJM001": "blocked",  # RunPython without reverse_code: IrreversibleError
    "DJM002": "blocked",  # RunSQL without reverse_sql: IrreversibleError
    "DJM004": "lossy",  # a reverse that does nothing after a forward that destroys data
    "DJM005": "fails",  # RemoveField re-adds a NOT NULL column without a default
    "DJM006": "blocked",  # the reverse raises: always, NameError, LookupError
}
#: From best to worst.
ORDER = ("ok", "lossy", "fails", "blocked")
#: What an ``unapply()`` override's kind (:class:`~.reader.Unapply`) means.
UNAPPLY_VERDICTS = {"raises": "blocked", "raises-if": "fails", "noop": "lossy", "super": None}


class PlanError(Exception):
    """A target Django would refuse; the message is Django's own."""


def worst(verdicts: Iterable[str]) -> str:
    return max(verdicts, key=ORDER.index, default="ok")


@dataclass(frozen=True)
class StepFinding:
    code: str
    line: int
    message: str
    verdict: str
    #: Silenced in the file (a noqa comment) or by the configuration: the rollback fails anyway.
    silenced: bool = False


@dataclass
class Step:
    key: MigrationKey
    path: str
    verdict: str = "ok"
    findings: list[StepFinding] = field(default_factory=list)
    #: ``False`` for a migration of an installed package (read from the environment).
    own: bool = True
    #: ``atomic = False``: a failure inside it leaves part of it done.
    atomic: bool = True

    @property
    def label(self) -> str:
        return f"{self.key[0]}.{self.key[1]}"


@dataclass
class RollbackPlan:
    """The steps of one rollback, in the order Django unapplies them."""

    #: What was asked, as Django names it: ``"shop.0002_order_note"``, ``"shop.zero"``.
    target: str
    steps: list[Step]
    #: Problems of the graph that a real ``migrate`` would raise on (or that may change it).
    problems: list[Problem] = field(default_factory=list)
    #: What could not be done as asked (``--to-ref``: migrations of the commit not on disk).
    notes: list[str] = field(default_factory=list)
    #: The ``migrate`` commands that run this rollback, e.g. ``[("shop", "0002_order_note")]``.
    commands: list[tuple[str, str]] = field(default_factory=list)
    #: The plan was made on the graph without squashes (a replaced migration as target).
    unreplaced: bool = False

    @property
    def stop(self) -> int | None:
        """Index of the first step that ``fails`` or is ``blocked``: where ``migrate`` stops."""
        return next(
            (i for i, s in enumerate(self.steps) if s.verdict in ("fails", "blocked")), None
        )

    @property
    def stops_at(self) -> Step | None:
        index = self.stop
        return self.steps[index] if index is not None else None

    @property
    def outcome(self) -> str:
        """``ok``, ``lossy`` (completes, loses data) or ``blocked`` (stops half-way)."""
        if self.stop is not None:
            return "blocked"
        return "lossy" if any(s.verdict == "lossy" for s in self.steps) else "ok"

    @property
    def undone_before_stop(self) -> list[Step]:
        """The steps a real ``migrate`` has undone when it stops (none if it does not)."""
        index = self.stop
        return self.steps[:index] if index is not None else []

    @property
    def not_reached(self) -> list[Step]:
        index = self.stop
        return self.steps[index + 1 :] if index is not None else []


# -- targets, with Django's messages --------------------------------------------------


def resolve_target(project: Project, app_label: str, migration: str) -> tuple[str, str | None]:
    """``migrate APP MIGRATION``'s target: ``(app, name)`` or ``(app, None)`` for ``zero``.

    Raises :class:`PlanError` with the message ``manage.py migrate`` gives.
    """
    _refuse_conflicts(project)
    if app_label not in project.installed_labels:
        message = f"No installed app with label '{app_label}'."
        hint = sorted(
            label
            for label, package in project.app_packages.items()
            if package == app_label and label != app_label
        )
        if hint:
            message += f" Did you mean '{hint[0]}'?"
        elif any(entry.split(".")[0] == app_label for entry in project.settings.installed_apps):
            where = project.environment.python or "this tool's own environment"
            message += (
                f" (INSTALLED_APPS names it, but it is not installed in {where}: "
                "name the project's interpreter with --python)"
            )
        raise PlanError(message)
    if app_label not in project.migrated_apps:
        raise PlanError(f"App '{app_label}' does not have migrations.")
    if migration == "zero":
        return (app_label, None)
    matches = [key for key in project.migrations_of(app_label) if key[1].startswith(migration)]
    if len(matches) > 1:
        raise PlanError(
            f"More than one migration matches '{migration}' in app '{app_label}'. "
            "Please be more specific."
        )
    if not matches:
        raise PlanError(f"Cannot find a migration matching '{migration}' from app '{app_label}'.")
    return matches[0]


def _refuse_conflicts(project: Project) -> None:
    """``migrate`` refuses an app with two leaf nodes (a merge migration is missing)."""
    seen: dict[str, list[str]] = {}
    for app, name in project.graph.leaf_nodes():
        seen.setdefault(app, []).append(name)
    conflicts = {app: sorted(names) for app, names in seen.items() if len(names) > 1}
    if conflicts:
        names = "; ".join(f"{', '.join(n)} in {app}" for app, n in conflicts.items())
        raise PlanError(
            "Conflicting migrations detected; multiple leaf nodes in the migration graph: "
            f"({names}).\nTo fix them run 'python manage.py makemigrations --merge'"
        )


# -- Django's migration_plan, backwards, with everything applied ----------------------


def migration_plan(
    project: Project, targets: Sequence[tuple[str, str | None]]
) -> tuple[list[MigrationKey], bool]:
    """``MigrationExecutor.migration_plan(targets)`` when every migration is applied, and
    whether it was made on the graph without squashes (as Django 4.0+ does when a target
    is a replaced migration; Django 3.2, the environment's, raises ``KeyError`` there)."""
    cycles = [p for p in project.problems if p.kind == "cycle"]
    if cycles:
        # Django's loader refuses the graph before ``migrate`` starts (and its
        # ``backwards_plan`` would never end on it): so does the plan.
        raise PlanError(f"{cycles[0].message}: `migrate` refuses to run until it is broken.")
    version = project.environment.django_version()
    fallback = version is None or version >= (4, 0)
    for target in targets:
        if not fallback and target[1] is not None and target not in project.graph.node_map:
            squash = project.node(target)
            raise PlanError(
                f"Django {'.'.join(map(str, version or ()))} cannot migrate to a replaced "
                f"migration: `migrate` raises KeyError: {target!r}. Target the squash "
                f"({squash[0]}.{squash[1]}) or a migration after it, or upgrade to Django 4.0+."
                if squash
                else f"{target[0]}.{target[1]} is not in the graph"
            )
    return _plan(project.loaded, project, targets, replaced_fallback=fallback)


def _plan(
    loaded: LoadedGraph,
    project: Project,
    targets: Sequence[tuple[str, str | None]],
    *,
    replaced_fallback: bool,
    unapplied: frozenset[MigrationKey] = frozenset(),
) -> tuple[list[MigrationKey], bool]:
    graph = loaded.graph
    applied = (set(graph.nodes) | set(loaded.replaced_by)) - unapplied
    plan: list[MigrationKey] = []

    def unapply(start: MigrationKey) -> None:
        for key in graph.backwards_plan(start):
            if key in applied:
                plan.append(key)
                applied.discard(key)

    for target in targets:
        app, name = target
        if name is None:
            for root in graph.root_nodes():
                if root[0] == app:
                    unapply(root)
        elif target in applied:
            if replaced_fallback and target not in graph.node_map:
                # Django 4.0+: a replaced migration as target -> the graph without squashes.
                return _plan(project.unreplaced, project, targets, replaced_fallback=False)
            if target not in graph.node_map:
                continue
            next_in_app = sorted(n.key for n in graph.node_map[target].children if n[0] == app)
            for node in next_in_app:
                unapply(node)
    return plan, not replaced_fallback


def ref_targets(
    leaves: Iterable[MigrationKey], apps: Iterable[str]
) -> list[tuple[str, str | None]]:
    """The targets for ``--to-ref``: the leaf migrations a commit had, and ``zero`` for the
    apps it did not have."""
    return [*sorted(leaves), *((app, None) for app in sorted(apps))]


# -- verdicts -----------------------------------------------------------------------


def build_plan(
    project: Project,
    target: str,
    keys: Sequence[MigrationKey],
    *,
    config=None,
) -> RollbackPlan:
    """Verdicts for the steps ``keys`` (in unapply order)."""
    from ..checks.engine import analyze
    from ..checks.registry import get_rule
    from ..config import load_config

    rules = [r for r in (get_rule(code) for code in VERDICTS) if r is not None]
    # The rules that ask the project (DJM005, DJM006) see it: the plan's own graph.
    config = config if config is not None else load_config(project.root)
    steps = []
    for key in keys:
        info = project.info(key)
        path = info.path if info is not None else ""
        step = Step(key, path, own=project.is_own(key), atomic=info.atomic if info else True)
        if info is not None:
            if any(not r.triggers or set(r.triggers) & info.triggers for r in rules):
                step.findings = _findings(path, rules, analyze, config, project)
            unapply = info.unapply
            if unapply is not None and UNAPPLY_VERDICTS[unapply.kind] is not None:
                step.findings.append(_unapply_finding(unapply))
        step.verdict = worst(f.verdict for f in step.findings)
        steps.append(step)
    problems = [p for p in project.problems if p.django_refuses or p.kind == "swappable"]
    return RollbackPlan(target, steps, problems)


def _findings(path: str, rules, analyze, config, project: Project) -> list[StepFinding]:
    from ..files import SkippedFile, read_source

    try:
        data = read_source(path)  # a regular file only: never blocks on a FIFO
    except (OSError, SkippedFile) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return [StepFinding("", 1, f"cannot read {path}: {reason}", "ok")]
    return step_findings(path, data, config, project=project, rules=rules)


def step_findings(
    path: str, content: str | bytes, config=None, *, project: Project | None = None, rules=None
) -> list[StepFinding]:
    """The findings that give a step its verdict (:data:`VERDICTS`), from ``content`` (the
    file's bytes, or an editor buffer's text); silenced ones included and marked.
    ``project`` is what the rules that ask the historical state see (DJM005, DJM006)."""
    from ..checks.engine import analyze
    from ..checks.registry import get_rule

    if rules is None:
        rules = [r for r in (get_rule(code) for code in VERDICTS) if r is not None]
    analysis = analyze(content, path, rules=rules, project=project)
    selection = config.selection_for(Path(path)) if config is not None else None
    out = []
    for finding, silenced in [
        *((f, False) for f in analysis.findings),
        *((f, True) for f in analysis.suppressed),
    ]:
        if finding.code not in VERDICTS:
            continue
        if selection is not None and not selection.enabled(finding.code):
            silenced = True
        out.append(
            StepFinding(
                finding.code,
                finding.range.start.line,
                finding.message,
                VERDICTS[finding.code],
                silenced,
            )
        )
    out.sort(key=lambda f: (f.line, f.code))
    return out


def _unapply_finding(unapply) -> StepFinding:
    where = f"`{unapply.defined_in}.unapply()`" if unapply.defined_in else "`unapply()`"
    if unapply.kind == "raises":
        message = f"{where} raises `{unapply.raises}`: Django cannot unapply this migration"
    elif unapply.kind == "raises-if":
        message = (
            f"{where} raises `{unapply.raises}` when `{unapply.condition}`: "
            "the rollback can fail on a database with rows"
        )
    else:
        message = f"{where} does not call the base `unapply()`: the rollback is recorded, " + (
            "nothing is undone"
        )
    return StepFinding("unapply", unapply.line, message, UNAPPLY_VERDICTS[unapply.kind] or "ok")


# -- entry points -------------------------------------------------------------------


def plan(project: Project, app_label: str, migration: str, *, config=None) -> RollbackPlan:
    """``migrate APP MIGRATION`` with every migration applied, and where it stops."""
    return plan_targets(project, [resolve_target(project, app_label, migration)], config=config)


def plan_targets(
    project: Project,
    targets: Sequence[tuple[str, str | None]],
    *,
    label: str | None = None,
    config=None,
) -> RollbackPlan:
    """The plan for ``targets`` (``(app, name)``, or ``(app, None)`` for ``zero``)."""
    keys, unreplaced = migration_plan(project, targets)
    names = [(app, name if name is not None else "zero") for app, name in targets]
    result = build_plan(
        project, label or ", ".join(f"{a}.{n}" for a, n in names), keys, config=config
    )
    result.commands = names
    result.unreplaced = unreplaced
    return result


def parent_in_app(project: Project, result: RollbackPlan, key: MigrationKey) -> str:
    """The name to ``migrate --fake APP <name>`` to so that ``key`` is recorded unapplied:
    its parent in its app in the graph the plan used (``zero`` for the app's first)."""
    graph = (project.unreplaced if result.unreplaced else project.loaded).graph
    node = graph.node_map.get(key)
    parents = sorted(p.key for p in node.parents if p.key[0] == key[0]) if node else []
    return parents[-1][1] if parents else "zero"


def fake_past_stop(project: Project, result: RollbackPlan) -> tuple[str, str, list[MigrationKey]]:
    """Once the rollback has stopped: ``(app, name)`` for ``migrate --fake APP NAME``, which
    records the stop as unapplied without running it, and every migration that command
    records so (the stop, and whatever else still applied depends on NAME in that app)."""
    index = result.stop
    if index is None:
        raise ValueError("the rollback does not stop")
    stop = result.steps[index].key
    name = parent_in_app(project, result, stop)
    loaded = project.unreplaced if result.unreplaced else project.loaded
    keys, _ = _plan(
        loaded,
        project,
        [(stop[0], None if name == "zero" else name)],
        replaced_fallback=False,
        unapplied=frozenset(s.key for s in result.steps[:index]),
    )
    return stop[0], name, keys


def plan_past(project: Project, key: MigrationKey, *, config=None) -> RollbackPlan:
    """What rolling back past one migration means, for the editor's lens on its file:
    ``migrate APP <its parent in the app>`` (``zero`` for the app's first), the command
    that unapplies it; the plan lists it and everything that depends on it (and, after a
    branch, its siblings: that command unapplies them too).

    A replaced migration is planned as Django 4.0+ does, on the graph without squashes.
    """
    graph = (project.loaded if key in project.graph.nodes else project.unreplaced).graph
    node = graph.node_map.get(key)
    if node is None:
        return RollbackPlan(f"before {key[0]}.{key[1]}", [])
    parents = sorted(p.key for p in node.parents if p.key[0] == key[0])
    target = (key[0], parents[-1][1] if parents else None)
    result = plan_targets(project, [target], config=config)
    result.target = f"before {key[0]}.{key[1]}"
    return result


def relative_path(project: Project, path: str) -> str:
    """``path`` relative to the project root when inside it, else as is."""
    try:
        rel = os.path.relpath(path, project.root)
    except ValueError:
        return path
    return path if rel.startswith("..") else Path(rel).as_posix()
