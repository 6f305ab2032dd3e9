"""``django-migration-lsp plan`` against real Django on SQLite.

The order of the steps must be exactly what ``manage.py migrate APP TARGET --plan``
prints; where the plan says a rollback stops must be where a real ``migrate APP TARGET``
stops on a database with rows, including a failure ``--plan`` does not foresee (an
``unapply()`` that raises when locked accounts exist). The project (``plan_apps.py``)
has several apps, cross-app dependencies, a merge, a squash, a swappable user model,
``run_before`` and ``__first__``.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from django_migration_lsp.project.model import load_project
from django_migration_lsp.project.rollback import plan as make_plan
from django_migration_lsp.project.rollback import plan_past

from .plan_apps import APPS, FILES, SETTINGS, plan_documented
from .project import Project, fails, last_line, ok

#: ``migrate APP TARGET`` targets, rolled back from a fully migrated database.
TARGETS = [
    ("shop", "0002"),  # a replaced migration: Django plans without the squash
    ("shop", "0001_squashed"),
    ("shop", "0003"),
    ("shop", "zero"),
    ("ledger", "0001"),
    ("ledger", "0002_badge"),
    ("ledger", "0003"),
    ("ledger", "zero"),
    ("accounts", "zero"),  # the swappable user model: everything that uses it
    ("hounds", "zero"),
    ("hounds", "0001"),
    ("contenttypes", "0001"),  # an installed app, read from site-packages
    ("auth", "zero"),
    ("shop", "0005"),  # the latest: nothing to do
]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Project:
    project = Project(
        tmp_path_factory.mktemp("plan") / "site",
        [*APPS, "django.contrib.messages"],
        FILES,
        settings=SETTINGS,
    )
    ok(project.migrate())
    return project


def django_plan(project: Project, app: str, target: str) -> list[str]:
    """The migrations ``migrate APP TARGET --plan`` lists, in its order."""
    out = ok(project.migrate(app, target, "--plan")).stdout
    lines = out.splitlines()
    assert lines[0] == "Planned operations:", out
    return [line for line in lines[1:] if line and not line.startswith(" ")]


def plan_cli(project: Project, *args: str) -> subprocess.CompletedProcess:
    proc = project.run("-m", "django_migration_lsp", "plan", *args)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_order_is_djangos_for_every_target(site: Project):
    project = load_project(site.root)
    for app, target in TARGETS:
        ours = [step.label for step in make_plan(project, app, target).steps]
        assert ours == django_plan(site, app, target), (app, target)


def test_cli_json_shape_and_verdicts(site: Project):
    proc = plan_cli(site, "shop", "0002", "--format", "json")
    assert proc.returncode == 1, proc.stdout
    data = json.loads(proc.stdout)
    assert data["target"] == "shop.0002_order_note"
    assert [(s["migration"], s["verdict"]) for s in data["steps"]] == [
        ("shop.0005_order_status_index", "ok"),
        ("shop.0004_order_status", "ok"),
        ("shop.0003_backfill_note", "blocked"),
    ]
    blocked = data["steps"][2]
    assert blocked["path"] == "shop/migrations/0003_backfill_note.py"
    assert blocked["findings"] == [
        {
            "code": "DJM001",
            "line": 11,
            "message": "`migrations.RunPython` has no reverse; unapplying this migration raises "
            "`IrreversibleError`",
            "verdict": "blocked",
            "silenced": False,
        }
    ]
    assert data["stops_at"] == "shop.0003_backfill_note"
    assert data["outcome"] == "blocked"
    assert data["undone_before_stop"] == ["shop.0005_order_status_index", "shop.0004_order_status"]
    assert data["problems"] == []
    plan_documented(proc.stdout)


def test_blocked_rollback_stops_where_the_plan_says(site: Project, tmp_path):
    # A copy of the migrated database: the module's site stays fully migrated.
    before = (site.root / "db.sqlite3").read_bytes()
    try:
        site.query("INSERT INTO shop_order (note, status) VALUES ('gift', 'new')")
        plan = json.loads(plan_cli(site, "shop", "0002", "--format", "json").stdout)
        rollback = site.migrate("shop", "0002")
        error = fails(rollback, "IrreversibleError")
        assert "shop.0003_backfill_note is not reversible" in error
        unapplied = [
            line.split()[1].rstrip(".")
            for line in rollback.stdout.splitlines()
            if line.strip().startswith("Unapplying") and line.endswith("OK")
        ]
        assert unapplied == plan["undone_before_stop"]
        assert site.applied("shop")[-1] == "0003_backfill_note"
        assert plan["stops_at"] == "shop.0003_backfill_note"
        plan_documented(rollback.stdout, error)
    finally:
        (site.root / "db.sqlite3").write_bytes(before)


def test_a_failure_that_djangos_plan_does_not_foresee(site: Project):
    before = (site.root / "db.sqlite3").read_bytes()
    try:
        django = site.migrate("ledger", "0001", "--plan").stdout
        assert "IRREVERSIBLE" not in django  # Django's own plan sees nothing wrong
        plan = json.loads(plan_cli(site, "ledger", "0001", "--format", "json").stdout)
        assert plan["stops_at"] == "ledger.0004_account_locked"
        stop = plan["steps"][1]
        assert stop["verdict"] == "fails"
        assert "when `cursor.fetchone()[0] > 0`" in stop["findings"][0]["message"]

        site.query("INSERT INTO accounts_user (password, email) VALUES ('x', 'a@example.com')")
        site.query("INSERT INTO ledger_account (owner_id, locked) VALUES (1, 1)")
        rollback = site.migrate("ledger", "0001")
        assert last_line(rollback.stderr) == (
            "RuntimeError: locked accounts exist: unlock them before rolling back"
        )
        assert "Unapplying shop.0005_order_status_index... OK" in rollback.stdout
        assert plan["undone_before_stop"] == ["shop.0005_order_status_index"]
        assert "0004_account_locked" in site.applied("ledger")
        assert "0005_order_status_index" not in site.applied("shop")
        text = plan_cli(site, "ledger", "0001").stdout
        plan_documented(django, text, rollback.stdout, last_line(rollback.stderr))
    finally:
        (site.root / "db.sqlite3").write_bytes(before)


def test_text_output_and_exit_status(site: Project):
    blocked = plan_cli(site, "shop", "0003")
    assert blocked.returncode == 0, blocked.stdout  # 0005 and 0004 have a reverse
    assert blocked.stdout.endswith("The rollback completes: every step has a reverse that runs.\n")
    latest = plan_cli(site, "shop", "0005")
    assert latest.returncode == 0
    assert latest.stdout == (
        "Nothing to unapply: the database is already at shop.0005_order_status_index.\n"
    )
    stop = plan_cli(site, "shop", "0002")
    assert stop.returncode == 1
    assert "Stops at step 3, shop.0003_backfill_note" in stop.stdout
    assert "python manage.py migrate --fake shop 0002_order_note" in stop.stdout
    plan_documented(stop.stdout)


@pytest.mark.parametrize(
    ("args", "django_args"),
    [
        (("kennel", "0001"), ("kennel", "0001")),
        (("django.contrib.auth", "0001"), ("django.contrib.auth", "0001")),
        (("messages", "0001"), ("messages", "0001")),
        (("ledger", "0002"), ("ledger", "0002")),
        (("ledger", "0009"), ("ledger", "0009")),
    ],
    ids=["unknown-app", "did-you-mean", "no-migrations", "ambiguous", "no-such-migration"],
)
def test_errors_are_djangos(site: Project, args, django_args):
    django = site.migrate(*django_args, "--plan")
    assert django.returncode != 0
    expected = last_line(django.stderr).removeprefix("CommandError: ")
    ours = plan_cli(site, *args)
    assert ours.returncode == 2
    assert ours.stdout == ""
    assert ours.stderr == f"django-migration-lsp plan: error: {expected}\n"
    if args == ("ledger", "0002"):
        plan_documented(ours.stderr)


def test_noqa_does_not_unblock_the_rollback(make_project):
    files = dict(FILES)
    files["shop/migrations/0003_backfill_note.py"] = FILES[
        "shop/migrations/0003_backfill_note.py"
    ].replace(
        "operations = [migrations.RunPython(backfill)]",
        "operations = [migrations.RunPython(backfill)]  # noqa: DJM001",
    )
    project = make_project(APPS, files, settings=SETTINGS)
    assert project.check().returncode == 0  # check is silenced...
    data = json.loads(plan_cli(project, "shop", "0002", "--format", "json").stdout)
    assert data["stops_at"] == "shop.0003_backfill_note"  # ...the rollback is not
    assert data["steps"][2]["findings"][0]["silenced"] is True


def test_conflicting_leaves_are_refused_as_django_does(make_project):
    files = dict(FILES)
    files["ledger/migrations/0004_other.py"] = """
        from django.db import migrations


        class Migration(migrations.Migration):
            dependencies = [("ledger", "0003_merge")]
            operations = []
    """
    project = make_project(APPS, files, settings=SETTINGS)
    django = project.migrate("shop", "0002", "--plan")
    lines = [line for line in django.stderr.splitlines() if line.strip()]
    expected = "\n".join(lines[-2:]).removeprefix("CommandError: ")
    assert expected.startswith("Conflicting migrations detected")
    ours = plan_cli(project, "shop", "0002")
    assert ours.returncode == 2
    assert ours.stderr == f"django-migration-lsp plan: error: {expected}\n"


def test_rolling_back_past_each_migration_is_migrate_to_its_parent(site: Project):
    """What the editor's lens will show on every migration file: the steps of the command
    that unapplies it, as Django plans them."""
    project = load_project(site.root)
    own = sorted(key for key in project.own if project.infos[key].is_migration)
    assert len(own) == 14
    for key in own:
        past = plan_past(project, key)
        ((app, parent),) = past.commands
        assert app == key[0]
        labels = [step.label for step in past.steps]
        assert f"{key[0]}.{key[1]}" in labels or key not in project.graph.nodes, key
        assert labels == django_plan(site, app, parent), key


@pytest.mark.parametrize(
    ("target", "rows", "stop"),
    [
        (("shop", "0002"), ["INSERT INTO shop_order (note, status) VALUES ('gift', 'new')"], 3),
        (
            ("ledger", "0001"),
            [
                "INSERT INTO accounts_user (password, email) VALUES ('x', 'a@example.com')",
                "INSERT INTO ledger_account (owner_id, locked) VALUES (1, 1)",
            ],
            2,
        ),
    ],
    ids=["blocked", "fails"],
)
def test_the_fake_recipe_gets_past_the_stop(site: Project, target, rows, stop):
    """The commands under "What to do", run for real, leave the database where the
    rollback was going: every step of the plan unapplied (the stop only recorded so)."""
    before = (site.root / "db.sqlite3").read_bytes()
    try:
        for sql in rows:
            site.query(sql)
        proc = plan_cli(site, *target)
        data = json.loads(plan_cli(site, *target, "--format", "json").stdout)
        commands = [
            line.split("#")[0].split()[2:]
            for line in proc.stdout.splitlines()
            if line.startswith("        python manage.py migrate")
        ]
        assert commands[1][:2] == ["migrate", "--fake"]
        first = site.manage(*commands[0], "--no-input")
        assert first.returncode != 0  # the rollback stops at the stop, as planned
        for command in commands[1:]:
            ok(site.manage(*command, "--no-input"))
        applied = {
            f"{app}.{name}"
            for app in ("accounts", "ledger", "shop", "hounds")
            for name in site.applied(app)
        }
        assert applied.isdisjoint(step["migration"] for step in data["steps"])
        assert data["steps"][stop - 1]["migration"] == data["stops_at"]
    finally:
        (site.root / "db.sqlite3").write_bytes(before)


def test_a_broken_graph_is_reported_above_the_plan(make_project):
    files = dict(FILES)
    files["hounds/migrations/0002_count_badges.py"] = "def (:\n"  # mid-edit
    files["shop/migrations/0005_order_status_index.py"] = FILES[
        "shop/migrations/0005_order_status_index.py"
    ].replace('("ledger", "0004_account_locked")', '("ledger", "0009_gone")')
    project = make_project(APPS, files, settings=SETTINGS)
    django = project.migrate("shop", "0003", "--plan")
    assert django.returncode != 0  # Django's loader refuses the project
    proc = plan_cli(project, "shop", "0003", "--format", "json")
    data = json.loads(proc.stdout)
    assert [p["kind"] for p in data["problems"]] == ["unreadable", "missing-node"]
    assert data["problems"][1]["message"] == (
        "Migration shop.0005_order_status_index dependencies reference nonexistent parent "
        "node ('ledger', '0009_gone')"
    )
    text = plan_cli(project, "shop", "0003").stdout
    assert text.startswith("warning: ")
    assert "`migrate` does not start until it is fixed" in text


def test_a_cycle_is_refused_as_django_does_not_planned_for_ever(make_project):
    cycle = {
        "shop/migrations/0001_initial.py": """
            from django.db import migrations


            class Migration(migrations.Migration):
                initial = True
                dependencies = [("shop", "0002_x")]
                operations = []
        """,
        "shop/migrations/0002_x.py": """
            from django.db import migrations


            class Migration(migrations.Migration):
                dependencies = [("shop", "0001_initial")]
                operations = []
        """,
    }
    project = make_project(["shop"], cycle)
    django = project.migrate("shop", "0001")
    fails(django, "CircularDependencyError")
    for args in (("shop", "0001"), ("shop", "zero", "--format", "json")):
        ours = plan_cli(project, *args)  # Django's backwards_plan would never end on it
        assert ours.returncode == 2, ours.stdout
        assert ours.stderr.startswith("django-migration-lsp plan: error: Circular dependency: ")
        assert "shop.0001_initial" in ours.stderr and "shop.0002_x" in ours.stderr
