"""What rolling back past one migration means, for the editor's code lens on its file.

:func:`past` is :func:`~.rollback.plan_past` for a file as an editor has it: the graph is
the project's with that file's text (:meth:`~.model.Project.with_source`), and that
step's findings come from the text too (the other steps' from their files as saved).
:class:`Past` names the worst verdict over the steps and what causes it: the first step
with that verdict and its first finding with it, or the problem for which Django's
loader refuses the whole graph (then ``migrate`` does not even start, and no plan is
made: Django's ``backwards_plan`` never ends on a cycle).

The problems that count as a refusal are a cycle, and a missing dependency or a file
that does not load among the project's own migrations. A dependency on an app that the
server's environment does not have is more likely a package missing there than in the
project's: that edge is left out, as ``plan`` does (with a warning).
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import Project
from .problems import Problem
from .reader import MigrationKey
from .references import SPECIAL
from .rollback import RollbackPlan, Step, StepFinding, plan_past, step_findings, worst

#: ``Step.findings`` that come from the migration class, not from the rules.
UNAPPLY = "unapply"


@dataclass
class Past:
    """The rollback past one migration, and why it is what it is."""

    key: MigrationKey
    plan: RollbackPlan
    #: ``ok``, ``lossy``, ``fails`` or ``blocked`` (:data:`~.rollback.ORDER`); ``refused``
    #: when Django's loader refuses the graph.
    verdict: str
    step: Step | None = None
    finding: StepFinding | None = None
    problem: Problem | None = None
    #: The line of ``class Migration`` in the file as read (its text, if given).
    class_line: int = 0


def past(project: Project, path: str, text: str | None = None, *, config=None) -> Past | None:
    """The rollback past the migration at ``path`` (with ``text``, if given, as its
    contents); ``None`` when the file is not a migration of the project's graph."""
    view = project.with_source(path, text) if text is not None else project
    key = view.migration_of(path)
    if key is None:
        return None
    info = view.info(key)
    line = info.class_line if info is not None else 0
    refused = next((p for p in view.problems if refuses(view, p)), None)
    if refused is not None:
        empty = RollbackPlan(f"before {key[0]}.{key[1]}", [])
        return Past(key, empty, "refused", problem=refused, class_line=line)
    plan = plan_past(view, key, config=config)
    if not plan.steps:
        return None  # not in the graph (Django's loader left it out)
    if text is not None:
        for step in plan.steps:
            if step.key == key:
                rules = buffer_findings(path, text, config, project=view)
                step.findings = sorted(
                    [*rules, *(f for f in step.findings if f.code == UNAPPLY)],
                    key=lambda f: (f.line, f.code),
                )
                step.verdict = worst(f.verdict for f in step.findings)
    verdict = worst(step.verdict for step in plan.steps)
    if verdict == "ok":
        return Past(key, plan, verdict, class_line=line)
    step = next(s for s in plan.steps if s.verdict == verdict)
    finding = next((f for f in step.findings if f.verdict == verdict), None)
    return Past(key, plan, verdict, step, finding, class_line=line)


def refuses(project: Project, problem: Problem) -> bool:
    """Does ``problem`` make Django's loader refuse the project's graph (as far as the
    project's own files tell)?"""
    if problem.kind == "cycle":
        return True
    if not problem.django_refuses or problem.kind in ("unknown-app", "no-migrations"):
        return False
    if problem.key is None:
        return True
    if not project.is_own(problem.key):
        return False
    info = project.info(problem.key)
    if problem.kind == "missing-node" and info is not None:
        missing = [
            d
            for d in (*info.dependencies, *info.run_before)
            if d.swappable is None and d.name not in SPECIAL and d.key not in project.infos
        ]
        # Only nodes of apps found nowhere: the server's environment lacks them.
        return not missing or any(d.app_label in project.migrated_apps for d in missing)
    return True


def buffer_findings(
    path: str, text: str, config=None, *, project: Project | None = None
) -> list[StepFinding]:
    """:func:`~.rollback.step_findings` of ``text`` instead of the file as saved:
    ``project`` is the view with ``text`` as the file's contents, what the rules that ask
    the historical state see (DJM005, DJM006's ``LookupError``)."""
    return step_findings(path, text, config, project=project)
