"""DJM005 on a real database: a ``RemoveField`` whose reverse re-adds a NOT NULL column
without a default. One app per case, each with a table and a ``0002`` that removes a
field; Django rolls each app back (``migrate <app> 0001``) on a table with rows, then on
an empty one. Where ``check`` reports DJM005, the rollback with rows fails with an
IntegrityError and the one on an empty table passes; where it does not, both pass. On
this environment's Django and on Django 3.2 (the oldest the users run: ``manage.py`` and
our CLI both run with it)."""

from __future__ import annotations

import pytest

from .project import Project, ok
from .test_plan_django32 import django32  # noqa: F401  (Django 3.2, installed once)

INITIAL = """
    from django.db import migrations, models


    class Migration(migrations.Migration):
        initial = True

        operations = [
            migrations.CreateModel(
                name="Order",
                fields=[
                    ("id", models.AutoField(primary_key=True)),
                    ("label", models.CharField(max_length=10, default="")),
                    ("code", models.IntegerField()),
                ],
            ),
        ]
"""

SECOND = """
    from django.db import migrations, models


    def fill_code(apps, schema_editor):
        Order = apps.get_model("{app}", "Order")
        Order.objects.filter(code__isnull=True).update(code=0)


    class Migration(migrations.Migration):
        dependencies = [("{app}", "0001_initial")]

        operations = [
            {operations}
        ]
"""

#: app -> (the operations of its 0002, does DJM005 report, at which line of 0002)
CASES = {
    # Re-adds `code` NOT NULL without a default.
    "plain": ('migrations.RemoveField("order", "code"),', 13),
    # null=True in the same migration: the rollback undoes it on a column full of NULLs.
    "nullable_first": (
        'migrations.AlterField("order", "code", models.IntegerField(null=True)),\n'
        '            migrations.RemoveField("order", "code"),',
        14,
    ),
    # Only the database drops the column: a SeparateDatabaseAndState's database operation.
    "database_only": (
        "migrations.SeparateDatabaseAndState(\n"
        '                database_operations=[migrations.RemoveField("order", "code")],\n'
        '                state_operations=[migrations.RemoveField("order", "code")],\n'
        "            ),",
        14,
    ),
    # A default first: the rollback fills the rows with it.
    "default_first": (
        'migrations.AlterField("order", "code", models.IntegerField(default=0)),\n'
        '            migrations.RemoveField("order", "code"),',
        None,
    ),
    # Only the state forgets the column: nothing to re-add.
    "state_only": (
        "migrations.SeparateDatabaseAndState(\n"
        '                state_operations=[migrations.RemoveField("order", "code")],\n'
        "            ),",
        None,
    ),
    # Nullable, then a reverse that fills the NULLs before NOT NULL comes back
    # (django.contrib.contenttypes' 0002 does this).
    "refilled": (
        'migrations.AlterField("order", "code", models.IntegerField(null=True)),\n'
        "            migrations.RunPython(migrations.RunPython.noop, fill_code),\n"
        '            migrations.RemoveField("order", "code"),',
        None,
    ),
}
#: The model is deleted by a later migration: its table comes back empty first.
DELETE_LATER = """
    from django.db import migrations


    class Migration(migrations.Migration):
        dependencies = [("deleted_later", "0002_remove")]

        operations = [migrations.DeleteModel("Order")]
"""


def files() -> dict[str, str]:
    out = {}
    for app, (operations, _) in {**CASES, "deleted_later": CASES["plain"]}.items():
        out[f"{app}/migrations/0001_initial.py"] = INITIAL
        out[f"{app}/migrations/0002_remove.py"] = SECOND.replace("{app}", app).replace(
            "{operations}", operations
        )
    out["deleted_later/migrations/0003_delete.py"] = DELETE_LATER
    return out


APPS = [*CASES, "deleted_later"]


@pytest.fixture(params=["installed", "3.2"])
def site(request, tmp_path) -> Project:
    pythonpath = [request.getfixturevalue("django32")] if request.param == "3.2" else []
    return Project(tmp_path / "site", APPS, files(), pythonpath=pythonpath)


def reported(project: Project) -> dict[str, int]:
    proc = project.check("--select", "DJM005", "--exit-zero")
    out = {}
    for line in proc.stdout.splitlines():
        if ": DJM005 " in line:
            path, row = line.split(":")[:2]
            out[path.split("/")[0]] = int(row)
    return out


def test_djm005_is_exactly_where_the_rollback_fails_on_rows(site: Project):
    expected = {app: line for app, (_, line) in CASES.items() if line is not None}
    assert reported(site) == expected

    site.fresh_database()
    for app in APPS:
        ok(site.migrate(app, "0001"))
        site.query(f"INSERT INTO {app}_order (label, code) VALUES ('one', 1)")
    ok(site.migrate())
    outcome = {}
    for app in APPS:
        back = site.migrate(app, "0001")
        if back.returncode:
            assert "IntegrityError" in back.stderr, back.stderr
            assert "0002_remove" in site.applied(app)
        else:
            assert site.applied(app) == ["0001_initial"]
        outcome[app] = back.returncode != 0
    assert outcome == {app: app in expected for app in APPS}

    # On an empty table, every rollback passes: the developer's database.
    site.fresh_database()
    ok(site.migrate())
    for app in APPS:
        ok(site.migrate(app, "0001"))


def test_what_a_removed_field_comes_back_as(site: Project):
    from django_migration_lsp.project.environment import Environment
    from django_migration_lsp.project.model import load_project

    project = load_project(site.root, environment=Environment(()))
    before = project.model_before(("plain", "0002_remove"), 0, "plain", "order")
    code = before.field("code")
    assert (code.type, code.null, code.has_default, code.re_added) == (
        "IntegerField",
        False,
        False,
        "fails",
    )
    assert code.changed_by == ("plain", "0001_initial")
    nullable = project.model_before(("nullable_first", "0002_remove"), 1, "nullable_first", "order")
    assert nullable.field("code").re_added == "nulls"
