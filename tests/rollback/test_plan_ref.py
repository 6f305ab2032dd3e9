"""``plan --to-ref``: back to the migrations of a release, in a real git repository.

Release 41 is committed and tagged; then migrations are added (one per app, and a new
app). ``plan --to-ref release-41`` must list what real ``migrate APP LEAF`` commands
unapply, in the same order, when they are run for the leaf migrations release 41 had
(and ``zero`` for the app it did not have), and leave the database with exactly the
migrations of release 41.
"""

from __future__ import annotations

import json
import subprocess

from .plan_apps import APPS, FILES, SETTINGS, plan_documented
from .project import SETTINGS_PY, Project, dedent, ok

NEW = {
    "shop/migrations/0005_order_status_index.py",
    "ledger/migrations/0004_account_locked.py",
    "hounds/migrations/0002_count_badges.py",
}
REVIEWS = {
    "reviews/models.py": """
        from django.db import models


        class Review(models.Model):
            order = models.ForeignKey("shop.Order", on_delete=models.CASCADE)
    """,
    "reviews/migrations/0001_initial.py": """
        from django.db import migrations, models


        class Migration(migrations.Migration):
            initial = True
            dependencies = [("shop", "0005_order_status_index")]
            operations = [
                migrations.CreateModel(
                    name="Review",
                    fields=[
                        ("id", models.AutoField(primary_key=True, serialize=False)),
                        (
                            "order",
                            models.ForeignKey(on_delete=models.deletion.CASCADE, to="shop.order"),
                        ),
                    ],
                ),
            ]
    """,
}


def git(project: Project, *args: str) -> str:
    proc = subprocess.run(
        ["git", "-c", "user.email=dev@example.com", "-c", "user.name=dev", *args],
        cwd=project.root,
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout


def test_to_ref_unapplies_what_the_release_did_not_have(make_project):
    release_41 = {path: text for path, text in FILES.items() if path not in NEW}
    project = make_project(APPS, release_41, settings=SETTINGS)
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "release 41")
    git(project, "tag", "release-41")
    at_41 = {
        path.split("/")[0] + "." + path.rsplit("/", 1)[1][:-3]
        for path in git(project, "ls-files").split()
        if "/migrations/0" in path
    }

    project.write({path: FILES[path] for path in NEW} | REVIEWS)
    settings = SETTINGS_PY.format(apps=[*APPS, "reviews"], extra=dedent(SETTINGS))
    project.write({"settings.py": settings}, exact=True)
    git(project, "add", "-A")
    git(project, "commit", "-qm", "release 42")

    proc = project.run(
        "-m", "django_migration_lsp", "plan", "--to-ref", "release-41", "--format", "json"
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    data = json.loads(proc.stdout)
    # ledger.0004's unapply() raises when locked accounts exist: on a database with rows
    # the rollback would stop there; the oracle below runs on one without.
    assert data["stops_at"] == "ledger.0004_account_locked"
    ours = [step["migration"] for step in data["steps"]]
    assert set(ours) == {"reviews.0001_initial"} | {
        p.split("/")[0] + "." + p.rsplit("/", 1)[1][:-3] for p in NEW
    }
    assert data["notes"] == []
    assert data["commands"] == [
        "python manage.py migrate accounts 0001_initial",
        "python manage.py migrate hounds 0001_initial",
        "python manage.py migrate ledger 0003_merge",
        "python manage.py migrate shop 0004_order_status",
        "python manage.py migrate reviews zero",
    ]

    # The oracle: today's code, fully migrated, then those commands for real.
    ok(project.migrate())
    unapplied = []
    for command in data["commands"]:
        app, target = command.split()[-2:]
        out = ok(project.migrate(app, target)).stdout
        unapplied += [
            line.split()[1].rstrip(".")
            for line in out.splitlines()
            if line.strip().startswith("Unapplying")
        ]
    assert unapplied == ours
    now = {
        f"{app}.{name}"
        for app in ("accounts", "ledger", "shop", "hounds", "reviews")
        for name in project.applied(app)
    }
    assert now == at_41
    text = project.run("-m", "django_migration_lsp", "plan", "--to-ref", "release-41").stdout
    plan_documented(text)


def test_unknown_ref_and_no_repository(make_project):
    project = make_project(APPS, FILES, settings=SETTINGS)
    proc = project.run("-m", "django_migration_lsp", "plan", "--to-ref", "release-41")
    assert proc.returncode == 2
    assert proc.stderr.startswith("django-migration-lsp plan: error: ")
    assert "not a git repository" in proc.stderr
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "x")
    proc = project.run("-m", "django_migration_lsp", "plan", "--to-ref", "nope")
    assert proc.returncode == 2
    assert proc.stderr == "django-migration-lsp plan: error: unknown git revision 'nope'\n"
