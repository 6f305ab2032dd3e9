"""``django-migration-lsp plan``: can we roll back, and where will it stop?

.. code-block:: text

    django-migration-lsp plan APP_LABEL MIGRATION [PATH]   # like `manage.py migrate shop 0002`
    django-migration-lsp plan --to-ref GIT_REF [PATH]      # back to the migrations of a commit
        --format text|json   --python PYTHON

Every migration on disk is taken as applied (a fresh deploy of the current code). The
steps are printed in the order Django would unapply them, each with a verdict; the
first that ``fails`` or is ``blocked`` is where a real ``migrate`` stops.

``PATH`` is the project root; without it, the nearest folder at or above the current
one that holds ``manage.py``, ``pyproject.toml`` or ``.git``. Installed apps' migrations
are read from this tool's environment, or from ``--python``'s.

Exit status: 0 the rollback completes without loss, 1 it is lossy, fails or is
blocked, 2 an error (an unknown app or migration: Django's own message).
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from .. import __version__

FORMATS = ("text", "json")


class UsageError(Exception):
    pass


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="django-migration-lsp plan",
        description="Show what rolling back unapplies, in Django's order, and where it stops.",
        usage="%(prog)s APP_LABEL MIGRATION [PATH] | --to-ref GIT_REF [PATH] [options]",
    )
    parser.add_argument("args", nargs="*", metavar="ARG", help=argparse.SUPPRESS)
    parser.add_argument(
        "--to-ref",
        metavar="GIT_REF",
        help="roll back to the migrations present at this commit (read with git, no checkout)",
    )
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format")
    parser.add_argument(
        "--python",
        metavar="PYTHON",
        help="read installed apps' migrations from this interpreter's sys.path",
    )
    parser.add_argument(
        "--version", action="version", version=f"django-migration-lsp {__version__}"
    )
    return parser


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..project.environment import Environment, InterpreterError
    from ..project.git import GitError, migrations_at
    from ..project.model import find_root, load_project
    from ..project.rollback import PlanError, plan, plan_targets, ref_targets

    positional = list(args.args)
    if args.to_ref is not None:
        if len(positional) > 1:
            raise UsageError("with --to-ref, give at most a PATH")
        app = migration = None
    else:
        if len(positional) not in (2, 3):
            raise UsageError("give APP_LABEL MIGRATION [PATH], or --to-ref GIT_REF [PATH]")
        app, migration = positional[:2]
        positional = positional[2:]
    if positional:
        root = Path(positional[0])
        if not root.is_dir():
            raise UsageError(f"{root}: no such folder")
    else:
        root = find_root(Path.cwd())

    try:
        environment = (
            Environment.of_python(args.python, cwd=root) if args.python else Environment.current()
        )
    except InterpreterError as exc:
        raise UsageError(str(exc)) from None
    project = load_project(root, environment=environment)
    try:
        if args.to_ref is not None:
            at = migrations_at(project, args.to_ref)
            result = plan_targets(
                project, ref_targets(at.leaves, at.new_apps), label=f"{args.to_ref}"
            )
            result.notes.extend(_ref_notes(project, at, result))
        else:
            result = plan(project, app, migration)
    except (PlanError, GitError) as exc:
        raise UsageError(str(exc)) from None

    if args.format == "json":
        out.write(json.dumps(as_json(project, result), indent=2, ensure_ascii=False) + "\n")
    else:
        out.write(render_text(project, result))
    return 0 if result.outcome == "ok" else 1


def _names(keys) -> str:
    return ", ".join(f"{a}.{n}" for a, n in sorted(keys))


def _ref_notes(project, at, result) -> list[str]:
    """What ``--to-ref`` cannot do as asked, in words."""
    notes = []
    keys = {step.key for step in result.steps}
    now = {k for k in project.own if project.infos[k].is_migration}
    gone = set(at.infos) - now
    if gone:
        notes.append(
            f"at {at.ref} but not on disk now (deleted or squashed since): {_names(gone)}; "
            "a rollback with today's code cannot re-apply them"
        )
    kept = {k for k in now - set(at.infos) if project.node(k) not in keys and project.node(k)}
    kept = {project.node(k) for k in kept} - keys
    if kept:
        notes.append(
            f"new since {at.ref} but not unapplied by migrating to its leaf migrations: "
            f"{_names(kept)} (they do not depend on what {at.ref} had last)"
        )
    undone = keys & set(at.infos)
    if undone:
        notes.append(
            f"present at {at.ref} and unapplied all the same (they depend on newer "
            f"migrations now): {_names(undone)}"
        )
    return notes


# -- output ---------------------------------------------------------------------------


def as_json(project, result) -> dict:
    from ..project.rollback import relative_path

    stop = result.stops_at
    return {
        "target": result.target,
        "steps": [
            {
                "migration": step.label,
                "path": relative_path(project, step.path),
                "verdict": step.verdict,
                "findings": [
                    {
                        "code": f.code,
                        "line": f.line,
                        "message": f.message,
                        "verdict": f.verdict,
                        "silenced": f.silenced,
                    }
                    for f in step.findings
                ],
                "installed_package": not step.own,
                "atomic": step.atomic,
            }
            for step in result.steps
        ],
        "stops_at": stop.label if stop is not None else None,
        "outcome": result.outcome,
        "undone_before_stop": [s.label for s in result.undone_before_stop],
        "not_reached": [s.label for s in result.not_reached],
        "commands": [f"python manage.py migrate {a} {n}" for a, n in result.commands],
        "problems": [{"kind": p.kind, "message": p.message} for p in result.problems],
        "notes": result.notes,
    }


VERDICT_WORDS = {"ok": "ok", "lossy": "LOSSY", "fails": "FAILS", "blocked": "BLOCKED"}
WIDTH = 88


def _para(text: str, indent: str = "") -> list[str]:
    return textwrap.wrap(
        text, WIDTH, initial_indent=indent, subsequent_indent=indent, break_on_hyphens=False
    )


def _steps(numbers: list[int]) -> str:
    if len(numbers) == 1:
        return f"step {numbers[0]}"
    if numbers == list(range(numbers[0], numbers[-1] + 1)):
        return f"steps {numbers[0]}-{numbers[-1]}"
    return "steps " + ", ".join(map(str, numbers))


def render_text(project, result) -> str:
    from ..project.rollback import relative_path

    lines: list[str] = []
    for problem in result.problems:
        lines.extend(_para(f"warning: {problem.message}"))
    if any(p.django_refuses for p in result.problems):
        lines.extend(
            _para(
                "Django's loader raises on this: `migrate` does not start until "
                "it is fixed. The plan below is the graph without it.",
                "  ",
            )
        )
    if lines:
        lines.append("")
    steps = result.steps
    if not steps:
        lines.append(f"Nothing to unapply: the database is already at {result.target}.")
        lines.extend(line for n in result.notes for line in _para(f"note: {n}"))
        return "\n".join(lines) + "\n"

    count = f"{len(steps)} migration{'s' if len(steps) != 1 else ''}"
    lines.append(f"Rolling back to {result.target} unapplies {count}, in this order:")
    lines.append("")
    width = max(len(s.label) for s in steps)
    for number, step in enumerate(steps, 1):
        where = "  (installed package)" if not step.own else ""
        lines.append(f"  {number:>2}. {step.label:<{width}}  {VERDICT_WORDS[step.verdict]}{where}")
        for f in step.findings:
            code = f"{f.code} " if f.code != "unapply" else ""
            silenced = " [silenced here, it stops the rollback all the same]" if f.silenced else ""
            lines.append(
                f"      {relative_path(project, step.path)}:{f.line}: {code}{f.message}{silenced}"
            )
    lines.append("")

    index = result.stop
    if index is None:
        lossy = [s.label for s in steps if s.verdict == "lossy"]
        if lossy:
            lines.extend(_para(f"The rollback completes, but loses data in {', '.join(lossy)}."))
        else:
            lines.append("The rollback completes: every step has a reverse that runs.")
        lines.extend(line for n in result.notes for line in _para(f"note: {n}"))
        return "\n".join(lines) + "\n"

    stop = steps[index]
    reason = next(f for f in stop.findings if f.verdict == stop.verdict)
    if reason.code == "unapply":
        why = reason.message
    elif reason.code == "DJM005":
        why = (
            "re-adding the removed column fails with IntegrityError on a table with rows "
            "(on an empty one it passes)"
        )
    elif reason.code == "DJM006":
        why = "its reverse raises, whatever the data"
    elif stop.verdict == "blocked":
        why = "Django refuses to unapply it (IrreversibleError)"
    else:
        why = "its reverse raises on a database with rows"
    text = f"Stops at step {index + 1}, {stop.label}: {why}."
    if index:
        done = [s.label for s in steps[:index]]
        text += (
            " Each migration is unapplied in its own transaction: by then "
            f"{_steps(list(range(1, index + 1)))} ({', '.join(done)}) "
            f"{'are' if index > 1 else 'is'} undone, and the database is left between "
            "the two releases."
        )
    else:
        text += " It is the first step: nothing is undone, the database stays as it is."
    if not stop.atomic:
        text += (
            f" {stop.label} is not atomic (atomic = False): whatever its reverse did before "
            "it failed stays done."
        )
    lines.extend(_para(text))
    rest = steps[index + 1 :]
    if rest:
        lines.extend(_para(f"Not reached: {', '.join(s.label for s in rest)}."))
    lines.append("")
    lines.extend(_what_to_do(project, result, index, reason))
    lines.extend(line for n in result.notes for line in _para(f"note: {n}"))
    return "\n".join(lines) + "\n"


def _what_to_do(project, result, index, reason) -> list[str]:
    from ..project.rollback import fake_past_stop, relative_path

    stop = result.steps[index]
    app, name = stop.key
    path = relative_path(project, stop.path)
    out = ["What to do:"]
    command = None
    if not stop.own:
        fix = (
            f"{stop.label} comes from an installed package: its reverse is not yours to "
            "write. Stay on this version of the package, or skip its reverse with --fake, "
            "and live with what it leaves behind:"
        )
    elif reason.code in ("DJM001", "DJM002"):
        fix = (
            f"Write the reverse in {path}, deploy it, and roll back again. This adds a "
            "no-op one (or a function to fill in):"
        )
        command = f"django-migration-lsp check --fix --unsafe-fixes {path}"
    elif reason.code == "DJM005":
        fix = (
            f"Give the field a default in {path}: an AlterField with `default=...` just "
            "before the RemoveField (the forward has run already: only the rollback uses "
            "it), deploy it, and roll back again."
        )
    elif reason.code == "DJM006":
        fix = f"Fix the reverse in {path}, deploy it, and roll back again."
    elif reason.code == "unapply" and reason.verdict == "fails":
        fix = (
            "Make that condition false on the database before rolling back, or change "
            f"the unapply() of {path}."
        )
    elif reason.code == "unapply":
        fix = f"Its unapply() refuses on purpose: change it in {path}, or skip it with --fake."
    else:
        fix = f"See `django-migration-lsp check --explain {reason.code}`."
    out.extend(_bullet(fix))
    if command:
        out.append(f"        {command}")
    if stop.own:
        out.extend(_bullet("Or skip its reverse with --fake, and live with what it leaves behind:"))
    rollback = [f"python manage.py migrate {a} {n}" for a, n in result.commands]
    app, before, faked = fake_past_stop(project, result)
    commands: list[tuple[str, str]] = []
    if index:
        done = _steps(list(range(1, index + 1)))
        commands += [(c, "") for c in rollback[:-1]]
        commands.append((rollback[-1], f"undoes {done}, stops at step {index + 1}"))
    commands.append(
        (
            f"python manage.py migrate --fake {app} {before}",
            f"records {name} unapplied, runs nothing",
        )
    )
    if stop is not result.steps[-1]:
        commands += [(c, "") for c in rollback[:-1]]
        commands.append((rollback[-1], "the rest"))
    pad = max(len(c) for c, _ in commands)
    out.extend(f"        {c:<{pad}}  # {why}" if why else f"        {c}" for c, why in commands)
    extra = [f"{a}.{n}" for a, n in faked if (a, n) != stop.key]
    if extra:
        out.extend(
            _para(
                f"That --fake also records {', '.join(extra)} as unapplied without running "
                "their reverse: they depend on the same parent.",
                "    ",
            )
        )
    out.extend(
        _para(
            f"What {name} did to the data and the schema stays in the database, and the "
            "older release runs against it.",
            "    ",
        )
    )
    return out


def _bullet(text: str) -> list[str]:
    lines = _para(text, "    ")
    return ["  - " + lines[0][4:], *lines[1:]] if lines else []


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "plan":
        argv = argv[1:]
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        return run(args, sys.stdout, sys.stderr)
    except UsageError as exc:
        sys.stderr.write(f"django-migration-lsp plan: error: {exc}\n")
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 1
    except Exception:  # a bug of ours: say so, exit 2
        import traceback

        sys.stderr.write(
            "django-migration-lsp plan: internal error (please report this):\n"
            + traceback.format_exc()
        )
        return 2
