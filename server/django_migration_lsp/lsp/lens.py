"""The code lens above ``class Migration``: what rolling back past this migration means.

One lens per migration file of a project, from the graph (:func:`~..project.editor.past`:
``migrate APP <its parent>``, with the file as the editor has it):

- ``Rollback past this: ok (unapplies 3)``;
- ``Rollback past this: loses data (shop.0007, DJM004)``;
- ``Rollback past this: fails on existing rows (ledger.0004, unapply())``;
- ``Rollback past this: blocked by shop.0005 (DJM001)``;
- ``Rollback past this: migrate refuses the project (shop.0004: does not load)``.

The worst verdict over the steps wins, named by the first step that has it and its
finding (``, noqa`` when the finding is silenced: the rollback stops all the same).
Its command, :data:`COMMAND` (``workspace/executeCommand``), opens that migration at the
finding (``window/showDocument``); for ``ok`` it shows the steps (``window/showMessage``).
A buffer that does not parse keeps the lens of its file as saved, at the line where it
says ``class Migration``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from ..checks import Position, Range
from ..checks.source import SourceFile
from .convert import SOURCE, Codec
from .documents import path_to_uri

if TYPE_CHECKING:
    from ..config import Config
    from ..project.editor import Past
    from ..project.model import Project
    from ..project.reader import MigrationKey
    from .project import View
    from .server import MigrationLanguageServer

COMMAND = f"{SOURCE}.showRollback"
TITLE = "Rollback past this"
#: What a lens says of each verdict.
WORDS = {
    "lossy": "loses data",
    "fails": "fails on existing rows",
    "blocked": "blocked by",
}
#: How many steps an ``ok`` lens's message names.
LISTED = 10
#: What a problem Django refuses the graph for says of the migration it is in.
REFUSALS = {
    "missing-node": "missing dependency",
    "unknown-app": "dependency on an unknown app",
    "no-migrations": "dependency on an app without migrations",
    "cycle": "circular dependency",
    "unreadable": "does not load",
}


@dataclass(frozen=True)
class Where:
    """Where the lens's command takes the user: a file, and a line of it (0-based)."""

    path: str
    line: int
    character: int = 0


# -- the handlers -------------------------------------------------------------------------


async def code_lens(
    ls: MigrationLanguageServer, params: types.CodeLensParams
) -> list[types.CodeLens] | None:
    doc = ls.document(params.text_document.uri)
    if doc is None or doc.path is None or ls.config_for(doc.path) is None:
        return None
    view = await ls.projects.ready(doc.path)
    if view is None:
        return []
    key = (doc.version, ls.generation, view.revision)
    cached = ls.lenses.get(doc.key)
    if cached is not None and cached[0] == key:
        return cached[1]
    config = ls.project_config(view.root)
    lenses = await ls.in_worker(lenses_for, view, doc.path, doc.source, ls.codec, config)
    if ls.document(doc.uri) is doc and (doc.version, ls.generation, view.revision) == key:
        ls.lenses[doc.key] = (key, lenses)
    return lenses


async def show_rollback(ls: Any, *arguments: Any) -> None:
    """The lens's command: open the step that decides the verdict, or say what happens.

    (``ls`` is the server; pygls evaluates a command's annotations, and the server's class
    is only imported for type checking here.)
    """
    arg = arguments[0] if arguments and isinstance(arguments[0], dict) else {}
    uri, line, character = arg.get("uri"), arg.get("line"), arg.get("character", 0)
    message = arg.get("message")
    if isinstance(uri, str) and isinstance(line, int) and isinstance(character, int):
        where = types.Position(line=max(line, 0), character=max(character, 0))
        if ls.capability("window.show_document.support", False):
            shown = await ls.window_show_document_async(
                types.ShowDocumentParams(
                    uri=uri, take_focus=True, selection=types.Range(start=where, end=where)
                )
            )
            if not shown.success:
                ls.log(types.MessageType.Warning, f"the client did not open {uri}")
        else:
            message = f"{message or ''} {uri}:{line + 1}".strip()
    elif not isinstance(message, str):
        raise JsonRpcInvalidParams(f"{COMMAND} takes an object with `uri` and `line`, or `message`")
    if isinstance(message, str) and message:
        ls.window_show_message(
            types.ShowMessageParams(type=types.MessageType.Info, message=message)
        )


# -- on a worker thread -------------------------------------------------------------------


def lenses_for(
    view: View, path: Path, source: SourceFile, codec: Codec, config: Config | None
) -> list[types.CodeLens]:
    from ..project.editor import past

    with view.use() as (project, _):
        if project is None:
            return []
        result = past(project, str(path), source.text, config=config)
        line = result.class_line if result is not None else 0
        if result is None:  # the buffer does not parse, or is no migration of the graph
            result = past(project, str(path), config=config)
            line = _written_class_line(source) if result is not None else 0
        if result is None or not line:
            return []
        title, where, message = describe(project, result, path, source)
    arguments: dict[str, Any] = {}
    if where is not None:
        arguments.update(uri=path_to_uri(where.path), line=where.line, character=where.character)
    if message:
        arguments["message"] = message
    text = source.line(line)
    rng = Range(Position(line, 0), Position(line, len(text)))
    return [
        types.CodeLens(
            range=codec.range(source, rng),
            command=types.Command(title=title, command=COMMAND, arguments=[arguments]),
        )
    ]


def describe(
    project: Project, result: Past, path: Path, source: SourceFile
) -> tuple[str, Where | None, str | None]:
    """The lens's title, where its command goes, and what it says."""
    plan = result.plan
    if result.verdict == "refused":
        problem = result.problem
        assert problem is not None
        what = REFUSALS.get(problem.kind, problem.kind)
        if problem.key is not None:
            what = f"{label(project, problem.key)}: {what}"
        title = f"{TITLE}: migrate refuses the project ({what})"
        where = None
        if problem.path:
            info = project.info(problem.key) if problem.key is not None else None
            where = _where(problem.path, (info.class_line if info else 1) or 1, path, source)
        return title, where, f"Django's loader refuses the migrations: {problem.message}"
    count = len(plan.steps)
    if result.verdict == "ok":
        names = ", ".join(step.label for step in plan.steps[:LISTED])
        if count > LISTED:
            names += f" and {count - LISTED} more"
        own = f"{result.key[0]}.{result.key[1]}"
        message = (
            f"Rolling back past {own} unapplies {count} migration{'s' * (count != 1)}, in "
            f"this order: {names}. Each reverse runs and undoes its migration."
        )
        return f"{TITLE}: ok (unapplies {count})", None, message
    step, finding = result.step, result.finding
    assert step is not None
    words, step_label = WORDS.get(result.verdict, result.verdict), label(project, step.key)
    code = None
    if finding is not None:
        code = "unapply()" if finding.code == "unapply" else finding.code
        code += ", noqa" if finding.silenced else ""
    if result.verdict == "blocked":
        title = f"{TITLE}: {words} {step_label}" + (f" ({code})" if code else "")
    else:
        title = f"{TITLE}: {words} ({step_label}" + (f", {code})" if code else ")")
    info = project.info(step.key)
    line = finding.line if finding is not None else (info.class_line if info else 1)
    return title, _where(step.path, line or 1, path, source), None


def label(project: Project, key: MigrationKey) -> str:
    """``shop.0007`` when that prefix names one migration of the app (as ``migrate shop
    0007`` would), else ``shop.0007_remove_order_note``."""
    app, name = key
    prefix = name.split("_", 1)[0]
    if prefix != name and prefix.isdigit():
        if sum(1 for a, n in project.infos if a == app and n.startswith(prefix)) == 1:
            return f"{app}.{prefix}"
    return f"{app}.{name}"


def _written_class_line(source: SourceFile) -> int:
    for number in range(1, source.line_count + 1):
        if source.line(number).startswith("class Migration"):
            return number
    return 0


def _where(target: str, line: int, path: Path, source: SourceFile) -> Where:
    """Line ``line`` (1-based) of ``target``, at its first non-blank character (ASCII
    whitespace: the same column in every position encoding)."""
    if _same(target, path):
        text = source.line(line)
    else:
        text = _read_line(target, line)
    indent = len(text) - len(text.lstrip(" \t"))
    return Where(target, max(line - 1, 0), indent)


def _read_line(path: str, line: int) -> str:
    try:
        with open(path, "rb") as file:
            for number, raw in enumerate(file, 1):
                if number == line:
                    return raw.decode("utf-8", "replace")
    except OSError:
        pass
    return ""


def _same(a: str | Path, b: str | Path) -> bool:
    return os.path.normcase(os.path.abspath(a)) == os.path.normcase(os.path.abspath(b))
