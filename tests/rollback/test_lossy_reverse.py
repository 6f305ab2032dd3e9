"""DJM004 and DJM001's fix policy on a real database: rollbacks that succeed and lose data.

Each test migrates forwards with rows in the tables, rolls back with Django's own
``migrate shop 0001``, and reads the database with sqlite3: the rollback reports OK, and
the data is gone (rows deleted, a column re-added empty). The ordinary backfill, which
DJM004 leaves alone, loses nothing.
"""

from __future__ import annotations

import ast

from django_migration_lsp.checks import Applicability, analyze, fixes_for

from .project import Project, fails, ok

INITIAL = """
    from django.db import migrations, models


    class Migration(migrations.Migration):
        initial = True

        operations = [
            migrations.CreateModel(
                name="Order",
                fields=[
                    ("id", models.AutoField(primary_key=True)),
                    ("number", models.CharField(max_length=20)),
                    ("note", models.TextField(default="")),
                    ("checked_out", models.BooleanField(default=True)),
                ],
            ),
        ]
"""

MOVE_NOTES = """
    from django.db import migrations, models


    def copy_notes(apps, schema_editor):
        Order = apps.get_model("shop", "Order")
        Note = apps.get_model("shop", "Note")
        for order in Order.objects.exclude(note=""):
            Note.objects.create(order=order, text=order.note)


    class Migration(migrations.Migration):
        dependencies = [("shop", "0001_initial")]

        operations = [
            migrations.CreateModel(
                name="Note",
                fields=[
                    ("id", models.AutoField(primary_key=True)),
                    ("order", models.ForeignKey("shop.Order", models.CASCADE)),
                    ("text", models.TextField()),
                ],
            ),
            migrations.RunPython(copy_notes{reverse}),
            migrations.RemoveField(model_name="order", name="note"),
        ]
"""

M0002 = "shop/migrations/0002_move_notes.py"
ROWS = [("A-1", "ring twice"), ("A-2", ""), ("A-3", "leave at the door")]


def shop(make_project, second: str, name: str = M0002) -> Project:
    """The shop app migrated to 0001 with three orders, then forwards to the end."""
    project = make_project(["shop"], {"shop/migrations/0001_initial.py": INITIAL, name: second})
    ok(project.migrate("shop", "0001"))
    for number, note in ROWS:
        project.query("INSERT INTO shop_order (number, note, checked_out) VALUES (?, ?, 1)",
                      number, note)  # fmt: skip
    project.query("UPDATE shop_order SET checked_out = 0 WHERE number = 'A-2'")
    ok(project.migrate())
    return project


def columns(project: Project, table: str) -> list[str]:
    return [row[1] for row in project.query(f"PRAGMA table_info({table})")]


def move_notes(reverse: str) -> str:
    return MOVE_NOTES.replace("{reverse}", reverse)


def test_data_moved_then_dropped_comes_back_empty(make_project):
    project = shop(make_project, move_notes(", migrations.RunPython.noop"))
    assert project.query("SELECT text FROM shop_note ORDER BY id") == [
        ("ring twice",),
        ("leave at the door",),
    ]
    assert "note" not in columns(project, "shop_order")

    found = project.check()
    assert found.returncode == 1
    assert found.stdout.splitlines()[0] == (
        f"{M0002}:23:42: DJM004 The reverse `migrations.RunPython.noop` does nothing, but "
        "the forward reads `Order.note`, which `RemoveField` then drops (line 24): the "
        "rollback succeeds and re-adds `order.note` empty"
    )

    back = ok(project.migrate("shop", "0001"))
    assert "Unapplying shop.0002_move_notes... OK" in back.stdout
    assert project.applied("shop") == ["0001_initial"]
    # The column is back, empty, and the table the notes were moved to is gone with them.
    assert project.query("SELECT number, note FROM shop_order ORDER BY id") == [
        ("A-1", ""),
        ("A-2", ""),
        ("A-3", ""),
    ]
    assert "shop_note" not in project.tables()


DELETES = """
    from django.db import migrations


    def forget_abandoned(apps, schema_editor):
        Order = apps.get_model("shop", "Order")
        Order.objects.filter(checked_out=False).delete()


    class Migration(migrations.Migration):
        dependencies = [("shop", "0001_initial")]

        operations = [
            migrations.RunPython(forget_abandoned, migrations.RunPython.noop),
            migrations.RunSQL(
                "DELETE FROM shop_order WHERE number = 'A-3'",
                reverse_sql=migrations.RunSQL.noop,
            ),
        ]
"""


def test_deleted_rows_stay_deleted(make_project):
    project = shop(make_project, DELETES, "shop/migrations/0002_cleanup.py")
    assert project.query("SELECT number FROM shop_order") == [("A-1",)]

    found = project.check()
    assert [line.split(" ", 2)[:2] for line in found.stdout.splitlines()[:2]] == [
        ["shop/migrations/0002_cleanup.py:13:48:", "DJM004"],
        ["shop/migrations/0002_cleanup.py:16:25:", "DJM004"],
    ]
    assert "deletes rows with `Order.objects.filter(checked_out=False).delete()`" in found.stdout
    assert "runs `DELETE FROM shop_order` (line 15)" in found.stdout

    back = ok(project.migrate("shop", "0001"))
    assert "Unapplying shop.0002_cleanup... OK" in back.stdout
    assert project.query("SELECT number FROM shop_order") == [("A-1",)]


BACKFILL = """
    from django.db import migrations, models


    def fill_status(apps, schema_editor):
        Order = apps.get_model("shop", "Order")
        Order.objects.filter(checked_out=True).update(status="paid")


    class Migration(migrations.Migration):
        dependencies = [("shop", "0001_initial")]

        operations = [
            migrations.AddField(
                "order", "status", models.CharField(max_length=10, default="new")
            ),
            migrations.RunPython(fill_status, migrations.RunPython.noop),
        ]
"""


def test_the_ordinary_backfill_loses_nothing_and_is_not_reported(make_project):
    project = shop(make_project, BACKFILL, "shop/migrations/0002_status.py")
    assert project.query("SELECT number, status FROM shop_order ORDER BY id") == [
        ("A-1", "paid"),
        ("A-2", "new"),
        ("A-3", "paid"),
    ]
    found = project.check()
    assert (found.returncode, found.stdout.strip()) == (0, "All checks passed!")

    ok(project.migrate("shop", "0001"))
    # The filled column goes with the schema rollback; everything that was there stays.
    assert "status" not in columns(project, "shop_order")
    assert project.query("SELECT number, note FROM shop_order ORDER BY id") == ROWS


def test_djm001_does_not_trade_the_error_for_data_loss(make_project):
    """``--fix --unsafe-fixes`` leaves a lossy forward alone; the editor's first fix is the
    reverse function, and the no-op (titled as losing data) really loses it."""
    project = shop(make_project, move_notes(""))
    refused = project.migrate("shop", "0001")
    fails(refused, "IrreversibleError")
    assert project.applied("shop")[-1] == "0002_move_notes"

    found = project.check()
    assert found.stdout.splitlines()[0] == (
        f"{M0002}:23:9: DJM001 `migrations.RunPython` has no reverse; unapplying this "
        "migration raises `IrreversibleError`, and a no-op reverse would lose data: the "
        "forward reads `Order.note`, which `RemoveField` then drops (line 24)"
    )
    before = project.read(M0002)
    fixed = project.check("--fix", "--unsafe-fixes")
    assert fixed.returncode == 1 and "fixed" not in fixed.stdout
    assert project.read(M0002) == before
    assert "fixes available with" not in project.check().stdout

    path = project.root / M0002
    analysis = analyze(path.read_bytes(), str(path))
    [finding] = analysis.findings
    fixes = fixes_for(analysis.source, finding)
    assert [(f.title, f.applicability) for f in fixes] == [
        ("Write a reverse function reverse_copy_notes()", Applicability.DISPLAY_ONLY),
        (
            "Add migrations.RunPython.noop as reverse (loses data: the rollback succeeds, "
            "but the forward reads `Order.note`, which `RemoveField` then drops (line 24))",
            Applicability.DISPLAY_ONLY,
        ),
    ]
    skeleton = analysis.source.apply(fixes[0].edits)
    ast.parse(skeleton)
    assert "    # Until then, unapplying this migration succeeds and that data stays lost." in (
        skeleton
    )
    # Someone picks the no-op anyway: the rollback now "works" and the notes are gone.
    path.write_text(analysis.source.apply(fixes[1].edits), encoding="utf-8")
    ok(project.migrate("shop", "0001"))
    assert project.query("SELECT note FROM shop_order") == [("",), ("",), ("",)]
    assert "DJM004" in project.check().stdout
