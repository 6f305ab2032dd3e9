from __future__ import annotations

import ast
from collections.abc import Iterator

from ..base import Finding, Invalid, Rule, Valid
from ..context import MigrationContext
from ..effects import does_nothing
from ..operations import RELATIVE_IMPORT, RUN_PYTHON, RUN_SQL, OperationCall
from ..syntax import function_name

HEADER = "from django.db import migrations, models\n\n\n"
NOOPS = frozenset(f"{name}.noop" for name in RUN_PYTHON | RUN_SQL)

CONSTANCE_LIKE = (
    "from django.db import migrations\n\n\n"
    "def copy_from_old_table(apps, schema_editor):\n"
    '    old_table_name = "shop_legacy_setting"\n'
    "    with schema_editor.connection.cursor() as cursor:\n"
    "        cursor.execute(\n"
    '            f"INSERT INTO shop_setting (key, value) SELECT key, value FROM {old_table_name}"\n'
    "        )\n"
    '        cursor.execute(f"DROP TABLE {old_table_name}")\n\n\n'
    "class Migration(migrations.Migration):\n"
    '    dependencies = [("shop", "0001_initial")]\n\n'
    "    operations = [\n"
    "        migrations.RunPython(copy_from_old_table, reverse_code=lambda x, y: None),\n"
    "    ]\n"
)

MOVED = (
    HEADER + "def copy_notes(apps, schema_editor):\n"
    '    Order = apps.get_model("shop", "Order")\n'
    '    Note = apps.get_model("shop", "Note")\n'
    '    for order in Order.objects.exclude(note=""):\n'
    "        Note.objects.create(order=order, text=order.note)\n\n\n"
    "class Migration(migrations.Migration):\n"
    "    operations = [\n"
    "        migrations.CreateModel(\n"
    '            name="Note",\n'
    "            fields=[\n"
    '                ("id", models.AutoField(primary_key=True)),\n'
    '                ("order", models.ForeignKey("shop.Order", models.CASCADE)),\n'
    '                ("text", models.TextField()),\n'
    "            ],\n"
    "        ),\n"
    "        migrations.RunPython(copy_notes, migrations.RunPython.noop),\n"
    '        migrations.RemoveField(model_name="order", name="note"),\n'
    "    ]\n"
)


class LossyReverse(Rule):
    """
    ## What it does
    Checks for a `RunPython` or `RunSQL` whose reverse does nothing
    (`RunPython.noop`, a lambda returning `None`, a function whose body is only `pass`,
    a docstring or logging; `RunSQL.noop`, `""`, `[]`) while its forward destroys
    data that the rollback needs:

    - SQL that deletes rows, drops a table or a column, or truncates: in `RunSQL`, or in
      `cursor.execute(...)` strings and f-strings of the forward function (and of the
      functions of the file it calls);
    - ORM `.delete()` calls in the forward;
    - data moved, then its source dropped: the forward reads a field or a model (through
      `apps.get_model`) that a later operation of the same migration removes
      (`RemoveField`, `DeleteModel`, also as a `SeparateDatabaseAndState` database
      operation).

    The ordinary backfill (fill in a new column, no-op reverse) is not reported: the
    schema rollback drops that column again, and nothing is lost. Nor is
    de-duplication, the usual step before a unique constraint: rows deleted because
    their group counts more than one (`.annotate(n=Count("id")).filter(n__gt=1)`,
    `HAVING COUNT(*) > 1`) are copies of rows that stay.

    ## Why is this bad?
    A rollback that succeeds and loses data is worse than one that refuses. Unapplying
    the migration runs the no-op, Django records it as unapplied, and the previous
    release starts on a database without the table, the column or the rows it reads.
    django-constance 4.x's `0002` copies its settings into a new table, runs
    `DROP TABLE constance_config`, and gives `reverse_code=lambda x, y: None`: after a
    rollback, the old release fails on every request because its table is gone. When
    the forward moved data and then dropped its source, the rollback re-adds the
    columns (re-creates the table) empty, while the data sits where the forward put it.

    ## Example
    ```python
    def copy_notes(apps, schema_editor):
        Order = apps.get_model("shop", "Order")
        Note = apps.get_model("shop", "Note")
        for order in Order.objects.exclude(note=""):
            Note.objects.create(order=order, text=order.note)

    operations = [
        migrations.RunPython(copy_notes, migrations.RunPython.noop),
        migrations.RemoveField(model_name="order", name="note"),
    ]
    ```

    Use instead: a reverse that puts the data back, run before the schema rollback
    re-adds the column (operations are unapplied last first):
    ```python
    def copy_notes_back(apps, schema_editor):
        Note = apps.get_model("shop", "Note")
        for note in Note.objects.select_related("order"):
            note.order.note = note.text
            note.order.save(update_fields=["note"])

    operations = [
        migrations.RunPython(copy_notes, copy_notes_back),
        migrations.RemoveField(model_name="order", name="note"),
    ]
    ```
    When the data really cannot come back, make the rollback refuse instead of
    pretending: leave the reverse out (`IrreversibleError`), or keep the destructive
    step in a later migration that is never rolled back.

    ## Fix safety
    There is no automatic fix: what the reverse must do depends on the data.

    ## References
    - [Django docs: `RunPython`](https://docs.djangoproject.com/en/stable/ref/migration-operations/#runpython)
    - [Django docs: `RunSQL`](https://docs.djangoproject.com/en/stable/ref/migration-operations/#runsql)
    """

    code = "DJM004"
    name = "lossy-reverse"
    summary = "Reverse that does nothing on an operation whose forward destroys data"
    triggers = (b"RunPython", b"RunSQL", RELATIVE_IMPORT)

    VALID = [
        Valid(
            HEADER + "def fill_status(apps, schema_editor):\n"
            '    Order = apps.get_model("shop", "Order")\n'
            '    Order.objects.filter(paid=True).update(status="paid")\n\n\n'
            "class Migration(migrations.Migration):\n"
            "    operations = [\n"
            '        migrations.AddField("order", "status", models.CharField(max_length=10, '
            'default="new")),\n'
            "        migrations.RunPython(fill_status, migrations.RunPython.noop),\n"
            "    ]\n"
        ),
        Valid(
            HEADER + "class Migration(migrations.Migration):\n"
            "    operations = [\n"
            "        migrations.RunSQL(\n"
            '            "ALTER TABLE shop_line ADD CONSTRAINT line_order "\n'
            '            "FOREIGN KEY (order_id) "\n'
            '            "REFERENCES shop_order (id) ON DELETE CASCADE",\n'
            "            migrations.RunSQL.noop,\n"
            "        ),\n"
            "    ]\n"
        ),
        Valid(
            HEADER + "def archive_carts(apps, schema_editor):\n"
            '    Cart = apps.get_model("shop", "Cart")\n'
            '    Archived = apps.get_model("shop", "ArchivedCart")\n'
            "    old = Cart.objects.filter(checked_out=False)\n"
            "    Archived.objects.bulk_create(Archived(id=c.id) for c in old)\n"
            "    old.delete()\n\n\n"
            "def restore_carts(apps, schema_editor):\n"
            '    Cart = apps.get_model("shop", "Cart")\n'
            '    Archived = apps.get_model("shop", "ArchivedCart")\n'
            "    Cart.objects.bulk_create(\n"
            "        Cart(id=a.id) for a in Archived.objects.all()\n"
            "    )\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    operations = [migrations.RunPython(archive_carts, restore_carts)]\n"
        ),
        Valid(
            HEADER + "def copy_notes(apps, schema_editor):\n"
            '    Order = apps.get_model("shop", "Order")\n'
            "    for order in Order.objects.all():\n"
            "        order.comment = order.note\n"
            "        order.save()\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    operations = [\n"
            '        migrations.RemoveField("order", "legacy"),\n'
            "        migrations.RunPython(copy_notes, migrations.RunPython.noop),\n"
            "    ]\n"
        ),
        Valid(
            HEADER + "class Migration(migrations.Migration):\n"
            "    operations = [\n"
            "        migrations.RunSQL(\n"
            '            "CREATE TEMP TABLE ids AS SELECT id FROM shop_order; "\n'
            '            "UPDATE shop_order SET ref = id WHERE id IN (SELECT id FROM ids); "\n'
            '            "DROP TABLE ids",\n'
            '            reverse_sql="",\n'
            "        ),\n"
            "    ]\n"
        ),
        Valid(
            "from django.db import migrations\n"
            "from django.db.models import Count, Max\n\n\n"
            "def drop_duplicate_attempts(apps, schema_editor):\n"
            '    Attempt = apps.get_model("axes", "AccessAttempt")\n'
            "    groups = (\n"
            '        Attempt.objects.values("username", "ip_address")\n'
            '        .annotate(n=Count("id"), last=Max("id"))\n'
            "        .filter(n__gt=1)\n"
            "    )\n"
            "    for group in groups:\n"
            "        Attempt.objects.filter(\n"
            '            username=group["username"], ip_address=group["ip_address"]\n'
            '        ).exclude(id=group["last"]).delete()\n\n\n'
            "class Migration(migrations.Migration):\n"
            "    operations = [\n"
            "        migrations.RunPython(drop_duplicate_attempts, migrations.RunPython.noop),\n"
            "        migrations.AlterUniqueTogether(\n"
            '            name="accessattempt", unique_together={("username", "ip_address")}\n'
            "        ),\n"
            "    ]\n"
        ),
        Valid(
            HEADER + "def purge(apps, schema_editor):\n"
            '    apps.get_model("shop", "Cart").objects.all().delete()\n\n\n'
            "class Migration(migrations.Migration):\n"
            "    operations = [migrations.RunPython(purge)]\n"
        ),
    ]
    INVALID = [
        Invalid(
            CONSTANCE_LIKE,
            range=(17, 64, 17, 81),
            message="The reverse `lambda x, y: None` does nothing, but the forward runs "
            "`DROP TABLE shop_legacy_setting` (line 10): the rollback succeeds and table "
            "`shop_legacy_setting` and its rows stay gone",
        ),
        Invalid(
            MOVED,
            range=(21, 42, 21, 67),
            message="The reverse `migrations.RunPython.noop` does nothing, but the forward "
            "reads `Order.note`, which `RemoveField` then drops (line 22): the rollback "
            "succeeds and re-adds `order.note` empty",
        ),
        Invalid(
            HEADER + "def forget_carts(apps, schema_editor):\n"
            '    Cart = apps.get_model("shop", "Cart")\n'
            "    Cart.objects.filter(checked_out=False).delete()\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    operations = [migrations.RunPython(forget_carts, migrations.RunPython.noop)]\n",
            range=(10, 54, 10, 79),
            message="The reverse `migrations.RunPython.noop` does nothing, but the forward "
            "deletes rows with `Cart.objects.filter(checked_out=False).delete()` "
            "(line 6): the rollback succeeds and the deleted rows stay gone",
        ),
        Invalid(
            HEADER + "class Migration(migrations.Migration):\n"
            "    operations = [\n"
            "        migrations.RunSQL(\n"
            '            "DELETE FROM shop_cart WHERE checked_out = false",\n'
            "            migrations.RunSQL.noop,\n"
            "        ),\n"
            "    ]\n",
            range=(8, 13, 8, 35),
            message="The reverse `migrations.RunSQL.noop` does nothing, but the forward runs "
            "`DELETE FROM shop_cart` (line 7): the rollback succeeds and the deleted rows "
            "stay gone",
        ),
        Invalid(
            "import logging\n\n"
            "from django.db import migrations\n\n"
            "logger = logging.getLogger(__name__)\n\n\n"
            "def drop_legacy(apps, schema_editor):\n"
            '    table = apps.get_model("shop", "Order")._meta.db_table\n'
            '    schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN legacy_ref")\n\n\n'
            "def restore_legacy(apps, schema_editor):\n"
            '    """Nothing to do."""\n'
            '    logger.info("legacy_ref is not restored")\n\n\n'
            "class Migration(migrations.Migration):\n"
            "    operations = [migrations.RunPython(drop_legacy, restore_legacy)]\n",
            range=(19, 53, 19, 67),
            message="The reverse `restore_legacy()` does nothing, but the forward runs "
            "`ALTER TABLE {table} DROP COLUMN legacy_ref` (line 10): the rollback succeeds "
            "and column `legacy_ref` and its values stay gone",
        ),
        Invalid(
            HEADER + "def move_addresses(apps, schema_editor):\n"
            '    Customer = apps.get_model("shop", "Customer")\n'
            '    OldAddress = apps.get_model("shop", "OldAddress")\n'
            "    for old in OldAddress.objects.all():\n"
            "        Customer.objects.filter(pk=old.customer_id).update(street=old.street)\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    operations = [\n"
            "        migrations.RunPython(move_addresses, migrations.RunPython.noop),\n"
            "        migrations.SeparateDatabaseAndState(\n"
            '            state_operations=[migrations.DeleteModel("OldAddress")],\n'
            '            database_operations=[migrations.DeleteModel("OldAddress")],\n'
            "        ),\n"
            "    ]\n",
            range=(13, 46, 13, 71),
            message="The reverse `migrations.RunPython.noop` does nothing, but the forward "
            "reads `OldAddress`, which `DeleteModel` then drops (line 16): the rollback "
            "succeeds and re-creates `OldAddress` empty",
        ),
        Invalid(
            HEADER + "class Migration(migrations.Migration):\n"
            "    operations = [\n"
            "        migrations.RunSQL(\n"
            '            ["INSERT INTO shop_archive SELECT * FROM shop_event",\n'
            '             "TRUNCATE shop_event"],\n'
            "            reverse_sql=[],\n"
            "        ),\n"
            "    ]\n",
            range=(9, 25, 9, 27),
        ),
    ]

    def check(self, ctx: MigrationContext) -> Iterator[Finding]:
        for op in ctx.operations:
            if ctx.overrides_unapply(op.class_def):
                continue
            reverse = _noop_reverse(ctx, op)
            if reverse is None:
                continue
            losses = ctx.losses.of(op)
            if not losses:
                continue
            first = losses[0]
            more = f" (and {len(losses) - 1} more)" if len(losses) > 1 else ""
            node, text = reverse
            yield self.finding(
                f"The reverse `{text}` does nothing, but the forward {first.describe()}"
                f"{more}: the rollback succeeds and {first.consequence}",
                ctx.source.node_range(node),
            )


def _noop_reverse(ctx: MigrationContext, op: OperationCall) -> tuple[ast.expr, str] | None:
    """The reverse argument and how to name it, when it does nothing."""
    reverse = op.argument(1, "reverse_code" if op.kind == "RunPython" else "reverse_sql")
    if reverse is None or (isinstance(reverse, ast.Constant) and reverse.value is None):
        return None  # no reverse at all: DJM001 / DJM002
    text = ctx.source.slice(ctx.source.node_range(reverse))
    if ctx.bindings.qualified_name(reverse) in NOOPS:
        return reverse, text
    if op.kind == "RunSQL":
        if _empty_sql(reverse):
            return reverse, text
        return None
    fn = ctx.reach.lookup_callable(reverse, op.class_def)
    if fn is None or not does_nothing(fn):
        return None
    if isinstance(fn, ast.Lambda):
        return reverse, text if len(text) <= 40 and "\n" not in text else "lambda"
    return reverse, f"{function_name(fn)}()"


def _empty_sql(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return not node.value.strip(" \t\r\n;")
    if isinstance(node, (ast.List, ast.Tuple)):
        return all(_empty_sql(e) for e in node.elts)
    return False
