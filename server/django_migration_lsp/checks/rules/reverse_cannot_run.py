from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from typing import Any

from ..base import Finding, Invalid, Rule, Valid
from ..context import MigrationContext
from ..effects import (
    GetModel,
    always_raises,
    global_declarations,
    raised_name,
    registry_get_model_calls,
    unbound_names,
)
from ..facts import MigrationKey
from ..operations import RELATIVE_IMPORT, ListedOperation, OperationCall
from ..syntax import FunctionNode, function_name
from ._state import exact_indices, position, this_migration

HEADER = "from django.db import migrations\n\n\n"
SHOP = {
    "shop/migrations/0001_initial.py": HEADER + "class Migration(migrations.Migration):\n"
    "    initial = True\n"
    "    operations = [\n"
    '        migrations.CreateModel("Order", []),\n'
    '        migrations.CreateModel("Legacy", []),\n'
    "    ]\n",
    "shop/migrations/0002_drop_legacy.py": HEADER + "class Migration(migrations.Migration):\n"
    '    dependencies = [("shop", "0001_initial")]\n'
    '    operations = [migrations.DeleteModel("Legacy")]\n',
}
AFTER_0002 = '    dependencies = [("shop", "0002_drop_legacy")]\n'
#: ``get_model("shop", ...)`` / ``get_model("shop.Order")`` with a literal app label.
_GET_MODEL = re.compile(rb"""get_model\(\s*(?:app_label\s*=\s*)?[rRuU]?["']\w""")


class ReverseCannotRun(Rule):
    """
    ## What it does
    Checks the reverse function of a `RunPython` (and the functions of the file it
    calls) for code that cannot run:

    - it always raises: every path through it ends in a `raise` (or in a call to a
      function of the file that always raises);
    - it uses a name that nothing binds in the module: not a local, a parameter, an
      import, a module-level name or a builtin, so that line raises `NameError`;
    - it calls `apps.get_model("shop", "Legacy")` for a model that is not in the
      historical state at that operation (deleted or renamed by an earlier migration,
      never created, a typo), so that line raises `LookupError`. The state comes from
      the migration graph: `check` builds it when this rule is selected and a file
      calls `get_model`. A model of another app that this migration does not depend on
      is [DJM007](DJM007.md)'s; one that no migration of that app creates is this rule's.

    ## Why is this bad?
    Reverse functions run only on rollback, the one time nobody has tested them: the
    forward runs on every deployment and every test database, the reverse perhaps never
    before the night a release has to be undone. A typo there (`Order` instead of
    `apps.get_model("shop", "Order")`) or a reverse that raises stops `migrate shop 0002`
    half-way, with the migrations after it already unapplied.

    The usual `LookupError`: the reverse names a model as the code knows it today
    (renamed by a later `RenameModel`, or created by a later migration), but it runs
    with the historical models of its own migration; or it names a model that an
    earlier migration deleted.

    A reverse that raises on purpose ("this migration cannot be undone") is better
    written as no reverse at all: Django then says so before it starts
    (`IrreversibleError`), and `migrate --plan` shows it as irreversible.

    ## Example
    ```python
    def backwards(apps, schema_editor):
        Order.objects.update(status="new")
    ```

    Use instead:
    ```python
    def backwards(apps, schema_editor):
        Order = apps.get_model("shop", "Order")
        Order.objects.update(status="new")
    ```

    ## Fix safety
    There is no automatic fix.

    ## References
    - [Django docs: `RunPython`](https://docs.djangoproject.com/en/stable/ref/migration-operations/#runpython)
    """

    code = "DJM006"
    name = "reverse-cannot-run"
    summary = "Reverse function that always raises, uses a name bound nowhere or a missing model"
    triggers = (b"RunPython", RELATIVE_IMPORT)
    needs_project = True

    VALID = [
        Valid(
            HEADER + "def forwards(apps, schema_editor):\n"
            '    Order = apps.get_model("shop", "Order")\n'
            '    Order.objects.update(status="paid")\n\n\n'
            "def backwards(apps, schema_editor):\n"
            '    Order = apps.get_model("shop", "Order")\n'
            "    if not Order.objects.exists():\n"
            '        raise RuntimeError("nothing to undo")\n'
            "    Order.objects.update(status=STATUS_NEW)\n\n\n"
            'STATUS_NEW = "new"\n\n\n'
            "class Migration(migrations.Migration):\n"
            + AFTER_0002
            + "    operations = [migrations.RunPython(forwards, backwards)]\n",
            path="shop/migrations/0003_example.py",
            files=SHOP,
        ),
        Valid(
            HEADER + "try:\n"
            "    from shop.utils import normalise\n"
            "except ImportError:\n"
            "    normalise = str\n\n\n"
            "def backwards(apps, schema_editor):\n"
            '    for order in apps.get_model("shop", "Order").objects.all():\n'
            "        order.code = normalise(order.code)\n"
            '        order.save(update_fields=["code"])\n\n\n'
            "class Migration(migrations.Migration):\n"
            + AFTER_0002
            + "    operations = [migrations.RunPython(migrations.RunPython.noop, backwards)]\n",
            path="shop/migrations/0003_example.py",
            files=SHOP,
        ),
        Valid(
            HEADER + "def forwards(apps, schema_editor):\n"
            '    raise RuntimeError("run `manage.py fix_orders` first")\n\n\n'
            "class Migration(migrations.Migration):\n"
            "    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]\n"
        ),
        Valid(
            "from django.db.migrations import *  # noqa: F403\n\n\n"
            "def backwards(apps, schema_editor):\n"
            "    RunPython.noop(apps, schema_editor)\n\n\n"
            "class Migration(Migration):\n"
            "    operations = [RunPython(RunPython.noop, backwards)]\n"
        ),
        Valid(
            HEADER + "def backwards(apps, schema_editor):\n"
            '    apps.get_model("shop", "order").objects.update(status="new")\n'
            '    apps.get_model("ledger", "Badge").objects.all().delete()\n\n\n'
            "class Migration(migrations.Migration):\n" + AFTER_0002 + "    operations = [\n"
            '        migrations.CreateModel("Refund", []),\n'
            "        migrations.RunPython(migrations.RunPython.noop, backwards),\n"
            "    ]\n",
            path="shop/migrations/0003_example.py",
            files=SHOP,
        ),
        Valid(
            HEADER + "def backwards(apps, schema_editor):\n"
            '    apps.get_model("shop", "Refund").objects.all().delete()\n\n\n'
            "class Migration(migrations.Migration):\n" + AFTER_0002 + "    operations = [\n"
            '        migrations.CreateModel("Refund", []),\n'
            "        migrations.RunPython(migrations.RunPython.noop, backwards),\n"
            "    ]\n",
            path="shop/migrations/0003_example.py",
        ),
    ]
    INVALID = [
        Invalid(
            HEADER + "def forwards(apps, schema_editor):\n"
            '    Order = apps.get_model("shop", "Order")\n'
            '    Order.objects.filter(status="").update(status="new")\n\n\n'
            "def backwards(apps, schema_editor):\n"
            '    Order.objects.filter(status="new").update(status="")\n\n\n'
            "class Migration(migrations.Migration):\n"
            "    operations = [migrations.RunPython(forwards, backwards)]\n",
            range=(10, 5, 10, 10),
            message="`Order` is bound nowhere in this module: unapplying this migration "
            "raises `NameError` in `backwards()`",
        ),
        Invalid(
            HEADER + "def forwards(apps, schema_editor):\n"
            "    pass\n\n\n"
            "def backwards(apps, schema_editor):\n"
            '    raise RuntimeError("This migration cannot be reversed")\n\n\n'
            "class Migration(migrations.Migration):\n"
            "    operations = [migrations.RunPython(forwards, backwards)]\n",
            range=(9, 5, 9, 60),
            message="`backwards()` always raises `RuntimeError`: unapplying this migration "
            "fails here",
        ),
        Invalid(
            HEADER + "def restore(Model, value):\n"
            "    Model.objects.update(flag=valeu)\n\n\n"
            "class Migration(migrations.Migration):\n" + AFTER_0002 + "    operations = [\n"
            "        migrations.RunPython(\n"
            "            migrations.RunPython.noop,\n"
            '            lambda apps, se: restore(apps.get_model("shop", "Order"), True),\n'
            "        ),\n"
            "    ]\n",
            range=(5, 31, 5, 36),
            message="`valeu` is bound nowhere in this module: unapplying this migration "
            "raises `NameError` in `restore()`",
            path="shop/migrations/0003_example.py",
            files=SHOP,
        ),
        Invalid(
            HEADER + "def irreversible(*args):\n"
            '    raise migrations.exceptions.IrreversibleError("not reversible")\n\n\n'
            "class Migration(migrations.Migration):\n"
            "    def backwards(apps, schema_editor):\n"
            "        irreversible()\n\n"
            "    operations = [migrations.RunPython(migrations.RunPython.noop, backwards)]\n",
            range=(10, 9, 10, 23),
            message="`backwards()` always raises `migrations.exceptions.IrreversibleError` (in "
            "`irreversible()`): unapplying this migration fails here",
        ),
        Invalid(
            HEADER + "def backwards(apps, schema_editor):\n"
            '    Legacy = apps.get_model("shop", "Legacy")\n'
            "    Legacy.objects.all().delete()\n\n\n"
            "class Migration(migrations.Migration):\n" + AFTER_0002 + "    operations = [\n"
            "        migrations.RunPython(migrations.RunPython.noop, backwards),\n"
            "    ]\n",
            range=(5, 14, 5, 46),
            message='`apps.get_model("shop", "Legacy")` raises `LookupError` when this '
            "migration is unapplied, in `backwards()`: app `shop` has no model `Legacy` "
            "there (`shop.0001_initial` creates it; a migration before this one deletes or "
            "renames it)",
            path="shop/migrations/0003_example.py",
            files=SHOP,
        ),
        Invalid(
            HEADER + "def restore(apps, schema_editor):\n"
            '    for order in apps.get_model("shop.Ordr").objects.all():\n'
            '        order.status = "new"\n'
            "        order.save()\n\n\n"
            "class Migration(migrations.Migration):\n" + AFTER_0002 + "    operations = [\n"
            "        migrations.RunPython(migrations.RunPython.noop, restore),\n"
            "    ]\n",
            range=(5, 18, 5, 45),
            message='`apps.get_model("shop.Ordr")` raises `LookupError` when this migration '
            "is unapplied, in `restore()`: no migration of `shop` creates a model `Ordr`",
            path="shop/migrations/0003_example.py",
            files=SHOP,
        ),
    ]

    def check(self, ctx: MigrationContext) -> Iterator[Finding]:
        yield from self._cannot_run(ctx)
        yield from self._missing_models(ctx)

    def could_use_project(self, path: str, data: bytes) -> bool:
        """Only a file that calls ``get_model`` with a literal app label asks the state."""
        return _GET_MODEL.search(data) is not None

    def _cannot_run(self, ctx: MigrationContext) -> Iterator[Finding]:
        star = bool(ctx.bindings.module_star_imports)  # any name may come from it
        module_names: set[str] | None = None
        declared_global: set[str] | None = None
        seen: set[int] = set()
        for op in ctx.operations:
            if op.kind != "RunPython" or ctx.overrides_unapply(op.class_def):
                continue
            reverse = op.argument(1, "reverse_code")
            fn = ctx.reach.lookup_callable(reverse, op.class_def) if reverse is not None else None
            if fn is None or id(fn) in seen:
                continue
            seen.add(id(fn))

            def lookup(node: ast.expr, class_def=op.class_def) -> FunctionNode | None:
                return ctx.reach.lookup_callable(node, class_def)

            raised = always_raises(fn, lookup)
            if raised is not None:
                yield self.finding(
                    f"{_label(fn)} always raises {_raised(raised, lookup)}: unapplying this "
                    "migration fails here",
                    ctx.source.node_range(raised),
                )
            if star:
                continue
            if module_names is None:
                module_names = set(ctx.bindings.module_names)
            reported: set[str] = set()
            for function in ctx.reach.reached_from(fn):
                for name in unbound_names(function, module_names):
                    if name.id in reported:
                        continue
                    if declared_global is None:
                        declared_global = global_declarations(ctx.tree)
                    if name.id in declared_global:
                        continue
                    reported.add(name.id)
                    yield self.finding(
                        f"`{name.id}` is bound nowhere in this module: unapplying this "
                        f"migration raises `NameError` in {_label(function)}",
                        ctx.source.node_range(name),
                    )

    def _missing_models(self, ctx: MigrationContext) -> Iterator[Finding]:
        """``apps.get_model()`` in a reverse, for a model that the state just before the
        ``RunPython`` does not have (its reverse runs in the state before it)."""
        if ctx.project is None or "get_model" not in ctx.source.text:
            return
        here = this_migration(ctx)
        if here is None:
            return
        project, key = here
        listed = ctx.losses.listed
        exact = exact_indices(ctx.tree)
        seen: set[int] = set()
        for op in _reverses(ctx):
            fn = ctx.reach.lookup_callable(op.slot_argument(op.reverse_slot), op.class_def)
            where = position(listed, exact, op.call)
            if fn is None or where is None:
                continue
            index, database_operation = where
            for function in ctx.reach.reached_from(fn):
                if "get_model" not in ctx.locate.function_text(function):
                    continue
                for got in registry_get_model_calls(function, ctx.bindings, seen):
                    why = _missing(project, key, index, database_operation, got, listed)
                    if why is None:
                        continue
                    text = ctx.source.slice(ctx.source.node_range(got.call))
                    yield self.finding(
                        f"`{text}` raises `LookupError` when this migration is unapplied, in "
                        f"{_label(function)}: {why}",
                        ctx.source.node_range(got.call),
                    )


def _reverses(ctx: MigrationContext) -> Iterator[OperationCall]:
    for op in ctx.operations:
        if op.kind == "RunPython" and op.custom is None and not ctx.overrides_unapply(op.class_def):
            if op.slot_argument(op.reverse_slot) is not None:
                yield op


def _missing(
    project: Any,
    key: MigrationKey,
    index: int,
    database_operation: int | None,
    got: GetModel,
    listed: list[ListedOperation],
) -> str | None:
    """Why ``got`` finds no model in the state before operation ``index``, or ``None``
    (it does, or that cannot be known; another app's model that this migration does not
    depend on is DJM007's)."""
    app, model = got.app_label, got.model_name
    lowered = model.lower()
    creators = project.creators(app, model)
    if app != key[0] and (creators or not project.has_app(app)):
        return None  # there is a migration that creates it: DJM007 compares the order
    if any(_gives(op) == lowered for op in listed[:index]):
        return None  # this file creates it before the RunPython
    try:
        if database_operation is None:
            found = project.has_model_before(key, index, app, model)
        else:
            found = (
                project.model_before(key, index, app, model, database_operation=database_operation)
                is not None
            )
    except LookupError:
        return None
    if found:
        return None
    if not creators:
        return f"no migration of `{app}` creates a model `{model}`"
    if any(project.is_ancestor(c, key) for c in creators):
        return (
            f"app `{app}` has no model `{model}` there (`{creators[0][0]}.{creators[0][1]}` "
            "creates it; a migration before this one deletes or renames it)"
        )
    return (
        f"app `{app}` has no model `{model}` there (`{creators[0][0]}.{creators[0][1]}`, "
        "which creates it, runs after this migration)"
    )


def _gives(op: ListedOperation) -> str | None:
    """The lower-cased name a ``CreateModel`` / ``RenameModel`` gives a model."""
    if op.kind == "CreateModel":
        name = op.literal(0, "name")
    elif op.kind == "RenameModel":
        name = op.literal(1, "new_name")
    else:
        return None
    return name.lower() if name else None


def _label(fn: FunctionNode) -> str:
    return "the reverse lambda" if isinstance(fn, ast.Lambda) else f"`{function_name(fn)}()`"


def _raised(stmt: ast.AST, lookup, depth: int = 0) -> str:
    """```RuntimeError``` for a ``raise``; for a call of a function that always raises,
    what it raises and through which function."""
    call = stmt.value if isinstance(stmt, ast.Expr) else stmt
    if isinstance(call, ast.Call) and depth < 3:
        target = lookup(call.func)
        inner = always_raises(target, lookup) if target is not None else None
        if inner is not None:
            return f"{_raised(inner, lookup, depth + 1)} (in `{ast.unparse(call.func)}()`)"
    return f"`{raised_name(stmt)}`"
