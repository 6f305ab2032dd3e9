"""DJM007 through ``check``, with real Django as the oracle: ``migrate hounds 0002`` on a
fresh database raises ``LookupError`` before the fix and runs after it."""

from __future__ import annotations

import subprocess
import sys

from tests.rollback.plan_apps import plan_documented
from tests.rollback.project import Project, dedent, last_line, ok

LEDGER = {
    "ledger/models.py": """
        from django.db import models


        class Badge(models.Model):
            name = models.CharField(max_length=50)
    """,
    "ledger/migrations/0001_initial.py": """
        from django.db import migrations, models


        class Migration(migrations.Migration):
            initial = True
            operations = [
                migrations.CreateModel(
                    name="Badge",
                    fields=[
                        ("id", models.AutoField(primary_key=True)),
                        ("name", models.CharField(max_length=50)),
                    ],
                ),
            ]
    """,
}
HOUNDS = {
    "hounds/models.py": """
        from django.db import models


        class Hound(models.Model):
            badges = models.IntegerField(default=0)
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
                        ("badges", models.IntegerField(default=0)),
                    ],
                ),
            ]
    """,
    "hounds/migrations/0002_count_badges.py": """
        from django.db import migrations


        def count(apps, schema_editor):
            Badge = apps.get_model("ledger", "Badge")
            apps.get_model("hounds", "Hound").objects.update(badges=Badge.objects.count())


        class Migration(migrations.Migration):
            dependencies = [
                ("hounds", "0001_initial"),
            ]
            operations = [migrations.RunPython(count, migrations.RunPython.noop)]
    """,
}
FINDING = (
    "hounds/migrations/0002_count_badges.py:5:13: DJM007 "
    '`apps.get_model("ledger", "Badge")` reads a model of `ledger`, but this migration does '
    "not depend on the `ledger` migration that creates it (`ledger.0001_initial`); `migrate` "
    "raises `LookupError` when Django orders `ledger` after it"
)


def test_reported_fixed_and_django_agrees(make_project):
    project: Project = make_project(["hounds", "ledger"], {**LEDGER, **HOUNDS})
    before = project.migrate("hounds", "0002")
    assert last_line(before.stderr) == "LookupError: No installed app with label 'ledger'."

    found = project.check()
    assert found.returncode == 1
    assert found.stdout.splitlines()[0] == FINDING
    plan_documented(found.stdout, last_line(before.stderr))

    fixed = project.check("--fix", "--unsafe-fixes")
    assert fixed.returncode == 0, fixed.stdout
    text = project.read("hounds/migrations/0002_count_badges.py")
    assert '    dependencies = [\n        ("hounds", "0001_initial"),\n' in text
    assert '        ("ledger", "0001_initial"),\n    ]\n' in text
    compile(text, "0002", "exec")
    assert project.check().returncode == 0

    project.fresh_database()
    after = ok(project.migrate("hounds", "0002"))
    assert "Applying ledger.0001_initial... OK" in after.stdout
    assert "Applying hounds.0002_count_badges... OK" in after.stdout


def test_an_app_that_cannot_be_found_is_said_once(make_project):
    hounds = dict(HOUNDS)
    hounds["hounds/migrations/0003_more.py"] = HOUNDS["hounds/migrations/0002_count_badges.py"]
    for path in ("hounds/migrations/0002_count_badges.py", "hounds/migrations/0003_more.py"):
        hounds[path] = hounds[path].replace('"ledger"', '"kennel"')
    project = make_project(["hounds"], hounds)
    proc = project.check()
    assert proc.returncode == 0, proc.stdout
    assert proc.stderr == (
        "note: app `kennel` is neither in the project nor in the environment: "
        "`apps.get_model()` calls for its models were not checked (DJM007)\n"
    )


def test_worker_processes_get_the_project(make_project):
    files = {**LEDGER, **HOUNDS}
    body = HOUNDS["hounds/migrations/0002_count_badges.py"]
    for i in range(3, 40):  # more than PARALLEL_THRESHOLD files to analyse
        files[f"hounds/migrations/{i:04d}_more.py"] = body.replace(
            '("hounds", "0001_initial")', f'("hounds", "{i - 1:04d}_more")'
        )
    files["hounds/migrations/0003_more.py"] = body.replace(
        '("hounds", "0001_initial")', '("hounds", "0002_count_badges")'
    )
    project = make_project(["hounds", "ledger"], files)
    proc = project.check("--statistics")
    assert proc.returncode == 1
    assert proc.stdout.split() == ["38", "DJM007", "missing-app-dependency"]


PROBE = """
import sys
from django_migration_lsp.cli import main
code = main(sys.argv[1:])
print(code, "django" in sys.modules, "django_migration_lsp.project.model" in sys.modules)
"""


def test_no_project_and_no_django_when_no_rule_needs_it(make_project):
    project = make_project(["hounds", "ledger"], {**LEDGER, **HOUNDS})
    probe = [sys.executable, "-c", PROBE]

    def run(*args: str) -> str:
        proc = subprocess.run(
            [*probe, *args], cwd=project.root, capture_output=True, text=True, check=True
        )
        return proc.stdout.splitlines()[-1]

    # (exit status, Django imported, project built)
    assert run("check", "--select", "DJM001,DJM002,DJM003") == "0 False False"
    assert run("check", "hounds/migrations/0001_initial.py") == "0 False False"  # no get_model
    # DJM007 asks the graph's links, which are built without Django.
    assert run("check") == "1 False True"
    # Calls that name only the file's own app need no graph either.
    own = HOUNDS["hounds/migrations/0002_count_badges.py"].replace(
        '"ledger", "Badge"', '"hounds", "Hound"'
    )
    project.write({"hounds/migrations/0002_count_badges.py": own})
    assert run("check", "--select", "DJM007") == "0 False False"
    # DJM006 reads the project for any literal `get_model()`; no state question: no Django.
    assert run("check") == "0 False True"


def test_rule_without_project_reports_nothing():
    from django_migration_lsp.checks import analyze
    from django_migration_lsp.checks.registry import get_rule

    source = dedent(HOUNDS["hounds/migrations/0002_count_badges.py"])
    assert analyze(source, "x.py").findings == []  # parses; DJM003 and the others: nothing
    assert analyze(source, "hounds/migrations/0002.py", rules=[get_rule("DJM007")]).findings == []


def test_two_missing_dependencies_are_both_fixed_in_one_run(make_project):
    kennel = {
        "kennel/models.py": LEDGER["ledger/models.py"].replace("Badge", "Bone"),
        "kennel/migrations/0001_initial.py": LEDGER["ledger/migrations/0001_initial.py"].replace(
            '"Badge"', '"Bone"'
        ),
    }
    hounds = dict(HOUNDS)
    hounds["hounds/migrations/0002_count_badges.py"] = HOUNDS[
        "hounds/migrations/0002_count_badges.py"
    ].replace(
        'Badge = apps.get_model("ledger", "Badge")\n',
        'Badge = apps.get_model("ledger", "Badge")\n            apps.get_model("kennel.Bone")\n',
    )
    project = make_project(["hounds", "ledger", "kennel"], {**LEDGER, **kennel, **hounds})
    assert project.check("--statistics").stdout.split() == ["2", "DJM007", "missing-app-dependency"]
    fixed = project.check("--fix", "--unsafe-fixes")
    assert fixed.stdout.splitlines()[-1] == "Found 2 problems (2 fixed, 0 remaining)."
    text = project.read("hounds/migrations/0002_count_badges.py")
    assert (
        '        ("hounds", "0001_initial"),\n'
        '        ("ledger", "0001_initial"),\n'
        '        ("kennel", "0001_initial"),\n'
        "    ]\n"
    ) in text
    project.fresh_database()
    ok(project.migrate("hounds", "0002"))
