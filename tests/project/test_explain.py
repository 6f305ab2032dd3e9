"""What the editor's hovers will show, from the historical state: the operation at a
line, the model just before it (each field's type, null/default and the migration that
last changed it), and what a ``RemoveField``'s reverse puts back."""

from __future__ import annotations

from pathlib import Path

from django_migration_lsp.project.environment import Environment
from django_migration_lsp.project.explain import (
    describe_model,
    historical_model,
    operation_at,
    removed_field,
)
from django_migration_lsp.project.model import load_project
from django_migration_lsp.project.settings import Settings

from .test_project_state import HEADER, write

SHOP = {
    "shop/migrations/0001_initial.py": HEADER + "class Migration(migrations.Migration):\n"
    "    initial = True\n"
    "    operations = [\n"
    "        migrations.CreateModel(\n"
    '            "Order",\n'
    "            [\n"
    '                ("id", models.AutoField(primary_key=True)),\n'
    '                ("note", models.TextField()),\n'
    '                ("code", models.CharField(max_length=8, blank=True)),\n'
    '                ("paid", models.BooleanField(default=False)),\n'
    "            ],\n"
    "        ),\n"
    "    ]\n",
    "shop/migrations/0002_changes.py": HEADER + "class Migration(migrations.Migration):\n"
    '    dependencies = [("shop", "0001_initial")]\n'
    "    operations = [\n"
    '        migrations.AlterField("order", "paid", models.BooleanField(null=True)),\n'
    "        migrations.RemoveField(\n"
    '            model_name="order",\n'
    '            name="note",\n'
    "        ),\n"
    "        migrations.SeparateDatabaseAndState(\n"
    "            database_operations=[\n"
    '                migrations.RemoveField("order", "code"),\n'
    "            ],\n"
    "        ),\n"
    '        migrations.RemoveField("order", "paid"),\n'
    "    ]\n",
}


def project(root: Path):
    write(root, SHOP)
    return load_project(root, environment=Environment(()), settings=Settings())


def test_the_operation_at_a_line(tmp_path: Path):
    p = project(tmp_path)
    path = str(tmp_path / "shop/migrations/0002_changes.py")
    assert operation_at(p, path, 1) is None
    alter = operation_at(p, path, 7)
    assert (alter.index, alter.kind, alter.model, alter.field) == (0, "AlterField", "order", "paid")
    remove = operation_at(p, path, 10)  # inside the call, on its `name=` line
    assert (remove.index, remove.kind, remove.field, remove.line, remove.end_line) == (
        1,
        "RemoveField",
        "note",
        8,
        11,
    )
    nested = operation_at(p, path, 14)
    assert (nested.index, nested.database_operation, nested.field) == (2, 0, "code")
    wrapper = operation_at(p, path, 12)
    assert (wrapper.kind, wrapper.database_operation) == ("SeparateDatabaseAndState", None)
    # An editor's buffer, not the file on disk.
    text = (tmp_path / "shop/migrations/0002_changes.py").read_text()
    moved = operation_at(p, path, 8, text="\n" + text)
    assert (moved.index, moved.kind) == (0, "AlterField")


def test_the_historical_model_and_its_fields(tmp_path: Path):
    p = project(tmp_path)
    at = operation_at(p, str(tmp_path / "shop/migrations/0002_changes.py"), 9)
    order = historical_model(p, at)
    assert describe_model(order) == [
        "id: AutoField, NOT NULL, no default (shop.0001_initial)",
        "note: TextField, NOT NULL, no default (shop.0001_initial)",
        'code: CharField, NOT NULL, no default (blank: "") (shop.0001_initial)',
        "paid: BooleanField, NULL, no default (shop.0002_changes)",
    ]
    assert historical_model(p, at, "Nope") is None


def test_what_a_remove_fields_reverse_puts_back(tmp_path: Path):
    p = project(tmp_path)
    path = str(tmp_path / "shop/migrations/0002_changes.py")
    note = removed_field(p, operation_at(p, path, 9))
    assert note.rows == "fails"
    assert note.describe() == (
        "Unapplying it re-adds column `note` to `shop_order`: TextField, NOT NULL, no "
        "default. On a table with rows it fails with IntegrityError (empty: it passes)."
    )
    code = removed_field(p, operation_at(p, path, 14))
    assert code.describe().endswith('Existing rows get "".')
    paid = removed_field(p, operation_at(p, path, 17))
    assert paid.rows == "nulls"
    assert paid.describe() == (
        "Unapplying it re-adds column `paid` to `shop_order`: BooleanField, NULL, no default. "
        "Existing rows get NULL."
    )
    assert removed_field(p, operation_at(p, path, 7)) is None  # not a RemoveField
