from __future__ import annotations

import ast
from collections.abc import Iterator

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
)
from ..context import MigrationContext
from ..operations import RELATIVE_IMPORT
from ..source import SourceFile
from ..syntax import positional_params
from ._operations import fix_data, missing_reverses, pass_reverse

HEADER = "from django.db import migrations\n\n\n"
MOVES_THEN_DROPS = (
    HEADER + "def copy_settings(apps, schema_editor):\n"
    "    with schema_editor.connection.cursor() as cursor:\n"
    '        cursor.execute("INSERT INTO shop_setting SELECT * FROM shop_legacy_setting")\n'
    '        cursor.execute("DROP TABLE shop_legacy_setting")\n\n\n'
    "class Migration(migrations.Migration):\n"
    "    operations = [migrations.RunPython(copy_settings)]\n"
)


class IrreversibleRunPython(Rule):
    """
    ## What it does
    Checks for `RunPython` operations that have no reverse: no second positional
    argument, no `reverse_code=`, or `reverse_code=None`.

    ## Why is this bad?
    Django cannot unapply such a migration. Rolling back past it, the command you
    run when a release has to be undone, fails with
    `IrreversibleError: Operation <RunPython ...> in shop.0003_x is not reversible`,
    and every migration behind it is stuck too.

    If the forward function has nothing to undo (it only fills in data that the
    schema rollback removes anyway), say so with `migrations.RunPython.noop`.
    Otherwise write a reverse function.

    A migration class that overrides `unapply()`, itself or through a base class
    (django-cms's `IrreversibleMigration`), has decided what a rollback does and
    is not reported. Base classes are read from this file or, statically, from
    the module they are imported from.

    Subclasses of `RunPython` of the project's own count too: defined in the
    migration, in a helper module of the migrations package (`_db_helpers.py`) or
    elsewhere in the project, and reached by import, alias or attribute
    (`ops.RunPython(...)`). They are read statically, and not reported when they
    give a reverse themselves (their `__init__` passes one to `RunPython`, or they
    define `reversible`). A subclass whose name does not say `RunPython`
    (`DataMigration`) is found when the migration imports it from its own package
    (`from ._steps import DataMigration`), not when it comes from elsewhere under
    such a name.

    ## Example
    ```python
    migrations.RunPython(forwards)
    ```

    Use instead:
    ```python
    migrations.RunPython(forwards, migrations.RunPython.noop)
    ```

    When the forward destroys data that the rollback needs (SQL `DELETE`,
    `DROP TABLE`/`DROP COLUMN`, `TRUNCATE`, ORM `.delete()`, or data read from a field
    or model that the same migration then removes: the conditions of DJM004), the
    message says so: a no-op reverse would turn the loud `IrreversibleError` into a
    rollback that succeeds and loses that data.

    ## Fix safety
    Both fixes are unsafe. `RunPython.noop` makes the rollback run but does not
    restore data that the forward function changed; the "write a reverse
    function" fix adds a skeleton whose body you still have to write.

    When the forward destroys data (see above), neither fix is applied by
    `check --fix --unsafe-fixes` or `source.fixAll`: the editor offers the reverse
    function first, and the no-op only under a title that says it loses data.

    ## References
    - [Django docs: `RunPython`](https://docs.djangoproject.com/en/stable/ref/migration-operations/#runpython)
    """

    code = "DJM001"
    name = "irreversible-run-python"
    summary = "`RunPython` operation without `reverse_code`"
    triggers = (b"RunPython", RELATIVE_IMPORT)
    fix_applicability = Applicability.UNSAFE

    VALID = [
        Valid(
            HEADER + "def forwards(apps, schema_editor):\n    pass\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]\n"
        ),
        Valid(
            HEADER + "def forwards(apps, schema_editor):\n    pass\n\n\n"
            "def backwards(apps, schema_editor):\n    pass\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    operations = [\n"
            "        migrations.RunPython(code=forwards, reverse_code=backwards),\n"
            "    ]\n"
        ),
        Valid(
            HEADER + "class IrreversibleMigration(migrations.Migration):\n"
            "    def unapply(self, project_state, schema_editor, collect_sql=False):\n"
            "        raise NotImplementedError('irreversible on purpose')\n\n\n"
            "class Migration(IrreversibleMigration):\n"
            "    operations = [migrations.RunPython(print)]\n"
        ),
        Valid(
            "from myproject.ops import RunPython\n\n\n"
            "class Migration:\n    operations = [RunPython(print)]\n"
        ),
        # A subclass that always gives a reverse.
        Valid(
            HEADER + "class RunPythonNoopReverse(migrations.RunPython):\n"
            "    def __init__(self, code, **kwargs):\n"
            "        super().__init__(code, reverse_code=migrations.RunPython.noop, **kwargs)\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    operations = [RunPythonNoopReverse(print)]\n"
        ),
        Valid(
            HEADER + "kwargs = {'code': print, 'reverse_code': print}\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    operations = [migrations.RunPython(**kwargs)]\n"
        ),
    ]
    INVALID = [
        Invalid(
            HEADER + "def forwards(apps, schema_editor):\n    pass\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    operations = [migrations.RunPython(forwards)]\n",
            range=(9, 19, 9, 39),
            message="`migrations.RunPython` has no reverse; unapplying this migration raises "
            "`IrreversibleError`",
            fixed=HEADER + "def forwards(apps, schema_editor):\n    pass\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]\n",
        ),
        Invalid(
            HEADER + "def forwards(apps, schema_editor):\n    pass\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    operations = [migrations.RunPython(forwards)]\n",
            fix_index=1,
            fixed=HEADER + "def forwards(apps, schema_editor):\n    pass\n\n\n"
            "def reverse_forwards(apps, schema_editor):\n"
            "    # TODO: undo what forwards() did. Until then, unapplying this migration\n"
            "    # succeeds without changing any data.\n"
            "    pass\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    operations = [migrations.RunPython(forwards, reverse_forwards)]\n",
        ),
        Invalid(
            MOVES_THEN_DROPS,
            range=(11, 19, 11, 39),
            message="`migrations.RunPython` has no reverse; unapplying this migration raises "
            "`IrreversibleError`, and a no-op reverse would lose data: the forward runs "
            "`DROP TABLE shop_legacy_setting` (line 7)",
            fixed=HEADER + "def copy_settings(apps, schema_editor):\n"
            "    with schema_editor.connection.cursor() as cursor:\n"
            '        cursor.execute("INSERT INTO shop_setting SELECT * FROM shop_legacy_setting")\n'
            '        cursor.execute("DROP TABLE shop_legacy_setting")\n\n\n'
            "def reverse_copy_settings(apps, schema_editor):\n"
            "    # TODO: undo what copy_settings() did: it runs `DROP TABLE shop_legacy_setting` "
            "(line 7).\n"
            "    # Until then, unapplying this migration succeeds and that data stays lost.\n"
            "    pass\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    operations = [migrations.RunPython(copy_settings, reverse_copy_settings)]\n",
        ),
        Invalid(
            MOVES_THEN_DROPS,
            fix_index=1,
            fixed=MOVES_THEN_DROPS.replace(
                "RunPython(copy_settings)", "RunPython(copy_settings, migrations.RunPython.noop)"
            ),
        ),
        Invalid(
            "from django.db.migrations import RunPython as RP\n\n\n"
            "class Migration:\n"
            "    operations = [\n"
            "        RP(\n"
            "            code=print,\n"
            "            elidable=True,\n"
            "        ),\n"
            "    ]\n",
            range=(6, 9, 6, 11),
            fixed="from django.db.migrations import RunPython as RP\n\n\n"
            "class Migration:\n"
            "    operations = [\n"
            "        RP(\n"
            "            code=print,\n"
            "            elidable=True,\n"
            "            reverse_code=RP.noop,\n"
            "        ),\n"
            "    ]\n",
        ),
        Invalid(
            HEADER + "class Migration(migrations.Migration):\n"
            "    operations = [migrations.RunPython(print, reverse_code=None)]\n",
            range=(5, 19, 5, 39),
            fixed=HEADER + "class Migration(migrations.Migration):\n"
            "    operations = [migrations.RunPython(print, "
            "reverse_code=migrations.RunPython.noop)]\n",
        ),
        Invalid(
            HEADER + "class RunPythonInBatches(migrations.RunPython):\n"
            "    def __init__(self, code, reverse_code=None, batch_size=1000, **kwargs):\n"
            "        super().__init__(code, reverse_code, **kwargs)\n"
            "        self.batch_size = batch_size\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    operations = [RunPythonInBatches(print, batch_size=100)]\n",
            range=(11, 19, 11, 37),
            message="`RunPythonInBatches` has no reverse; unapplying this migration raises "
            "`IrreversibleError`",
            fixed=HEADER + "class RunPythonInBatches(migrations.RunPython):\n"
            "    def __init__(self, code, reverse_code=None, batch_size=1000, **kwargs):\n"
            "        super().__init__(code, reverse_code, **kwargs)\n"
            "        self.batch_size = batch_size\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    operations = [RunPythonInBatches(print, RunPythonInBatches.noop, "
            "batch_size=100)]\n",
        ),
        Invalid(
            HEADER + "class Migration(migrations.Migration):\n"
            "    operations = [\n"
            "        migrations.operations.special.RunPython(print),\n"
            "    ]\n",
            range=(6, 9, 6, 48),
            fixed=HEADER + "class Migration(migrations.Migration):\n"
            "    operations = [\n"
            "        migrations.operations.special.RunPython(print, "
            "migrations.operations.special.RunPython.noop),\n"
            "    ]\n",
        ),
    ]

    def check(self, ctx: MigrationContext) -> Iterator[Finding]:
        for missing in missing_reverses(ctx, "RunPython", "code", "reverse_code"):
            op = missing.op
            data = fix_data(ctx, missing)
            skeleton = _skeleton_data(ctx, missing.forward, op.class_def)
            losses = ctx.losses.of(op)
            message = (
                f"`{op.callee}` has no reverse; unapplying this migration raises "
                "`IrreversibleError`"
            )
            if losses:
                # The DJM004 conditions: a no-op reverse would turn the loud error into
                # a rollback that succeeds and loses data. No automatic no-op then.
                data["loses"] = losses[0].describe()
                message += f", and a no-op reverse would lose data: the forward {data['loses']}"
                if skeleton is not None:
                    skeleton["loses"] = data["loses"]
            if skeleton is not None:
                data["skeleton"] = skeleton
            yield self.finding(message, ctx.source.node_range(op.call.func), fix_data=data)

    def finding_applicability(self, finding: Finding) -> Applicability | None:
        if (finding.fix_data or {}).get("loses"):
            return Applicability.DISPLAY_ONLY
        return self.fix_applicability

    def fixes(self, source: SourceFile, finding: Finding) -> list[Fix]:
        data = finding.fix_data or {}
        noop = data["noop"]
        loses = data.get("loses")
        how = self.finding_applicability(finding) or Applicability.UNSAFE
        title = f"Add {noop} as reverse"
        if loses:
            title += f" (loses data: the rollback succeeds, but the forward {loses})"
        fixes = [Fix(title, how, (_pass_reverse(source, data, noop),))]
        skeleton = data.get("skeleton")
        if skeleton:
            name = skeleton["name"]
            write = Fix(
                f"Write a reverse function {name}()",
                how,
                (_insert_skeleton(source, skeleton), _pass_reverse(source, data, name)),
            )
            # When the no-op loses data, the reverse function comes first.
            fixes.insert(0 if loses else 1, write)
        return fixes


def _pass_reverse(source: SourceFile, data: dict, value: str) -> Edit:
    return pass_reverse(source, data, value, "reverse_code", positional=True)


def _skeleton_data(
    ctx: MigrationContext, forward: ast.expr, class_def: ast.ClassDef | None
) -> dict | None:
    """Where and how to write ``reverse_<forward>()``, if the forward is a plain function."""
    if not isinstance(forward, ast.Name):
        return None
    fn = ctx.reach.lookup_callable(forward, class_def)
    if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    name = f"reverse_{fn.name}"
    if name in ctx.bindings.module_names or (
        class_def is not None and any(getattr(n, "name", None) == name for n in class_def.body)
    ):
        return None
    params = positional_params(fn)
    if len(params) != 2:
        params = ["apps", "schema_editor"]
    def_indent = ctx.source.indentation(fn.lineno)
    body_indent = ctx.source.indentation(fn.body[0].lineno)
    if len(body_indent) <= len(def_indent) or fn.body[0].lineno == fn.lineno:
        body_indent = def_indent + "    "
    return {
        "name": name,
        "forward": fn.name,
        "params": params,
        "after_line": fn.end_lineno,
        "indent": def_indent,
        "body_indent": body_indent,
        # A ``def`` in column 0 is a statement of the module's body (PEP 8: two lines).
        "blank_lines": 2 if fn.col_offset == 0 else 1,
    }


def _insert_skeleton(source: SourceFile, s: dict) -> Edit:
    nl = source.newline
    indent, body = s["indent"], s["body_indent"]
    if s.get("loses"):
        todo = [
            f"{body}# TODO: undo what {s['forward']}() did: it {s['loses']}.",
            f"{body}# Until then, unapplying this migration succeeds and that data stays lost.",
        ]
    else:
        todo = [
            f"{body}# TODO: undo what {s['forward']}() did. Until then, unapplying this migration",
            f"{body}# succeeds without changing any data.",
        ]
    text = nl * (s["blank_lines"] + 1) + nl.join(
        [f"{indent}def {s['name']}({', '.join(s['params'])}):", *todo, f"{body}pass"]
    )
    end = Position(s["after_line"], len(source.line(s["after_line"])))
    return Edit(Range(end, end), text)
