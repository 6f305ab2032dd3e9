"""``plan`` against real Django, for the failures ``migrate --plan`` does not foresee:
a ``RemoveField`` whose reverse fails on a table with rows (DJM005: ``fails``), and a
step that "succeeds" and loses rows (DJM004: ``lossy``).

On a database with rows, a real ``migrate shop 0001`` undoes the steps before the one
the plan says ``fails``, loses the rows the ``lossy`` step deleted, and stops with an
IntegrityError exactly there; on empty tables (a developer's database) the same
rollback passes.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from .plan_apps import plan_documented
from .project import Project, last_line, ok

FILES = {
    "shop/migrations/0001_initial.py": """
        from django.db import migrations, models


        class Migration(migrations.Migration):
            initial = True

            operations = [
                migrations.CreateModel(
                    name="Order",
                    fields=[
                        ("id", models.AutoField(primary_key=True)),
                        ("label", models.CharField(max_length=20, default="")),
                        ("note", models.TextField()),
                    ],
                ),
                migrations.CreateModel(
                    name="Archive",
                    fields=[
                        ("id", models.AutoField(primary_key=True)),
                        ("label", models.CharField(max_length=20)),
                    ],
                ),
            ]
    """,
    "shop/migrations/0002_remove_order_note.py": """
        from django.db import migrations


        class Migration(migrations.Migration):
            dependencies = [("shop", "0001_initial")]

            operations = [migrations.RemoveField(model_name="order", name="note")]
    """,
    "shop/migrations/0003_purge_archive.py": """
        from django.db import migrations


        class Migration(migrations.Migration):
            dependencies = [("shop", "0002_remove_order_note")]

            operations = [
                migrations.RunSQL("DELETE FROM shop_archive", reverse_sql=migrations.RunSQL.noop),
            ]
    """,
    "shop/migrations/0004_order_paid.py": """
        from django.db import migrations, models


        class Migration(migrations.Migration):
            dependencies = [("shop", "0003_purge_archive")]

            operations = [
                migrations.AddField("order", "paid", models.BooleanField(default=False)),
            ]
    """,
}
STEPS = ["shop.0004_order_paid", "shop.0003_purge_archive", "shop.0002_remove_order_note"]


@pytest.fixture
def site(tmp_path) -> Project:
    return Project(tmp_path / "site", ["shop"], FILES)


def plan_cli(project: Project, *args: str) -> subprocess.CompletedProcess:
    proc = project.run("-m", "django_migration_lsp", "plan", *args)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def with_rows(project: Project) -> None:
    ok(project.migrate("shop", "0001"))
    project.query("INSERT INTO shop_order (label, note) VALUES ('gift', 'wrap it')")
    project.query("INSERT INTO shop_archive (label) VALUES ('2019')")
    ok(project.migrate())


def test_the_plan_foresees_what_djangos_does_not(site: Project):
    with_rows(site)
    django = ok(site.migrate("shop", "0001", "--plan")).stdout
    assert [line for line in django.splitlines()[1:] if not line.startswith(" ")] == STEPS
    assert "IRREVERSIBLE" not in django  # Django's own plan sees nothing wrong

    proc = plan_cli(site, "shop", "0001", "--format", "json")
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert [(s["migration"], s["verdict"]) for s in data["steps"]] == [
        ("shop.0004_order_paid", "ok"),
        ("shop.0003_purge_archive", "lossy"),
        ("shop.0002_remove_order_note", "fails"),
    ]
    assert [f["code"] for f in data["steps"][1]["findings"]] == ["DJM004"]
    assert [f["code"] for f in data["steps"][2]["findings"]] == ["DJM005"]
    assert data["stops_at"] == "shop.0002_remove_order_note"
    assert data["undone_before_stop"] == STEPS[:2]

    # A real rollback, on the database with rows: it stops exactly there, with 0004 and
    # 0003 undone, and the archive's rows that 0003 deleted stay lost.
    rollback = site.migrate("shop", "0001")
    assert rollback.returncode != 0
    error = last_line(rollback.stderr)
    assert (
        error == "django.db.utils.IntegrityError: NOT NULL constraint failed: new__shop_order.note"
    )
    unapplied = [
        line.split()[1].rstrip(".")
        for line in rollback.stdout.splitlines()
        if line.strip().startswith("Unapplying") and line.endswith("OK")
    ]
    assert unapplied == data["undone_before_stop"]
    assert site.applied("shop") == ["0001_initial", "0002_remove_order_note"]
    assert site.query("SELECT count(*) FROM shop_archive") == [(0,)]

    text = plan_cli(site, "shop", "0001").stdout
    plan_documented(django, text, rollback.stdout, error)

    # What to do, first way: a default for the field in the applied migration, just before
    # the RemoveField. The forward is not run again; the rollback now completes.
    site.write(
        {
            "shop/migrations/0002_remove_order_note.py": """
                from django.db import migrations, models


                class Migration(migrations.Migration):
                    dependencies = [("shop", "0001_initial")]

                    operations = [
                        migrations.AlterField("order", "note", models.TextField(default="")),
                        migrations.RemoveField(model_name="order", name="note"),
                    ]
            """
        }
    )
    fixed = plan_cli(site, "shop", "0001", "--format", "json")
    assert json.loads(fixed.stdout)["stops_at"] is None
    back = ok(site.migrate("shop", "0001"))
    assert "Unapplying shop.0002_remove_order_note... OK" in back.stdout
    assert site.query("SELECT label, note FROM shop_order") == [("gift", "")]


def test_on_empty_tables_the_same_rollback_passes(site: Project):
    ok(site.migrate())
    back = ok(site.migrate("shop", "0001"))
    assert "Unapplying shop.0002_remove_order_note... OK" in back.stdout
    assert site.applied("shop") == ["0001_initial"]
