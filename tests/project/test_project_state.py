"""The historical state as the ``Project`` answers it: lazily, only the apps a question
needs, and kept across ``with_source``/``refresh`` for what did not change (the language
server keeps one project for a long session)."""

from __future__ import annotations

import os
import pickle
import textwrap
from pathlib import Path

import pytest

from django_migration_lsp.project.environment import Environment
from django_migration_lsp.project.model import load_project
from django_migration_lsp.project.settings import Settings

HEADER = "from django.db import migrations, models\n\n\n"
SHOP_0001 = HEADER + textwrap.dedent(
    """\
    class Migration(migrations.Migration):
        initial = True
        operations = [
            migrations.CreateModel(
                "Order",
                [
                    ("id", models.AutoField(primary_key=True)),
                    ("note", models.TextField()),
                ],
            ),
        ]
    """
)
SHOP_0002 = HEADER + textwrap.dedent(
    """\
    class Migration(migrations.Migration):
        dependencies = [("shop", "0001_initial")]
        operations = [migrations.AddField("order", "code", models.IntegerField(default=0))]
    """
)
CRM_0001 = HEADER + textwrap.dedent(
    """\
    class Migration(migrations.Migration):
        initial = True
        dependencies = [("shop", "0001_initial")]
        operations = [
            migrations.CreateModel(
                "Lead",
                [
                    ("id", models.AutoField(primary_key=True)),
                    ("order", models.ForeignKey("shop.Order", models.CASCADE)),
                ],
            ),
        ]
    """
)
BLOG_0001 = HEADER + textwrap.dedent(
    """\
    class Migration(migrations.Migration):
        initial = True
        operations = [migrations.CreateModel("Post", [("id", models.AutoField(primary_key=True))])]
    """
)
FILES = {
    "shop/migrations/0001_initial.py": SHOP_0001,
    "shop/migrations/0002_code.py": SHOP_0002,
    "crm/migrations/0001_initial.py": CRM_0001,
    "blog/migrations/0001_initial.py": BLOG_0001,
}
M1, M2, CRM, BLOG = (
    ("shop", "0001_initial"),
    ("shop", "0002_code"),
    ("crm", "0001_initial"),
    (
        "blog",
        "0001_initial",
    ),
)


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        (path.parent / "__init__.py").touch()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    write(tmp_path, FILES)
    return tmp_path


def load(root: Path):
    return load_project(root, environment=Environment(()), settings=Settings())


def test_a_question_replays_only_the_apps_it_needs(root: Path):
    p = load(root)
    lead = p.model_before(CRM, 1, "crm", "lead")
    assert lead.field("order").related_model == "shop.order"
    # crm depends on shop, but no migration of shop renames a model: shop's operations
    # cannot change crm's models, and are not read.
    assert p._states.replays() == [frozenset({"crm"})]
    assert set(p._operations) == {CRM}
    # A question about shop's models at crm.0001 replays both.
    assert p.model_before(CRM, 0, "shop", "order").field("note").changed_by == M1
    assert p._states.replays() == [frozenset({"crm"}), frozenset({"crm", "shop"})]
    # shop.0002 is after crm.0001 in the full plan: not read for those questions; blog is
    # never read.
    assert M2 not in p._operations and BLOG not in p._operations
    # shop alone is answered by the replay of {crm, shop} (a superset), which goes on.
    assert p.model_before(M2, 1, "shop", "order").field("code").has_default is True
    assert p._states.replays() == [frozenset({"crm"}), frozenset({"crm", "shop"})]


def test_an_app_that_renames_a_model_is_replayed_with_those_that_point_to_it(root: Path):
    write(
        root,
        {
            "shop/migrations/0003_rename.py": HEADER + "class Migration(migrations.Migration):\n"
            '    dependencies = [("shop", "0002_code"), ("crm", "0001_initial")]\n'
            '    operations = [migrations.RenameModel("Order", "Purchase")]\n',
            "crm/migrations/0002_later.py": HEADER + "class Migration(migrations.Migration):\n"
            '    dependencies = [("crm", "0001_initial"), ("shop", "0003_rename")]\n'
            "    operations = []\n",
        },
    )
    p = load(root)
    later = ("crm", "0002_later")
    lead = p.model_before(later, 0, "crm", "lead")
    assert lead.field("order").related_model == "shop.purchase"
    assert lead.field("order").changed_by == ("shop", "0003_rename")
    assert p._states.replays() == [frozenset({"crm", "shop"})]


def test_models_before_and_has_model_before(root: Path):
    p = load(root)
    assert sorted(p.models_before(M2, 0, "shop")) == ["order"]
    # shop does not depend on blog, but `migrate` applies blog.0001 first (the full plan).
    assert sorted(p.models_before(M2, 0, "blog")) == ["post"]
    assert p.full_plan().index(BLOG) < p.full_plan().index(M2)
    assert p.models_before(M2, 0, "nope") == {}
    fresh = load(root)
    # Settled by the files' infos: crm.0001 depends on the migration that creates Order.
    assert fresh.has_model_before(CRM, 0, "shop", "Order") is True
    assert fresh._states.replays() == []
    # Not settled by the infos: the state answers.
    assert fresh.has_model_before(M1, 1, "shop", "order") is True
    assert fresh.has_model_before(M1, 0, "shop", "order") is False
    assert fresh.has_model_before(CRM, 0, "shop", "Gone") is False
    with pytest.raises(LookupError):
        fresh.has_model_before(("shop", "0099_nope"), 0, "shop", "order")


def test_with_source_keeps_what_did_not_change(root: Path):
    p = load(root)
    p.model_before(CRM, 1, "crm", "lead")
    p.model_before(BLOG, 1, "blog", "post")
    assert p.links  # computed: shared with the copy
    path = str(root / "blog/migrations/0001_initial.py")
    copy = p.with_source(path, BLOG_0001.replace('"Post"', '"Article"'))
    # The graph and the replays of the other apps are shared; blog's replay is not.
    assert copy.graph.node_map is p.graph.node_map
    assert copy.links is p.links
    assert copy._states.replays() == [frozenset({"crm"})]
    assert copy._operations[CRM] is p._operations[CRM]
    assert copy.model_before(BLOG, 1, "blog", "article") is not None
    assert copy.model_before(BLOG, 1, "blog", "post") is None
    # The original is unchanged.
    assert p.model_before(BLOG, 1, "blog", "post") is not None
    assert p.graph.nodes[BLOG].creates == ("Post",)
    assert copy.graph.nodes[BLOG].creates == ("Article",)
    assert p.has_model_before(BLOG, 1, "blog", "article") is False


def test_with_source_that_changes_the_links(root: Path):
    p = load(root)
    p.model_before(M2, 1, "shop", "order")
    path = str(root / "crm/migrations/0001_initial.py")
    copy = p.with_source(
        path, CRM_0001.replace('("shop", "0001_initial")', '("shop", "0002_code")')
    )
    assert copy.generation == p.generation + 1
    assert copy.model_before(CRM, 0, "shop", "order").field("code") is not None
    assert p.model_before(CRM, 0, "shop", "order").field("code") is None


def test_refresh_reads_again_only_the_changed_file(root: Path):
    p = load(root)
    p.model_before(CRM, 1, "crm", "lead")
    p.model_before(BLOG, 1, "blog", "post")
    blog_replay = p._states._replays[(0, frozenset({"blog"}))]
    shop_file = root / "shop/migrations/0001_initial.py"
    shop_file.write_text(SHOP_0001.replace("models.TextField()", "models.TextField(null=True)"))
    os.utime(shop_file, ns=(1, 1))  # a new stamp even within the same clock tick
    # Changed on disk but not refreshed: the operations are not what the graph holds.
    stale = load(root)
    shop_file.write_text(SHOP_0001)
    os.utime(shop_file, ns=(2, 2))
    with pytest.raises(LookupError, match="changed since it was read"):
        stale.model_before(M2, 0, "shop", "order")

    shop_file.write_text(SHOP_0001.replace("models.TextField()", "models.TextField(null=True)"))
    os.utime(shop_file, ns=(3, 3))
    assert p.refresh() == {M1}
    assert p.model_before(CRM, 1, "shop", "order").field("note").null is True
    assert p._states._replays[(0, frozenset({"blog"}))] is blog_replay
    assert BLOG in p._operations


def test_a_pickled_project_answers_too(root: Path):
    p = load(root)
    p.model_before(CRM, 1, "crm", "lead")
    state = p.__getstate__()
    assert not {"_states", "_operations", "_views", "loaded"} & set(state)
    again = pickle.loads(pickle.dumps(p))
    assert again.model_before(CRM, 1, "crm", "lead") == p.model_before(CRM, 1, "crm", "lead")


def test_a_replaced_migration_is_answered_on_the_graph_without_squashes(root: Path):
    write(
        root,
        {
            "shop/migrations/0001_squashed_0002_code.py": HEADER
            + textwrap.dedent(
                """\
                class Migration(migrations.Migration):
                    replaces = [("shop", "0001_initial"), ("shop", "0002_code")]
                    operations = [
                        migrations.CreateModel(
                            "Order",
                            [
                                ("id", models.AutoField(primary_key=True)),
                                ("note", models.TextField()),
                                ("code", models.IntegerField(default=0)),
                            ],
                        ),
                    ]
                """
            )
        },
    )
    p = load(root)
    squash = ("shop", "0001_squashed_0002_code")
    assert p.model_before(squash, 1, "shop", "order").field("code") is not None
    assert p.model_before(M2, 0, "shop", "order").field("code") is None  # the replaced one
    assert p.model_before(M2, 1, "shop", "order").field("code") is not None


WORKER = """
import pickle, sys
from django_migration_lsp.checks import analyze
from django_migration_lsp.checks.registry import get_rule
project = pickle.loads(open(sys.argv[1], "rb").read())
path = sys.argv[2]
found = analyze(open(path, "rb").read(), path, rules=[get_rule("DJM005")], project=project)
print([f.range.start.line for f in found.findings])
print(sorted(m for m in sys.modules if m == "django" or m.startswith("django.")))
"""


def test_a_prepared_project_answers_in_a_worker_without_django(root: Path, tmp_path: Path):
    """What ``check`` does: the main process replays the state for the files that will
    ask, and the workers answer from the pickled answers, never importing Django."""
    import subprocess
    import sys

    write(
        root,
        {
            "shop/migrations/0003_drop_note.py": HEADER + "class Migration(migrations.Migration):\n"
            '    dependencies = [("shop", "0002_code")]\n'
            '    operations = [migrations.RemoveField("order", "note")]\n'
        },
    )
    p = load(root)
    path = str(root / "shop/migrations/0003_drop_note.py")
    p.prepare([path])
    assert p._states.replays() == [frozenset({"shop"})]
    pickled = tmp_path / "project.pickle"
    pickled.write_bytes(pickle.dumps(p))
    proc = subprocess.run(
        [sys.executable, "-c", WORKER, str(pickled), path], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    lines, modules = proc.stdout.splitlines()
    assert lines == "[6]"
    assert modules == "[]"
