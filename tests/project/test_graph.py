"""The project's graph, read statically, against real Django: ``showmigrations --plan``
prints Django's full forwards order; ours must be the same, line for line."""

from __future__ import annotations

import os
import pickle
import textwrap
from pathlib import Path

import pytest

from django_migration_lsp.project.environment import Environment
from django_migration_lsp.project.model import find_root, load_project
from django_migration_lsp.project.settings import Settings
from tests.fifo import without_waiting_on
from tests.rollback.plan_apps import APPS, FILES, SETTINGS
from tests.rollback.project import Project, ok


@pytest.fixture(scope="module")
def django_project(tmp_path_factory) -> Project:
    return Project(tmp_path_factory.mktemp("graph") / "site", APPS, FILES, settings=SETTINGS)


def django_full_plan(project: Project) -> list[str]:
    out = ok(project.manage("showmigrations", "--plan")).stdout
    return [line.split("]", 1)[1].strip() for line in out.splitlines() if line.startswith("[")]


def test_full_plan_is_djangos(django_project: Project):
    ours = load_project(django_project.root)
    assert ours.problems == []
    assert [f"{a}.{n}" for a, n in ours.full_plan()] == django_full_plan(django_project)


def test_graph_facts_swappable_squash_run_before(django_project: Project):
    p = load_project(django_project.root)
    # AUTH_USER_MODEL = "accounts.User": ledger.0001 depends on accounts' first migration.
    assert p.is_ancestor(("accounts", "0001_initial"), ("ledger", "0001_initial"))
    # The squash stands in for what it replaces, and the replaced files map to it.
    assert ("shop", "0002_order_note") not in p.graph.nodes
    assert p.node(("shop", "0002_order_note")) == ("shop", "0001_squashed_0002_order_note")
    assert p.is_ancestor(("shop", "0001_initial"), ("shop", "0003_backfill_note"))
    path = str(django_project.root / "shop/migrations/0002_order_note.py")
    assert p.migration_of(path) == ("shop", "0002_order_note")
    # run_before: ledger.0002_entry depends on hounds.0001 (which depends on shop.__first__).
    assert p.is_ancestor(("hounds", "0001_initial"), ("ledger", "0002_entry"))
    assert p.is_ancestor(("shop", "0001_initial"), ("ledger", "0002_entry"))
    assert not p.is_ancestor(("ledger", "0002_entry"), ("hounds", "0001_initial"))
    # Installed apps from this environment: django.contrib.auth, read statically.
    assert p.leaf("auth") == ("auth", "0012_alter_user_first_name_max_length")
    assert not p.is_own(("auth", "0001_initial")) and p.is_own(("shop", "0001_initial"))
    assert p.creators("ledger", "badge") == (("ledger", "0002_badge"),)
    assert p.creators("ledger", "Nope") == ()
    assert p.has_app("ledger") and not p.has_app("kennel")
    assert p.leaf("ledger") == ("ledger", "0004_account_locked")


def test_pickled_project_rebuilds_the_same_graph(django_project: Project):
    p = load_project(django_project.root)
    plan = p.full_plan()
    copy = pickle.loads(pickle.dumps(p))
    assert "loaded" not in copy.__dict__  # derived, not shipped to workers
    assert copy.full_plan() == plan


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def migration(*deps: tuple[str, str], creates: str = "", extra: str = "") -> str:
    ops = f"migrations.CreateModel({creates!r}, fields=[])" if creates else ""
    return (
        "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
        f"    dependencies = {list(deps)!r}\n{extra}    operations = [{ops}]\n"
    )


def bare(root: Path):
    return load_project(root, environment=Environment(()), settings=Settings())


def test_what_django_would_refuse_is_reported_not_raised(tmp_path: Path):
    write(
        tmp_path,
        {
            "shop/migrations/0001_initial.py": migration(("ledger", "0009_gone")),
            "shop/migrations/0002_more.py": migration(("shop", "0001_initial"), ("kennel", "0001")),
            "ledger/migrations/0001_initial.py": migration(("ledger", "0002_loop")),
            "ledger/migrations/0002_loop.py": migration(("ledger", "0001_initial")),
            "ledger/migrations/helpers.py": "def helper():\n    pass\n",
        },
    )
    p = bare(tmp_path)
    kinds = {(pr.kind, pr.message) for pr in p.problems}
    assert (
        "missing-node",
        "Migration shop.0001_initial dependencies reference nonexistent parent node "
        "('ledger', '0009_gone')",
    ) in kinds
    assert (
        "missing-node",
        "Migration shop.0002_more dependencies reference nonexistent parent node "
        "('kennel', '0001')",
    ) in kinds
    assert any(k == "cycle" and "ledger.0001_initial" in m for k, m in kinds)
    assert any(k == "not-a-migration" and "helpers.py" in m for k, m in kinds)
    # The rest of the graph is still there.
    assert p.forwards_plan(("shop", "0002_more")) == [
        ("shop", "0001_initial"),
        ("shop", "0002_more"),
    ]


def test_first_latest_and_unknown_apps(tmp_path: Path):
    write(
        tmp_path,
        {
            "a/migrations/0001_initial.py": migration(("a", "__first__")),
            "a/migrations/0002_second.py": migration(("a", "0001_initial")),
            "b/migrations/0001_initial.py": migration(("a", "__first__"), ("ghost", "__first__")),
            "c/migrations/0001_initial.py": migration(("a", "__latest__")),
        },
    )
    p = bare(tmp_path)
    assert p.forwards_plan(("b", "0001_initial")) == [("a", "0001_initial"), ("b", "0001_initial")]
    assert p.forwards_plan(("c", "0001_initial"))[-2:] == [
        ("a", "0002_second"),
        ("c", "0001_initial"),
    ]
    assert [(pr.kind, pr.message) for pr in p.problems] == [
        ("unknown-app", "Dependency on unknown app: ghost (in b.0001_initial)")
    ]


def test_refresh_and_with_source_update_one_node(tmp_path: Path):
    write(
        tmp_path,
        {
            "a/migrations/0001_initial.py": migration(creates="Thing"),
            "b/migrations/0001_initial.py": migration(),
        },
    )
    p = bare(tmp_path)
    b = ("b", "0001_initial")
    assert not p.is_ancestor(("a", "0001_initial"), b)
    path = str(tmp_path / "b/migrations/0001_initial.py")
    edited = p.with_source(path, migration(("a", "0001_initial")))
    assert edited.is_ancestor(("a", "0001_initial"), b)
    assert not p.is_ancestor(("a", "0001_initial"), b)  # the original is unchanged
    assert p.with_source(path, Path(path).read_text()) is p  # same info: same view

    generation = p.generation
    assert p.refresh() == set()  # nothing changed on disk: nothing read again
    Path(path).write_text(migration(("a", "0001_initial")))
    stat = os.stat(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert p.refresh([path]) == {b}
    assert p.generation == generation + 1
    assert p.is_ancestor(("a", "0001_initial"), b)
    # A change that keeps the links: the node's info is swapped, the graph is kept.
    graph = p.graph
    Path(path).write_text(migration(("a", "0001_initial"), creates="Other"))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000))
    assert p.refresh([path]) == {b}
    assert p.graph is graph and p.graph.nodes[b].creates == ("Other",)
    assert p.creators("b", "other") == (b,)
    # A new file named by the editor joins the graph; a deleted one leaves it.
    new = tmp_path / "b/migrations/0002_next.py"
    new.write_text(migration(b))
    assert p.refresh([new]) == {("b", "0002_next")}
    assert p.leaf("b") == ("b", "0002_next") and p.is_own(("b", "0002_next"))
    new.unlink()
    Path(path).unlink()
    assert p.refresh() == {b, ("b", "0002_next")}
    assert not p.has_app("b")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_migration_replaced_by_a_fifo_is_not_opened(tmp_path: Path):
    """Between the walk and a read (a save that refreshes, the operations read when a
    rule asks the state), a migration may become a FIFO: it is read as ``check`` reads,
    never waited on."""
    write(
        tmp_path,
        {
            "a/migrations/0001_initial.py": migration(creates="Thing"),
            "a/migrations/0002_more.py": migration(("a", "0001_initial"), creates="Other"),
        },
    )
    p = bare(tmp_path)
    folder = tmp_path / "a/migrations"
    first, second = folder / "0001_initial.py", folder / "0002_more.py"
    first.unlink()
    os.mkfifo(first)
    operations = without_waiting_on(first, lambda: p.operations(("a", "0001_initial")))
    assert "not a regular file" in (operations.problem or ""), operations.problem
    second.unlink()
    os.mkfifo(second)
    assert without_waiting_on(second, p.refresh) == set()  # left as it was read, not read again
    assert p.is_ancestor(("a", "0001_initial"), ("a", "0002_more"))


def test_project_root(tmp_path: Path):
    (tmp_path / "repo" / "site" / "shop" / "migrations").mkdir(parents=True)
    (tmp_path / "repo" / ".git").mkdir()
    (tmp_path / "repo" / "site" / "manage.py").write_text("")
    (tmp_path / "repo" / "docs").mkdir()
    shop = tmp_path / "repo" / "site" / "shop" / "migrations"
    assert find_root(shop) == tmp_path / "repo" / "site"
    assert find_root(tmp_path / "repo" / "docs") == tmp_path / "repo"
    assert find_root(tmp_path / "repo" / "docs", named=True) == tmp_path / "repo" / "docs"
    assert find_root(shop, named=True) == tmp_path / "repo" / "site"


def test_installed_apps_found_statically_in_a_site_folder(tmp_path: Path):
    site = tmp_path / "site"
    write(
        site,
        {
            "pkg/kennel/__init__.py": "",
            "pkg/kennel/apps.py": """
                from django.apps import AppConfig


                class KennelConfig(AppConfig):
                    name = "pkg.kennel"
                    label = "dogs"
            """,
            "pkg/kennel/migrations/__init__.py": "",
            "pkg/kennel/migrations/0001_initial.py": migration(creates="Bone"),
            "pkg/kennel/migrations/_helper.py": "x = 1\n",
            "pkg/__init__.py": "",
            "plain/__init__.py": "",
        },
    )
    write(
        tmp_path / "proj",
        {
            "manage.py": "",
            "settings.py": 'INSTALLED_APPS = ["pkg.kennel.apps.KennelConfig", "plain", "absent"]\n',
            "shop/migrations/0001_initial.py": migration(("dogs", "0001_initial")),
        },
    )
    p = load_project(tmp_path / "proj", environment=Environment((str(site),)))
    assert p.forwards_plan(("shop", "0001_initial")) == [
        ("dogs", "0001_initial"),
        ("shop", "0001_initial"),
    ]
    assert p.migrations_of("dogs") == [("dogs", "0001_initial")]  # _helper is not one
    assert "plain" in p.unmigrated_apps
    assert p.app_packages["dogs"] == "pkg.kennel"
    assert [pr.kind for pr in p.problems] == ["environment"]  # "absent" is nowhere
    assert "'absent'" in p.problems[0].message


def test_another_interpreters_sys_path(tmp_path: Path):
    import subprocess
    import sys

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = tmp_path / "extra"
    site.mkdir()
    pth = next(venv.glob("lib/python*/site-packages"))
    (pth / "extra.pth").write_text(str(site) + "\n")
    env = Environment.of_python(str(venv / "bin" / "python"))
    assert str(site) in env.paths
    assert env.python == str(venv / "bin" / "python")

    from django_migration_lsp.project.environment import InterpreterError

    with pytest.raises(InterpreterError, match="cannot run"):
        Environment.of_python(str(tmp_path / "no-python"))
    (tmp_path / "fake").write_text("#!/bin/sh\necho nope; exit 3\n")
    (tmp_path / "fake").chmod(0o755)
    with pytest.raises(InterpreterError, match="did not print its sys.path"):
        Environment.of_python(str(tmp_path / "fake"))


def test_migration_modules_relocate_a_package(tmp_path: Path):
    write(
        tmp_path,
        {
            "manage.py": "",
            "settings.py": """
                INSTALLED_APPS = ["shop", "vendor"]
                MIGRATION_MODULES = {"shop": "shop.db_migrations", "vendor": "site_mig.vendor"}
            """,
            "shop/__init__.py": "",
            "shop/db_migrations/__init__.py": "",
            "shop/db_migrations/0001_initial.py": migration(("vendor", "0001_initial")),
            "site_mig/__init__.py": "",
            "site_mig/vendor/__init__.py": "",
            "site_mig/vendor/0001_initial.py": migration(creates="Part"),
            ".venv/lib/site/vendor/__init__.py": "",
            ".venv/lib/site/vendor/migrations/__init__.py": "",
            ".venv/lib/site/vendor/migrations/0001_initial.py": migration(("vendor", "0009")),
        },
    )
    env = Environment((str(tmp_path / ".venv/lib/site"),))
    p = load_project(tmp_path, environment=env)
    assert p.forwards_plan(("shop", "0001_initial")) == [
        ("vendor", "0001_initial"),
        ("shop", "0001_initial"),
    ]
    assert p.path_of(("vendor", "0001_initial")) == str(
        tmp_path / "site_mig/vendor/0001_initial.py"
    )
    assert p.is_own(("shop", "0001_initial")) and p.is_own(("vendor", "0001_initial"))
    assert p.problems == []


UNPICKLE = """
import pickle, sys
project = pickle.load(sys.stdin.buffer)
print(project.is_ancestor(("accounts", "0001_initial"), ("ledger", "0001_initial")),
      project.leaf("ledger"), "django" in sys.modules)
"""


def test_a_pickled_project_answers_the_rules_without_django(django_project: Project):
    """What a check worker gets: the graph's links, not Django's graph."""
    import subprocess
    import sys

    data = pickle.dumps(load_project(django_project.root))
    proc = subprocess.run(
        [sys.executable, "-c", UNPICKLE], input=data, capture_output=True, check=True
    )
    assert proc.stdout.decode().split() == ["True", "('ledger',", "'0004_account_locked')", "False"]
