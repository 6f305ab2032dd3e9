from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ..base import Finding, Invalid, Rule, Valid
from ..context import MigrationContext
from ..facts import FAILS, NULLS, FieldFacts, MigrationKey
from ..operations import ListedOperation, migration_class
from ._fields import literal_field
from ._state import exact_indices, literal_list, this_migration

HEADER = "from django.db import migrations, models\n\n\n"
SHOP_0001 = HEADER + (
    "class Migration(migrations.Migration):\n"
    "    initial = True\n"
    "    operations = [\n"
    "        migrations.CreateModel(\n"
    '            name="Order",\n'
    "            fields=[\n"
    '                ("id", models.AutoField(primary_key=True)),\n'
    '                ("note", models.TextField()),\n'
    '                ("code", models.CharField(max_length=8, blank=True)),\n'
    '                ("paid", models.BooleanField(null=True)),\n'
    "            ],\n"
    "        ),\n"
    "    ]\n"
)
SHOP = {"shop/migrations/0001_initial.py": SHOP_0001}
AFTER_0001 = '    dependencies = [("shop", "0001_initial")]\n'

#: ``RemoveField("order", "note")`` / ``RemoveField(model_name="order", name="note")``.
_REMOVE = re.compile(
    rb"""RemoveField\(\s*(?:model_name\s*=\s*)?[rRuU]?["'](\w+)["']\s*,\s*"""
    rb"""(?:name\s*=\s*)?[rRuU]?["'](\w+)["']"""
)


@dataclass(frozen=True)
class _Failure:
    field: FieldFacts
    #: The ``AlterField`` whose reverse fails (``None``: re-adding the column fails).
    alter: ListedOperation | None = None


class ReverseFailsOnRows(Rule):
    """
    ## What it does
    Checks for a `RemoveField` of a field that, just before it, is NOT NULL and has no
    `default` or `db_default` (and is not a `blank` text field, which Django fills
    with `""`, nor `auto_now`): unapplying the migration re-adds that column, and the
    database has no value to give the existing rows.

    Also when the field was made nullable by an `AlterField` earlier in the same
    migration: the rollback re-adds the column with NULL in every row, then undoes the
    `AlterField`, which makes it NOT NULL again. And for a `RemoveField` among the
    `database_operations` of a `SeparateDatabaseAndState` (one only among its
    `state_operations` leaves the column in place: nothing to re-add).

    A migration whose class overrides `unapply()` (an "irreversible migration" base
    class) is left alone: its own code decides what unapplying does.

    The field's definition comes from the historical state along the migration graph
    (the migration that last changed it may be in another file, or in an installed
    app); for a field this file creates, from this file alone. A custom field class or
    an argument computed at import time makes it unknown: then nothing is reported.

    ## Why is this bad?
    The reverse passes on a developer's database, whose table is empty, and fails on
    every database that has rows: `IntegrityError` (`NOT NULL constraint failed`,
    `column "note" contains null values`), and `migrate shop 0001` stops half-way, with
    the migrations after this one already unapplied.

    ## Example
    ```python
    # 0001_initial.py: ("note", models.TextField()),
    operations = [
        migrations.RemoveField(model_name="order", name="note"),
    ]
    ```

    Use instead: give the field a default first, in the same migration, so that the
    rollback has a value for the rows:
    ```python
    operations = [
        migrations.AlterField(
            model_name="order", name="note", field=models.TextField(default="")
        ),
        migrations.RemoveField(model_name="order", name="note"),
    ]
    ```
    Or make it `null=True` in an earlier migration, released before this one (the usual
    two-step removal: stop using the column, then drop it). `null=True` in the same
    migration is not enough: the rollback undoes it too, on a column full of NULLs.

    ## Fix safety
    There is no automatic fix: the default to give is for you to choose.

    ## References
    - [Django docs: `RemoveField`](https://docs.djangoproject.com/en/stable/ref/migration-operations/#removefield)
    - [Django docs: migrations that add unique or non-nullable fields](https://docs.djangoproject.com/en/stable/howto/writing-migrations/#migrations-that-add-unique-fields)
    """

    code = "DJM005"
    name = "reverse-fails-on-existing-rows"
    summary = "`RemoveField` whose reverse re-adds a NOT NULL column without a default"
    triggers = (b"RemoveField",)
    needs_project = True
    asks_state = True

    VALID = [
        Valid(
            HEADER
            + "class Migration(migrations.Migration):\n"
            + AFTER_0001
            + "    operations = [\n"
            '        migrations.RemoveField("order", "code"),\n'
            '        migrations.RemoveField("order", "paid"),\n'
            "    ]\n",
            files=SHOP,
        ),
        Valid(
            HEADER
            + "class Migration(migrations.Migration):\n"
            + AFTER_0001
            + "    operations = [\n"
            '        migrations.AlterField("order", "note", models.TextField(default="")),\n'
            '        migrations.RemoveField("order", "note"),\n'
            "    ]\n",
            files=SHOP,
        ),
        Valid(
            HEADER
            + "class Migration(migrations.Migration):\n"
            + AFTER_0001
            + "    operations = [\n"
            "        migrations.SeparateDatabaseAndState(\n"
            '            state_operations=[migrations.RemoveField("order", "note")],\n'
            "        ),\n"
            "    ]\n",
            files=SHOP,
        ),
        Valid(
            "from django.db import migrations, models\n\nimport shop.fields\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    initial = True\n"
            "    operations = [\n"
            '        migrations.CreateModel("Order", [("id", models.AutoField(primary_key=True)), '
            '("total", shop.fields.MoneyField())]),\n'
            '        migrations.RemoveField("order", "total"),\n'
            "    ]\n",
            path="shop/migrations/0001_initial.py",
        ),
        Valid(
            HEADER + "class Migration(migrations.Migration):\n"
            '    dependencies = [("shop", "0001_initial")]\n'
            '    operations = [migrations.RemoveField("order", "note")]\n',
            path="shop/migrations/0002_example.py",
        ),
    ]
    INVALID = [
        Invalid(
            HEADER
            + "class Migration(migrations.Migration):\n"
            + AFTER_0001
            + "    operations = [\n"
            '        migrations.RemoveField(model_name="order", name="note"),\n'
            "    ]\n",
            range=(7, 9, 7, 31),
            message="Unapplying this `RemoveField` re-adds `order.note` as a NOT NULL column "
            "without a default (`TextField` since `shop.0001_initial`): the rollback fails "
            "with `IntegrityError` on a table with rows. To make it reversible, give `note` a "
            "`default` in an `AlterField` before it, or `null=True` in an earlier migration",
            files=SHOP,
        ),
        Invalid(
            HEADER
            + "class Migration(migrations.Migration):\n"
            + AFTER_0001
            + "    operations = [\n"
            '        migrations.AlterField("order", "note", models.TextField(null=True)),\n'
            '        migrations.RemoveField("order", "note"),\n'
            "    ]\n",
            range=(8, 9, 8, 31),
            message="Unapplying this migration re-adds `order.note` with NULL in every row, "
            "then undoes the `AlterField` on line 7, which makes it NOT NULL again: the "
            "rollback fails with `IntegrityError` on a table with rows. Give `note` a "
            "`default` in that `AlterField`, or make it `null=True` in an earlier migration",
            files=SHOP,
        ),
        Invalid(
            HEADER
            + "class Migration(migrations.Migration):\n"
            + AFTER_0001
            + "    operations = [\n"
            "        migrations.SeparateDatabaseAndState(\n"
            '            database_operations=[migrations.RemoveField("order", "note")],\n'
            "        ),\n"
            "    ]\n",
            range=(8, 34, 8, 56),
            files=SHOP,
        ),
        Invalid(
            HEADER + "class Migration(migrations.Migration):\n"
            "    initial = True\n"
            "    operations = [\n"
            "        migrations.CreateModel(\n"
            '            "Order", [("id", models.AutoField(primary_key=True)), '
            '("ref", models.IntegerField())]\n'
            "        ),\n"
            '        migrations.RemoveField("order", "ref"),\n'
            "    ]\n",
            range=(10, 9, 10, 31),
            message="Unapplying this `RemoveField` re-adds `order.ref` as a NOT NULL column "
            "without a default (`IntegerField` in this migration): the rollback fails with "
            "`IntegrityError` on a table with rows. To make it reversible, give `ref` a "
            "`default` in an `AlterField` before it, or `null=True` in an earlier migration",
            path="shop/migrations/0001_initial.py",
        ),
    ]

    def check(self, ctx: MigrationContext) -> Iterator[Finding]:
        if ctx.overrides_unapply(migration_class(ctx.tree)):
            return  # its own unapply() decides (django-cms's IrreversibleMigration refuses)
        listed = ctx.losses.listed
        exact = exact_indices(ctx.tree)
        here: tuple[Any, MigrationKey] | None | bool = False  # not looked up yet
        for op in listed:
            removals: list[tuple[ListedOperation, int | None]] = []
            if op.kind == "RemoveField":
                removals.append((op, None))
            elif op.kind == "SeparateDatabaseAndState" and literal_list(
                op.argument(0, "database_operations")
            ):
                removals += [(d, j) for j, d in enumerate(op.database) if d.kind == "RemoveField"]
            for removal, database_operation in removals:
                model = removal.literal(0, "model_name")
                name = removal.literal(1, "name")
                if not model or not name:
                    continue
                failure = _from_this_file(ctx, listed, op.index, model, name)
                if failure is None and op.index < exact:
                    if here is False:
                        here = this_migration(ctx)
                    if here:
                        project, key = here
                        failure = _from_state(
                            ctx, project, key, listed, op.index, model, name, database_operation
                        )
                if failure is None or failure is _SILENT:
                    continue
                if here is False:
                    here = this_migration(ctx)
                if not _deleted_later(listed, op.index, model, here or None):
                    this = here[1] if here else None
                    yield self._finding(ctx, removal, model, name, failure, this)

    def could_use_project(self, path: str, data: bytes) -> bool:
        """A file whose every ``RemoveField`` removes a field of a model it creates
        needs no project: the field's definition is in the file."""
        for model, name in _REMOVE.findall(data):
            creates = re.compile(
                rb"CreateModel\(\s*(?:name\s*=\s*)?[rRuU]?[\"']" + re.escape(model) + rb"[\"']",
                re.IGNORECASE,
            )
            defines = re.compile(rb"""\(\s*[rRuU]?["']""" + re.escape(name) + rb"""["']\s*,""")
            if not (creates.search(data) and defines.search(data)):
                return True
        return data.count(b"RemoveField") > len(_REMOVE.findall(data))

    def _finding(
        self,
        ctx: MigrationContext,
        removal: ListedOperation,
        model: str,
        name: str,
        failure: _Failure,
        this: Any,
    ) -> Finding:
        call = removal.node
        assert isinstance(call, ast.Call)
        label = f"`{model.lower()}.{name}`"
        if failure.alter is not None:
            message = (
                f"Unapplying this migration re-adds {label} with NULL in every row, then "
                f"undoes the `AlterField` on line {failure.alter.node.lineno}, which makes it "
                "NOT NULL again: the rollback fails with `IntegrityError` on a table with "
                f"rows. Give `{name}` a `default` in that `AlterField`, or make it "
                "`null=True` in an earlier migration"
            )
        else:
            field = failure.field
            by = field.changed_by
            since = "in this migration" if by is None or by == this else f"since `{by[0]}.{by[1]}`"
            message = (
                f"Unapplying this `RemoveField` re-adds {label} as a NOT NULL column without "
                f"a default (`{_type(field)}` {since}): the rollback fails with "
                f"`IntegrityError` on a table with rows. To make it reversible, give `{name}` "
                "a `default` in an `AlterField` before it, or `null=True` in an earlier "
                "migration"
            )
        return self.finding(message, ctx.source.node_range(call.func))


#: The answer "the facts are known and nothing fails": stop looking elsewhere.
_SILENT = _Failure(FieldFacts("", "", None, None, None, None))
#: In a walk back through the migration: an operation whose reverse may write the column.
_WRITES = FieldFacts("", "", None, None, None, None)

Restored = list[tuple[ListedOperation, FieldFacts | None]]


def _type(field: FieldFacts) -> str:
    return field.type.rpartition(".")[2] if field.opaque else field.type


def _walk(removed: FieldFacts | None, restored: Restored) -> _Failure:
    """Unapplying the migration: the column comes back as ``removed`` says, then each
    earlier ``AlterField`` of the field (``restored``: the operation and the field it
    restores, the latest first) is undone. Where do the rows lack a value?"""
    if removed is None:
        return _SILENT
    values = removed.re_added
    if values == FAILS:
        return _Failure(removed)
    if values != NULLS:
        return _SILENT  # a value in every row, or unknown
    for alter, field in restored:
        if field is None or field is _WRITES:
            return _SILENT  # unknown, or code that may fill the column in between
        if field.null:
            continue  # still nullable: the NULLs stay
        if field.re_added == FAILS:  # NOT NULL without a default: nothing replaces NULL
            return _Failure(field, alter)
        return _SILENT  # a default fills the NULLs (Django's four-way alteration), or unknown
    return _SILENT


def _restored(
    ctx: MigrationContext,
    listed: list[ListedOperation],
    index: int,
    model: str,
    name: str,
    before: Callable[[ListedOperation], FieldFacts | None],
) -> Restored:
    """The operations before ``index`` that unapplying undoes after re-adding the column,
    the latest first, as far as they matter: each ``AlterField`` of the field with the
    field it restores (``before``), up to the field's creation in this migration, or to
    an operation whose reverse may write it (:data:`_WRITES`)."""
    out: Restored = []
    lowered = model.lower()
    for op in reversed(listed[:index]):
        if (op.kind == "AddField" and _same(op, model, name)) or (
            op.kind == "CreateModel" and (op.literal(0, "name") or "").lower() == lowered
        ):
            break  # created in this migration: undoing that drops the column
        if op.kind == "AlterField" and _same(op, model, name):
            out.append((op, before(op)))
        elif _may_write(ctx, op):
            out.append((op, _WRITES))
            break
    return out


def _may_write(ctx: MigrationContext, op: ListedOperation) -> bool:
    """Could undoing ``op`` write rows? A ``RunPython`` whose reverse is not
    ``RunPython.noop``, a ``RunSQL`` with a reverse, an operation that is not Django's
    (or a ``SeparateDatabaseAndState``: its database operations may be any of those)."""
    if op.kind == "SeparateDatabaseAndState":
        return True
    if op.kind in ("RunPython", "RunSQL") or (op.kind is None and _is_code(ctx, op)):
        return _code_reverse(ctx, op)
    return op.kind is None


def _code_reverse(ctx: MigrationContext, op: ListedOperation) -> bool:
    """Does the ``RunPython``/``RunSQL`` call ``op`` give a reverse that does something?"""
    for call in ctx.operations:
        if call.call is op.node:
            if call.reverse_slot is None:
                return True  # the class gives one itself
            reverse = call.slot_argument(call.reverse_slot)
            if reverse is None or (isinstance(reverse, ast.Constant) and not reverse.value):
                return False
            return not (isinstance(reverse, ast.Attribute) and reverse.attr == "noop")
    return True


def _deleted_later(
    listed: list[ListedOperation], index: int, model: str, here: tuple[Any, MigrationKey] | None
) -> bool:
    """Is the model deleted after the ``RemoveField`` (later in this migration, or by a
    migration that depends on it)? Then the rollback re-creates its table empty first,
    and re-adding the column to an empty table passes."""
    lowered = model.lower()
    for op in listed[index + 1 :]:
        for nested in (op, *op.database):
            if (
                nested.kind == "DeleteModel"
                and (nested.literal(0, "name") or "").lower() == lowered
            ):
                return True
    if here:
        project, key = here
        return bool(project.deleted_after(key, key[0], model))
    return False


# -- the field as this file defines it -------------------------------------------------


def _same(op: ListedOperation, model: str, name: str | None = None) -> bool:
    found = (op.literal(0, "model_name") or "").lower() == model.lower()
    return found and (name is None or op.literal(1, "name") == name)


def _from_this_file(
    ctx: MigrationContext, listed: list[ListedOperation], index: int, model: str, name: str
) -> _Failure | None:
    """When this file creates the model and the field before ``index``: the failure (or
    :data:`_SILENT`) read from the file alone; ``None`` when the file does not settle it."""
    history: list[tuple[ListedOperation, FieldFacts | None]] = []
    created = False
    lowered = model.lower()
    for op in listed[:index]:
        kind = op.kind
        if kind == "CreateModel" and (op.literal(0, "name") or "").lower() == lowered:
            table = _has_table(op)
            if not table:
                return _SILENT if table is False else None  # unmanaged, a proxy / unknown
            created = True
            history = []
            field = _created_field(ctx, op, name)
            if field is not None:
                history.append((op, field))
        elif not created:
            continue
        elif kind in ("AddField", "AlterField") and _same(op, model, name):
            node = op.argument(2, "field")
            history.append((op, literal_field(node, name, ctx.bindings) if node else None))
        elif kind == "RemoveField" and _same(op, model, name):
            history = []
        elif kind in ("RenameField", "RenameModel", "DeleteModel", "SeparateDatabaseAndState"):
            return None  # what the state then holds is the project's to say
        elif kind is None and not _is_code(ctx, op):
            return None  # an operation that is not Django's: it may change the field
    if not created or not history or history[-1][1] is None:
        return None
    # Each AlterField -> the field as it was before it.
    previous = {id(op): before for (op, _), (_, before) in zip(history[1:], history, strict=False)}
    restored = _restored(ctx, listed, index, model, name, lambda op: previous.get(id(op)))
    return _walk(history[-1][1], restored)


def _created_field(ctx: MigrationContext, op: ListedOperation, name: str) -> FieldFacts | None:
    fields = op.argument(1, "fields")
    if not isinstance(fields, (ast.List, ast.Tuple)):
        return None
    for pair in fields.elts:
        if (
            isinstance(pair, ast.Tuple)
            and len(pair.elts) == 2
            and isinstance(pair.elts[0], ast.Constant)
            and pair.elts[0].value == name
        ):
            return literal_field(pair.elts[1], name, ctx.bindings)
    return None


def _has_table(op: ListedOperation) -> bool | None:
    """Does a ``CreateModel`` make a table (not unmanaged, not a proxy)?"""
    options = op.argument(2, "options")
    if options is None:
        return True
    if not isinstance(options, ast.Dict):
        return None
    for key, value in zip(options.keys, options.values, strict=True):
        if key is None:
            return None
        if isinstance(key, ast.Constant) and key.value in ("managed", "proxy"):
            if not isinstance(value, ast.Constant):
                return None
            if (key.value == "managed") != bool(value.value):
                return False
    return True


def _is_code(ctx: MigrationContext, op: ListedOperation) -> bool:
    """A ``RunPython``/``RunSQL`` (however spelled): it leaves the fields alone unless it
    has ``state_operations``."""
    return any(
        call.call is op.node and not any(kw.arg == "state_operations" for kw in call.call.keywords)
        for call in ctx.operations
    )


# -- the field as the project's state has it ----------------------------------------


def _from_state(
    ctx: MigrationContext,
    project: Any,
    this: MigrationKey,
    listed: list[ListedOperation],
    index: int,
    model: str,
    name: str,
    database_operation: int | None,
) -> _Failure | None:
    try:
        facts = project.model_before(
            this, index, this[0], model, database_operation=database_operation
        )
    except LookupError:
        return None  # unknown there: nothing to say
    if facts is None or facts.has_table is not True:
        return None

    def before(op: ListedOperation) -> FieldFacts | None:
        try:
            found = project.model_before(this, op.index, this[0], model)
        except LookupError:
            return None
        return found.field(name) if found is not None else None

    return _walk(facts.field(name), _restored(ctx, listed, index, model, name, before))
