"""DJM001 and DJM002 on a real database: ``migrate hounds 0002`` before and after our fix."""

from __future__ import annotations

import ast

from django_migration_lsp.checks import analyze, fixes_for

from .project import Project, documented, fails, ok

HOUNDS = {
    "hounds/models.py": """
        from django.db import models


        class Hound(models.Model):
            name = models.CharField(max_length=50)
            good_boy = models.BooleanField(default=False)
    """,
    "hounds/migrations/0001_initial.py": """
        from django.db import migrations, models


        class Migration(migrations.Migration):
            initial = True

            operations = [
                migrations.CreateModel(
                    name="Hound",
                    fields=[
                        ("id", models.AutoField(primary_key=True)),
                        ("name", models.CharField(max_length=50)),
                    ],
                ),
            ]
    """,
    "hounds/migrations/0002_hound_good_boy.py": """
        from django.db import migrations, models


        class Migration(migrations.Migration):
            dependencies = [("hounds", "0001_initial")]

            operations = [
                migrations.AddField("hound", "good_boy", models.BooleanField(default=False)),
            ]
    """,
}

EVERY_HOUND_IS_GOOD = """
    from django.db import migrations


    def forwards(apps, schema_editor):
        Hound = apps.get_model("hounds", "Hound")
        Hound.objects.update(good_boy=True)


    class Migration(migrations.Migration):
        dependencies = [("hounds", "0002_hound_good_boy")]

        operations = [
            migrations.RunPython(forwards),
        ]
"""

GOOD_BOYS_SQL = """
    from django.db import migrations


    class Migration(migrations.Migration):
        dependencies = [("hounds", "0002_hound_good_boy")]

        operations = [
            migrations.RunSQL("UPDATE hounds_hound SET good_boy = 1"),
        ]
"""

M0003 = "hounds/migrations/0003_every_hound_is_good.py"


def hounds(make_project, third: str) -> Project:
    """The hounds app with ``third`` as 0003, migrated to 0003 with one hound in the table."""
    project = make_project(["hounds"], {**HOUNDS, M0003: third})
    ok(project.migrate("hounds", "0002"))
    project.query("INSERT INTO hounds_hound (name, good_boy) VALUES ('Rex', 0)")
    ok(project.migrate())
    assert project.query("SELECT name, good_boy FROM hounds_hound") == [("Rex", 1)]
    return project


def assert_rolls_back_and_forward(project: Project) -> tuple[str, str]:
    back = ok(project.migrate("hounds", "0002"))
    assert "Unapplying hounds.0003_every_hound_is_good... OK" in back.stdout
    assert project.applied("hounds") == ["0001_initial", "0002_hound_good_boy"]
    again = ok(project.migrate())
    assert "Applying hounds.0003_every_hound_is_good... OK" in again.stdout
    assert project.applied("hounds")[-1] == "0003_every_hound_is_good"
    return back.stdout, again.stdout


def test_the_11pm_rollback_run_python_without_reverse(make_project):
    project = hounds(make_project, EVERY_HOUND_IS_GOOD)

    # Before: the rollback dies and the migration stays applied.
    rollback = project.migrate("hounds", "0002")
    error = fails(rollback, "IrreversibleError")
    assert error == (
        "django.db.migrations.exceptions.IrreversibleError: Operation "
        "<RunPython <function forwards>> in hounds.0003_every_hound_is_good is not reversible"
    )
    assert project.applied("hounds")[-1] == "0003_every_hound_is_good"

    found = project.check()
    assert found.returncode == 1
    assert found.stdout.splitlines()[0] == (
        f"{M0003}:13:9: DJM001 `migrations.RunPython` has no reverse; "
        "unapplying this migration raises `IrreversibleError`"
    )

    diff = project.check("--diff", "--unsafe-fixes")
    fixed = project.check("--fix", "--unsafe-fixes")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "migrations.RunPython(forwards, migrations.RunPython.noop)," in project.read(M0003)

    # After: back to 0002 and forward again, through Django's own migrate.
    back, again = assert_rolls_back_and_forward(project)
    # A noop reverse makes the rollback run; it does not undo the data change.
    assert project.query("SELECT name, good_boy FROM hounds_hound") == [("Rex", 1)]
    clean = project.check()
    assert (clean.returncode, clean.stdout.strip()) == (0, "All checks passed!")

    documented(
        rollback.stdout, error, found.stdout, diff.stdout, fixed.stdout,
        back, again, clean.stdout,
    )  # fmt: skip


def test_run_sql_without_reverse_sql(make_project):
    project = hounds(make_project, GOOD_BOYS_SQL)

    error = fails(project.migrate("hounds", "0002"), "IrreversibleError")
    assert error == (
        "django.db.migrations.exceptions.IrreversibleError: Operation "
        "<RunSQL 'UPDATE hounds_hound SET good_boy = 1'> in hounds.0003_every_hound_is_good "
        "is not reversible"
    )
    found = project.check()
    assert found.returncode == 1
    assert f"{M0003}:8:9: DJM002 " in found.stdout

    assert project.check("--fix", "--unsafe-fixes").returncode == 0
    assert (
        'migrations.RunSQL("UPDATE hounds_hound SET good_boy = 1", '
        "reverse_sql=migrations.RunSQL.noop),"
    ) in project.read(M0003)

    assert_rolls_back_and_forward(project)
    assert project.check().returncode == 0


def test_written_reverse_function_unapplies(make_project):
    """Fix 1 of DJM001 (an editor quick fix, not applied by ``check --fix``)."""
    project = hounds(make_project, EVERY_HOUND_IS_GOOD)
    fails(project.migrate("hounds", "0002"), "IrreversibleError")

    path = project.root / M0003
    analysis = analyze(path.read_bytes(), str(path))
    [finding] = analysis.findings
    fix = fixes_for(analysis.source, finding)[1]
    assert fix.title == "Write a reverse function reverse_forwards()"
    text = analysis.source.apply(fix.edits)
    ast.parse(text)
    path.write_text(text, encoding="utf-8")
    assert "def reverse_forwards(apps, schema_editor):" in text
    assert "migrations.RunPython(forwards, reverse_forwards)," in text

    assert_rolls_back_and_forward(project)
    assert project.check().returncode == 0


SQUASHED = "hounds/migrations/0001_squashed_0003_every_hound_is_good.py"


def test_squashed_migration_spelling(make_project):
    """Older ``squashmigrations`` wrote ``migrations.operations.special.RunPython``."""
    project = make_project(
        ["hounds"],
        {
            **HOUNDS,
            M0003: EVERY_HOUND_IS_GOOD,
            SQUASHED: """
                from django.db import migrations, models


                def forwards(apps, schema_editor):
                    Hound = apps.get_model("hounds", "Hound")
                    Hound.objects.update(good_boy=True)


                class Migration(migrations.Migration):
                    replaces = [
                        ("hounds", "0001_initial"),
                        ("hounds", "0002_hound_good_boy"),
                        ("hounds", "0003_every_hound_is_good"),
                    ]

                    initial = True

                    operations = [
                        migrations.CreateModel(
                            name="Hound",
                            fields=[
                                ("id", models.AutoField(primary_key=True)),
                                ("name", models.CharField(max_length=50)),
                                ("good_boy", models.BooleanField(default=False)),
                            ],
                        ),
                        migrations.operations.special.RunPython(
                            code=forwards,
                        ),
                    ]
            """,
        },
    )
    first = ok(project.migrate())
    assert "Applying hounds.0001_squashed_0003_every_hound_is_good... OK" in first.stdout
    error = fails(project.migrate("hounds", "zero"), "IrreversibleError")
    assert "in hounds.0001_squashed_0003_every_hound_is_good is not reversible" in error

    found = project.check()
    assert found.returncode == 1
    assert f"{SQUASHED}:27:9: DJM001 " in found.stdout
    assert project.check("--fix", "--unsafe-fixes").returncode == 0
    # The reverse is spelled the way the operation is.
    assert "reverse_code=migrations.operations.special.RunPython.noop," in project.read(SQUASHED)

    back = ok(project.migrate("hounds", "zero"))
    assert "Unapplying hounds.0001_squashed_0003_every_hound_is_good... OK" in back.stdout
    assert "hounds_hound" not in project.tables()
    ok(project.migrate())
    assert project.applied("hounds") == [
        "0001_initial",
        "0001_squashed_0003_every_hound_is_good",
        "0002_hound_good_boy",
        "0003_every_hound_is_good",
    ]
    assert project.check().returncode == 0
