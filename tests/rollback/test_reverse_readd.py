"""What unapplying a ``RemoveField`` does to a table with rows, against what the static
state predicts (``FieldFacts.fills_existing_rows``, what DJM005 will ask).

One app per kind of field, each with a model, one row, and a ``0002`` that removes the
field. Django rolls each app back on its own (``migrate <app> 0001``): re-adding the
column either fills the existing row (a default, ``db_default``, ``""`` for a blank text
field, the current time, NULL) or fails with an IntegrityError. The replay of the same
files, read statically, must say which.
"""

from __future__ import annotations

import django

from django_migration_lsp.project.environment import Environment
from django_migration_lsp.project.model import load_project

from .project import ok

#: app -> (the field as the migration writes it, does the rollback fill the row?)
FIELDS = {
    "char": ("models.CharField(max_length=10)", False),
    "char_blank": ("models.CharField(max_length=10, blank=True)", True),
    "text_blank": ("models.TextField(blank=True)", True),
    "integer": ("models.IntegerField()", False),
    "integer_blank": ("models.IntegerField(blank=True)", False),
    "integer_default": ("models.IntegerField(default=0)", True),
    "integer_null": ("models.IntegerField(null=True)", True),
    "boolean": ("models.BooleanField()", False),
    "created": ("models.DateTimeField(auto_now_add=True)", True),
    "foreign_key": ('models.ForeignKey("auth.Group", on_delete=models.CASCADE)', False),
    "many": ('models.ManyToManyField("auth.Group")', True),
    "callable_default": ("models.CharField(max_length=40, default=make_code)", True),
}
if django.VERSION >= (5, 0):
    FIELDS["db_default"] = ("models.IntegerField(db_default=1)", True)

INITIAL = """
from django.db import migrations, models


def make_code():
    return "X"


class Migration(migrations.Migration):
    initial = True

    dependencies = [("auth", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="Thing",
            fields=[
                ("id", models.AutoField(primary_key=True)),
                ("label", models.CharField(max_length=10, default="")),
                ("value", {field}),
            ],
        ),
    ]
"""

REMOVE = """
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("{app}", "0001_initial")]

    operations = [migrations.RemoveField("thing", "value")]
"""


def predicted(project, app: str) -> bool | None:
    thing = project.model_before((app, "0002_remove"), 0, app, "thing")
    return thing.field("value").fills_existing_rows


def test_re_adding_a_removed_column_fills_existing_rows_as_the_state_predicts(make_project):
    files = {}
    for app, (field, _) in FIELDS.items():
        files[f"{app}/migrations/0001_initial.py"] = INITIAL.replace("{field}", field)
        files[f"{app}/migrations/0002_remove.py"] = REMOVE.replace("{app}", app)
    apps = ["django.contrib.contenttypes", "django.contrib.auth", *FIELDS]
    project = make_project(apps, files)
    ok(project.migrate("auth"))
    for app in FIELDS:
        ok(project.migrate(app, "0001"))
        group = "INSERT INTO auth_group (name) VALUES (?)"
        project.query(group, app)
        [(group_id,)] = project.query("SELECT id FROM auth_group WHERE name = ?", app)
        column = "value_id" if app == "foreign_key" else "value"
        if app == "many":
            project.query(f"INSERT INTO {app}_thing (label) VALUES ('one')")
        else:
            project.query(
                f"INSERT INTO {app}_thing (label, {column}) VALUES ('one', ?)",
                group_id if app == "foreign_key" else ("2020-01-01" if app == "created" else 1),
            )
    ok(project.migrate())

    outcome = {}
    for app in FIELDS:
        back = project.migrate(app, "0001")
        if back.returncode == 0:
            assert project.query(f"SELECT label FROM {app}_thing") == [("one",)]
            outcome[app] = True
        else:
            assert "IntegrityError" in back.stderr, back.stderr
            assert project.applied(app) == ["0001_initial", "0002_remove"]
            outcome[app] = False
    assert outcome == {app: fills for app, (_, fills) in FIELDS.items()}
    static = load_project(project.root, environment=Environment.current())
    assert {app: predicted(static, app) for app in FIELDS} == outcome
