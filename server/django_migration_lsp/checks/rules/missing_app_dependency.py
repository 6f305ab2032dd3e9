from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import PurePath

from ..base import (
    Applicability,
    Edit,
    Finding,
    Fix,
    Invalid,
    Position,
    Range,
    Rule,
    Valid,
    range_from_data,
    range_to_data,
)
from ..context import MigrationContext
from ..effects import registry_get_model_calls
from ..facts import MigrationKey
from ..other_files import app_label as package_label
from ..source import SourceFile
from ..syntax import iter_statements

HEADER = "from django.db import migrations\n\n\n"
LEDGER = {
    "ledger/migrations/0001_initial.py": HEADER + "class Migration(migrations.Migration):\n"
    "    initial = True\n"
    "    operations = [migrations.CreateModel('Account', fields=[])]\n",
    "ledger/migrations/0002_badge.py": HEADER + "class Migration(migrations.Migration):\n"
    "    dependencies = [('ledger', '0001_initial')]\n"
    "    operations = [migrations.CreateModel(name='Badge', fields=[])]\n",
    "hounds/migrations/0001_initial.py": HEADER + "class Migration(migrations.Migration):\n"
    "    initial = True\n"
    "    operations = []\n",
}
COUNT = (
    "def count(apps, schema_editor):\n"
    "    Badge = apps.get_model('ledger', 'Badge')\n"
    "    print(Badge.objects.count())\n\n\n"
)
PATH = "hounds/migrations/0002_count_badges.py"


class MissingAppDependency(Rule):
    """
    ## What it does
    Checks for `apps.get_model("ledger", "Badge")` (or `apps.get_model("ledger.Badge")`)
    in a function that runs in this migration, when no migration of `ledger` that creates
    `Badge` is among this migration's dependencies, directly or through any path of the
    migration graph.

    ## Why is this bad?
    The historical `apps` holds only the models of the migrations applied so far. Without
    the dependency, it works when Django happens to order `ledger` first, and raises
    `LookupError: No installed app with label 'ledger'.` (or `App 'ledger' doesn't have
    a 'Badge' model.`) when it does not: `migrate hounds 0002` on a fresh database, a
    new app added to the project, a squash that reorders the graph.

    It is not reported when the model belongs to this migration's own app, when the
    dependency exists through any path, or when `ledger` is neither in the project nor in
    the environment (that is said once, as a note). The rule needs the project's
    migration graph: `check` builds it when this rule is selected.

    ## Example
    ```python
    def count(apps, schema_editor):
        Badge = apps.get_model("ledger", "Badge")


    class Migration(migrations.Migration):
        dependencies = [("hounds", "0001_initial")]
        operations = [migrations.RunPython(count, migrations.RunPython.noop)]
    ```

    Use instead:
    ```python
    class Migration(migrations.Migration):
        dependencies = [
            ("hounds", "0001_initial"),
            ("ledger", "0002_badge"),
        ]
    ```

    ## Fix safety
    The fix adds the latest migration of `ledger` to `dependencies`, laid out like the
    list. It is unsafe: it changes the order `migrate` runs migrations in (what the fix is
    for), and the latest migration may be later than the one you need.

    ## References
    - [Django docs: dependencies on other apps' migrations](https://docs.djangoproject.com/en/stable/topics/migrations/#migration-files)
    - [Django docs: `RunPython` and the historical models](https://docs.djangoproject.com/en/stable/ref/migration-operations/#runpython)
    """

    code = "DJM007"
    name = "missing-app-dependency"
    summary = "Another app's model read in a migration that does not depend on that app"
    triggers = (b"get_model",)
    fix_applicability = Applicability.UNSAFE
    needs_project = True

    VALID = [
        Valid(
            HEADER + COUNT + "class Migration(migrations.Migration):\n"
            "    dependencies = [('hounds', '0001_initial'), ('ledger', '0002_badge')]\n"
            "    operations = [migrations.RunPython(count, migrations.RunPython.noop)]\n",
            path=PATH,
            files=LEDGER,
        ),
        Valid(
            HEADER + COUNT + "class Migration(migrations.Migration):\n"
            "    dependencies = [('hounds', '0001_initial'), ('shop', '0001_initial')]\n"
            "    operations = [migrations.RunPython(count, migrations.RunPython.noop)]\n",
            path=PATH,
            files={
                **LEDGER,
                "shop/migrations/0001_initial.py": HEADER
                + "class Migration(migrations.Migration):\n"
                "    dependencies = [('ledger', '0002_badge')]\n"
                "    operations = []\n",
            },
        ),
        Valid(
            HEADER + "def count(apps, schema_editor):\n"
            "    apps.get_model('hounds', 'Hound')\n"
            "    apps.get_model('kennel', 'Bone')\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    dependencies = [('hounds', '0001_initial')]\n"
            "    operations = [migrations.RunPython(count, migrations.RunPython.noop)]\n",
            path=PATH,
            files=LEDGER,
        ),
        Valid(
            "from django.apps import apps\n" + HEADER + "def count(x, schema_editor):\n"
            "    apps.get_model('ledger', 'Badge')\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    dependencies = [('hounds', '0001_initial')]\n"
            "    operations = [migrations.RunPython(count, migrations.RunPython.noop)]\n",
            path=PATH,
            files=LEDGER,
        ),
    ]
    INVALID = [
        Invalid(
            HEADER + COUNT + "class Migration(migrations.Migration):\n"
            "    dependencies = [\n"
            "        ('hounds', '0001_initial'),\n"
            "    ]\n"
            "    operations = [migrations.RunPython(count, migrations.RunPython.noop)]\n",
            range=(5, 13, 5, 46),
            message="`apps.get_model('ledger', 'Badge')` reads a model of `ledger`, but this "
            "migration does not depend on the `ledger` migration that creates it "
            "(`ledger.0002_badge`); `migrate` raises `LookupError` when Django orders "
            "`ledger` after it",
            fixed=HEADER + COUNT + "class Migration(migrations.Migration):\n"
            "    dependencies = [\n"
            "        ('hounds', '0001_initial'),\n"
            "        ('ledger', '0002_badge'),\n"
            "    ]\n"
            "    operations = [migrations.RunPython(count, migrations.RunPython.noop)]\n",
            path=PATH,
            files=LEDGER,
        ),
        Invalid(
            HEADER + "def count(apps, schema_editor):\n"
            '    Badge = apps.get_model("ledger.Badge")\n\n\n'
            "class Migration(migrations.Migration):\n"
            '    dependencies = [("hounds", "0001_initial")]\n'
            "    operations = [migrations.RunPython(count, migrations.RunPython.noop)]\n",
            fixed=HEADER + "def count(apps, schema_editor):\n"
            '    Badge = apps.get_model("ledger.Badge")\n\n\n'
            "class Migration(migrations.Migration):\n"
            '    dependencies = [("hounds", "0001_initial"), ("ledger", "0002_badge")]\n'
            "    operations = [migrations.RunPython(count, migrations.RunPython.noop)]\n",
            path=PATH,
            files=LEDGER,
        ),
        Invalid(
            HEADER + "def helper(apps):\n"
            "    return apps.get_model(app_label='ledger', model_name='Account')\n\n\n"
            "def count(apps, schema_editor):\n"
            "    helper(apps)\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    initial = True\n"
            "    operations = [migrations.RunPython(count, migrations.RunPython.noop)]\n",
            range=(5, 12, 5, 68),
            fixed=HEADER + "def helper(apps):\n"
            "    return apps.get_model(app_label='ledger', model_name='Account')\n\n\n"
            "def count(apps, schema_editor):\n"
            "    helper(apps)\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    dependencies = [('ledger', '0002_badge')]\n"
            "    initial = True\n"
            "    operations = [migrations.RunPython(count, migrations.RunPython.noop)]\n",
            path=PATH,
            files=LEDGER,
        ),
        Invalid(
            HEADER + COUNT + "class Migration(migrations.Migration):\n"
            "    dependencies = (('hounds', '0001_initial'),)\n"
            "    operations = [migrations.RunPython(count, migrations.RunPython.noop)]\n",
            fixed=HEADER + COUNT + "class Migration(migrations.Migration):\n"
            "    dependencies = (('hounds', '0001_initial'), ('ledger', '0002_badge'),)\n"
            "    operations = [migrations.RunPython(count, migrations.RunPython.noop)]\n",
            path=PATH,
            files=LEDGER,
        ),
        Invalid(
            HEADER + COUNT + "class Migration(migrations.Migration):\n"
            "    dependencies = [('hounds', '0001_initial')] + []\n"
            "    operations = [migrations.RunPython(count, migrations.RunPython.noop)]\n",
            fixed=None,
            path=PATH,
            files=LEDGER,
        ),
    ]

    def check(self, ctx: MigrationContext) -> Iterator[Finding]:
        project = ctx.project
        path = ctx.source.path
        if project is None or not path:
            return
        this = project.migration_of(path)
        if this is None:
            return
        for call, app_label, model in _get_model_calls(ctx):
            if app_label == this[0]:
                continue
            if not project.has_app(app_label):
                note = getattr(project, "unknown_app", None)
                if note is not None:
                    note(app_label, path)
                continue
            creators = project.creators(app_label, model)
            if not creators or any(project.is_ancestor(c, this) for c in creators):
                continue  # no migration we can read creates it: nothing to compare with
            target = _dependency_target(project, app_label, creators, this)
            created = f" (`{creators[0][0]}.{creators[0][1]}`)"
            text = ctx.source.slice(ctx.source.node_range(call))
            data = _fix_data(ctx, target) if target is not None else None
            yield self.finding(
                f"`{text}` reads a model of `{app_label}`, but this migration does not "
                f"depend on the `{app_label}` migration that creates it{created}; `migrate` "
                f"raises `LookupError` when Django orders `{app_label}` after it",
                ctx.source.node_range(call),
                fix_data=data,
            )

    def could_use_project(self, path: str, data: bytes) -> bool:
        """Only a ``get_model`` of another app than the file's needs the graph: a file
        whose calls all name its own app (by folder or ``AppConfig`` label) does not."""
        labels = set(_LABEL.findall(data))
        if not labels:
            return False  # no literal app label: nothing this rule can check
        folder = PurePath(path.replace("\\", "/")).parent.parent
        own = {folder.name, package_label(folder.name, path)}
        return any(label.decode("utf-8", "replace") not in own for label in labels)

    def fixes(self, source: SourceFile, finding: Finding) -> list[Fix]:
        data = finding.fix_data
        if not data:
            return []
        edits = tuple(Edit(range_from_data(r), text) for r, text in data["edits"])
        return [Fix(data["title"], Applicability.UNSAFE, edits)]


#: The literal app label of ``get_model("app", ...)`` / ``get_model("app.Model")``.
_LABEL = re.compile(rb"""get_model\(\s*(?:app_label\s*=\s*)?[rRuU]?["']([\w]+)""")


def _get_model_calls(ctx: MigrationContext) -> Iterator[tuple[ast.Call, str, str]]:
    """``X.get_model("app", "Model")`` / ``X.get_model("app.Model")`` calls in the functions
    that run during ``migrate``, where ``X`` is a local name (the historical registry the
    function was given), not the global ``django.apps.apps``."""
    seen: set[int] = set()
    for entry in ctx.entries:
        fn = entry.node
        if "get_model" not in ctx.locate.function_text(fn):
            continue
        for got in registry_get_model_calls(fn, ctx.bindings, seen):
            yield got.call, got.app_label, got.model_name


def _dependency_target(
    project, app_label: str, creators: tuple[MigrationKey, ...], this: MigrationKey
) -> MigrationKey | None:
    """The app's latest migration, unless it depends on this one (a cycle): then the
    latest creator that does not."""
    leaf = project.leaf(app_label)
    if leaf is not None and not project.is_ancestor(this, leaf):
        return leaf
    for creator in reversed(creators):
        if not project.is_ancestor(this, creator):
            return creator
    return None


# -- the fix: one more entry in ``dependencies``, laid out like the list -------------


def _migration_class(tree: ast.Module) -> ast.ClassDef | None:
    found = None
    for node in iter_statements(tree.body):
        if isinstance(node, ast.ClassDef) and node.name == "Migration":
            found = node
    return found


def _fix_data(ctx: MigrationContext, target: MigrationKey) -> dict | None:
    cls = _migration_class(ctx.tree)
    if cls is None:
        return None
    value = None
    for stmt in cls.body:
        if isinstance(stmt, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "dependencies" for t in stmt.targets
        ):
            value = stmt.value
        elif isinstance(stmt, ast.AnnAssign) and (
            isinstance(stmt.target, ast.Name) and stmt.target.id == "dependencies"
        ):
            value = stmt.value
    source = ctx.source
    quote = _quote([n for n in (value, cls, ctx.tree) if n is not None], source)
    entry = f"({quote}{target[0]}{quote}, {quote}{target[1]}{quote})"
    title = f"Add {entry} to dependencies"
    if value is None:
        edits = _new_attribute(cls, source, entry)
    elif isinstance(value, (ast.List, ast.Tuple)):
        edits = _append(value, source, entry)
    else:
        return None
    if edits is None:
        return None
    return {"title": title, "edits": [[range_to_data(r), text] for r, text in edits]}


def _quote(nodes: list[ast.AST], source: SourceFile) -> str:
    """The quote of the first short string in ``nodes`` (the list, the class, the file)."""
    for node in nodes:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                line = source.line(sub.lineno).encode("utf-8")
                opening = line[sub.col_offset : sub.col_offset + 4].lstrip(b"rRbBuUfF")
                if opening[:1] in (b"'", b'"') and opening[:3] not in (b"'''", b'"""'):
                    return opening[:1].decode()
    return '"'


def _comma_after(source: SourceFile, start: Position, end: Position) -> Position | None:
    """The first comma between two positions, outside comments."""
    text = source.slice(Range(start, end))
    offset, index = 0, -1
    for line in text.splitlines(keepends=True):
        code = line.split("#", 1)[0]
        if "," in code:
            index = offset + code.index(",")
            break
        offset += len(line)
    if index < 0:
        return None
    return source.position_at(source.offset(start) + index)


def _append(value: ast.List | ast.Tuple, source: SourceFile, entry: str):
    r = source.node_range(value)
    closing = Position(r.end.line, r.end.column - 1)  # the bracket
    is_tuple = isinstance(value, ast.Tuple)
    if not value.elts:
        if source.slice(Range(closing, r.end)) not in ("]", ")"):
            return None  # a tuple without parentheses
        text = f"{entry}," if is_tuple else entry
        return [(Range(closing, closing), text)]
    last = source.node_range(value.elts[-1])
    comma = _comma_after(source, last.end, closing)
    nl = source.newline
    own_lines = value.elts[0].lineno > value.lineno and closing.line > last.end.line
    if own_lines:  # one entry per line: a new line like the last one
        indent = source.indentation(value.elts[-1].lineno)
        if comma is not None:
            eol = Position(comma.line, len(source.line(comma.line)))
            return [(Range(eol, eol), f"{nl}{indent}{entry},")]
        eol = Position(last.end.line, len(source.line(last.end.line)))
        return [(Range(last.end, last.end), ","), (Range(eol, eol), f"{nl}{indent}{entry}")]
    if comma is not None:
        after = Position(comma.line, comma.column + 1)
        return [(Range(after, after), f" {entry},")]
    if source.slice(Range(closing, r.end)) not in ("]", ")"):
        return None
    return [(Range(last.end, last.end), f", {entry}")]


def _new_attribute(cls: ast.ClassDef, source: SourceFile, entry: str):
    body = cls.body
    first = body[0]
    if first.lineno == cls.lineno:
        return None  # ``class Migration(...): ...`` on one line
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        if len(body) == 1:
            return None
        first = body[1]
    indent = source.indentation(first.lineno)
    at = Position(first.lineno, 0)
    return [(Range(at, at), f"{indent}dependencies = [{entry}]{source.newline}")]
