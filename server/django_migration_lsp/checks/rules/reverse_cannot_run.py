from __future__ import annotations

import ast
from collections.abc import Iterator

from ..base import Finding, Invalid, Rule, Valid
from ..context import MigrationContext
from ..effects import always_raises, global_declarations, raised_name, unbound_names
from ..syntax import FunctionNode, function_name

HEADER = "from django.db import migrations\n\n\n"


class ReverseCannotRun(Rule):
    """
    ## What it does
    Checks the reverse function of a `RunPython` (and the functions of the file it
    calls) for code that cannot run:

    - it always raises: every path through it ends in a `raise` (or in a call to a
      function of the file that always raises);
    - it uses a name that nothing binds in the module: not a local, a parameter, an
      import, a module-level name or a builtin, so that line raises `NameError`.

    ## Why is this bad?
    Reverse functions run only on rollback, the one time nobody has tested them: the
    forward runs on every deployment and every test database, the reverse perhaps never
    before the night a release has to be undone. A typo there (`Order` instead of
    `apps.get_model("shop", "Order")`) or a reverse that raises stops `migrate shop 0002`
    half-way, with the migrations after it already unapplied.

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
    summary = "Reverse function that always raises or uses a name bound nowhere"
    triggers = (b"RunPython",)

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
            "    operations = [migrations.RunPython(forwards, backwards)]\n"
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
            "    operations = [migrations.RunPython(migrations.RunPython.noop, backwards)]\n"
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
            "class Migration(migrations.Migration):\n"
            "    operations = [\n"
            "        migrations.RunPython(\n"
            "            migrations.RunPython.noop,\n"
            '            lambda apps, se: restore(apps.get_model("shop", "Order"), True),\n'
            "        ),\n"
            "    ]\n",
            range=(5, 31, 5, 36),
            message="`valeu` is bound nowhere in this module: unapplying this migration "
            "raises `NameError` in `restore()`",
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
    ]

    def check(self, ctx: MigrationContext) -> Iterator[Finding]:
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
