"""The hovers' questions at a position of a migration (``project/explain.py``): the
``get_model`` or ``RemoveField`` call there, the ``RunPython`` operations whose functions
reach a ``get_model``, and the Markdown the editor shows for them."""

from __future__ import annotations

from pathlib import Path

import pytest

from django_migration_lsp.checks import Position
from django_migration_lsp.project.environment import Environment
from django_migration_lsp.project.explain import (
    GET_MODEL,
    REMOVE_FIELD,
    call_at,
    explain_get_model,
    explain_remove_field,
    get_model_at,
    remove_field_at,
)
from django_migration_lsp.project.model import load_project
from django_migration_lsp.project.settings import Settings

from .test_project_state import HEADER, write

INITIAL = HEADER + (
    "class Migration(migrations.Migration):\n"
    "    initial = True\n"
    "    operations = [\n"
    '        migrations.CreateModel("Order", [("id", models.AutoField(primary_key=True)), '
    '("note", models.TextField())]),\n'
    '        migrations.CreateModel("Mirror", [("id", models.AutoField(primary_key=True))], '
    'options={"managed": False}),\n'
    "    ]\n"
)
#: Line by line: what each test points at is found by its text.
DATA = HEADER + (
    "from django.apps import apps as global_apps\n\n\n"
    "def both(apps, schema_editor):\n"
    '    apps.get_model("shop", "Order")\n\n\n'
    "def inner(apps, schema_editor):\n"
    '    apps.get_model("shop", "Refund")\n\n\n'
    "def live(apps, schema_editor):\n"
    '    global_apps.get_model("shop", "Order")\n\n\n'
    "class Migration(migrations.Migration):\n"
    '    dependencies = [("shop", "0001_initial")]\n'
    "    operations = [\n"
    "        migrations.RunPython(both, both),\n"
    "        migrations.SeparateDatabaseAndState(\n"
    "            database_operations=[\n"
    '                migrations.AddField("order", "code", models.IntegerField(default=0)),\n'
    "                migrations.RunPython(inner, live),\n"
    "            ],\n"
    "            state_operations=[migrations.RunPython(inner)],\n"
    "        ),\n"
    '        migrations.CreateModel("Refund", [("id", models.AutoField(primary_key=True))]),\n'
    "        migrations.RunPython(lambda apps, _: apps.get_model(app_label='shop', "
    "model_name='Refund')),\n"
    "        migrations.AddField(name(), 'x', models.TextField(null=True)),\n"
    "        migrations.RunPython(both),\n"
    '        migrations.RemoveField("order", "note"),\n'
    '        migrations.RemoveField("order", "nope"),\n'
    '        migrations.RemoveField("mirror", "id"),\n'
    '        migrations.RemoveField("ghost", "id"),\n'
    "    ]\n"
)
#: Why the state after operation 4 is unknown.
UNREAD = "shop.0002_data operation 4 (line {}, AddField): `model_name` is `name()`".format(
    next(n for n, line in enumerate(DATA.splitlines(), 1) if "AddField(name()" in line)
)
FILES = {"shop/migrations/0001_initial.py": INITIAL, "shop/migrations/0002_data.py": DATA}


@pytest.fixture
def project(tmp_path: Path):
    write(tmp_path, FILES)
    return load_project(tmp_path, environment=Environment(()), settings=Settings())


@pytest.fixture
def path(tmp_path: Path) -> str:
    return str(tmp_path / "shop/migrations/0002_data.py")


def at(needle: str, offset: int = 0, text: str = DATA) -> tuple[int, int]:
    """(line, column) ``offset`` characters into the first ``needle``."""
    lines = text.splitlines()
    line = next(n for n, t in enumerate(lines, 1) if needle in t)
    return line, lines[line - 1].index(needle) + offset


def test_call_at_is_read_from_the_text_alone():
    assert call_at(DATA, *at('apps.get_model("shop", "Order")', 3)) == GET_MODEL
    assert call_at(DATA, *at('RemoveField("order", "note")', 20)) == REMOVE_FIELD
    assert call_at(DATA, *at("RunPython(both, both)", 12)) is None  # inside, not on a call
    assert call_at(DATA, *at("def both")) is None
    assert call_at(DATA.replace("def both(", "def both(("), *at("get_model")) is None
    # Its range is the call's, ends included; the next character is outside.
    line, column = at('apps.get_model("shop", "Order")')
    assert call_at(DATA, line, column + len('apps.get_model("shop", "Order")')) == GET_MODEL
    assert call_at(DATA, line, column + len('apps.get_model("shop", "Order")') + 1) is None


def test_get_model_at_each_run_python_that_runs_it(project, path):
    [first, later] = get_model_at(project, path, *at('apps.get_model("shop", "Order")', 5))
    assert (first.index, first.database_operation, first.runs) == (0, None, ("forward", "reverse"))
    assert (later.index, later.runs) == (5, ("forward",))
    assert (first.app_label, first.model_name) == ("shop", "Order")
    assert first.range == later.range
    # Among database_operations; the state_operations' RunPython never runs.
    [nested] = get_model_at(project, path, *at('apps.get_model("shop", "Refund")'))
    assert (nested.index, nested.database_operation, nested.runs) == (1, 1, ("forward",))
    # Keywords, in a lambda.
    [lam] = get_model_at(project, path, *at("apps.get_model(app_label='shop'", 3))
    assert (lam.index, lam.model_name) == (3, "Refund")
    # The global registry (django.apps.apps) is no historical one.
    assert get_model_at(project, path, *at('global_apps.get_model("shop", "Order")', 3)) == []
    # Another file than the one read, or a file outside the graph.
    assert get_model_at(project, path + "x", *at('apps.get_model("shop", "Order")')) == []


def test_explain_get_model(project, path):
    found = get_model_at(project, path, *at('apps.get_model("shop", "Order")', 5))
    assert explain_get_model(project, found).split("\n\n---\n\n") == [
        "**shop.Order** before `shop.0002_data` `operations[0]` (`RunPython`, forward and "
        "reverse)\n\n"
        "- `id`: AutoField, NOT NULL, no default (shop.0001_initial)\n"
        "- `note`: TextField, NOT NULL, no default (shop.0001_initial)",
        # After an operation that cannot be read statically.
        "**shop.Order** before `shop.0002_data` `operations[5]` (`RunPython`, forward): the "
        f"state there is unknown ({UNREAD})",
    ]
    nested = get_model_at(project, path, *at('apps.get_model("shop", "Refund")'))
    assert explain_get_model(project, nested) == (
        "**shop.Refund** is not in the state before `shop.0002_data` "
        "`operations[1].database_operations[1]` (`RunPython`, forward): `get_model` raises "
        "`LookupError` when this migration is applied (this migration creates it, after "
        "that operation)"
    )
    lam = get_model_at(project, path, *at("apps.get_model(app_label='shop'", 3))
    assert explain_get_model(project, lam).startswith(
        "**shop.Refund** before `shop.0002_data` `operations[3]` (`RunPython`, forward)\n\n"
        "- `id`: AutoField, NOT NULL, no default (shop.0002_data)"
    )


def test_remove_field_at_and_why_it_may_not_be_known(project, path):
    code = remove_field_at(project, path, *at('RemoveField("order", "note")', 2))
    assert (code.index, code.kind, code.model, code.field) == (6, "RemoveField", "order", "note")
    assert code.range is not None and code.range.start == Position(at("RemoveField")[0], 8)
    # After the AddField that cannot be read: unknown.
    assert explain_remove_field(project, code) == (
        "**RemoveField** `shop.order.note`, `shop.0002_data` `operations[6]`: the state "
        f"before it is not known ({UNREAD})"
    )
    assert remove_field_at(project, path, *at("RunPython(both),", 3)) is None
    assert remove_field_at(project, path, *at('apps.get_model("shop", "Order")', 3)) is None


def test_explain_remove_field_before_the_unknown(tmp_path: Path):
    """The same questions where the state is known: a missing field, a missing model, an
    unmanaged model (its table is not the migrations')."""
    text = DATA.replace(
        "        migrations.AddField(name(), 'x', models.TextField(null=True)),\n", ""
    )
    write(tmp_path, {**FILES, "shop/migrations/0002_data.py": text})
    project = load_project(tmp_path, environment=Environment(()), settings=Settings())
    path = str(tmp_path / "shop/migrations/0002_data.py")

    def explained(needle: str) -> str:
        found = remove_field_at(project, path, *at(needle, 2, text), text)
        assert found is not None, needle
        return explain_remove_field(project, found)

    assert explained('RemoveField("order", "note")') == (
        "**RemoveField** `shop.Order.note`, `shop.0002_data` `operations[5]`\n\n"
        "Unapplying it re-adds column `note` to `shop_order`: TextField, NOT NULL, no "
        "default. On a table with rows it fails with IntegrityError (empty: it passes)."
    )
    assert explained('RemoveField("order", "nope")') == (
        "**RemoveField** `shop.order.nope`, `shop.0002_data` `operations[6]`: `Order` has no "
        "field `nope` in the state before it"
    )
    assert explained('RemoveField("mirror", "id")') == (
        "**RemoveField** `shop.Mirror.id`, `shop.0002_data` `operations[7]`\n\n"
        "`Mirror` is unmanaged or a proxy: unapplying it changes no table."
    )
    assert explained('RemoveField("ghost", "id")') == (
        "**RemoveField** `shop.ghost.id`, `shop.0002_data` `operations[8]`: there is no model "
        "`ghost` in the state before it"
    )
