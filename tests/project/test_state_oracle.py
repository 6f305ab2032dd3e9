"""The static replay against Django's own states, as ``migrate`` computes them.

A throwaway project of the test's own (two apps, every schema operation the state
replays, renames, ``SeparateDatabaseAndState``, a custom field, callable defaults, two
branches merged) is loaded by Django in a subprocess, which prints every model's fields
after every migration as JSON: the states ``MigrationExecutor`` mutates along the full
plan when it applies or unapplies migrations. The project (:class:`Project`, the graph
read statically, ``django.contrib``'s migrations included) reads the same files with
``ast`` only (this process never imports them) and must say the same, field by field,
wherever it claims to know.
"""

from __future__ import annotations

import json
from pathlib import Path

import django
import pytest

from django_migration_lsp.project.environment import Environment
from django_migration_lsp.project.model import Project as StaticProject
from django_migration_lsp.project.model import load_project

from ..rollback.project import Project, ok

HAS_DB_DEFAULT = django.VERSION >= (5, 0)

#: Runs in the project's folder with its settings: Django's loader and state, nothing else.
ORACLE = r"""
import json, os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "settings"
import django
django.setup()
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ProjectState
from django.db.models import NOT_PROVIDED

APPS = set(sys.argv[1].split(","))
loader = MigrationLoader(None, ignore_no_migrations=True)
plan = []
for leaf in sorted(loader.graph.leaf_nodes()):
    for key in loader.graph.forwards_plan(leaf):
        if key not in plan:
            plan.append(key)

def relation(model, app, name):
    if not isinstance(model, str):
        return f"{model._meta.app_label}.{model._meta.model_name}"
    if model == "self":
        return f"{app}.{name}"
    a, _, n = model.rpartition(".")
    return f"{a or app}.{n.lower()}"

def describe(state, app, name, ms):
    rendered = state.apps.get_model(app, name)
    fields = {}
    for field_name, f in ms.fields.items():
        remote = f.remote_field
        m2m = bool(f.many_to_many)
        fields[field_name] = {
            "type": type(f).__name__,
            "null": f.null,
            "has_default": f.has_default(),
            "has_db_default": getattr(f, "db_default", NOT_PROVIDED) is not NOT_PROVIDED,
            "blank": f.blank,
            "primary_key": f.primary_key,
            "many_to_many": m2m,
            "related_model": relation(remote.model, app, name) if remote else None,
            "column": None if m2m else rendered._meta.get_field(field_name).column,
        }
    return {
        "fields": fields,
        "db_table": ms.options.get("db_table"),
        "table": rendered._meta.db_table,
        "managed": ms.options.get("managed", True),
        "proxy": ms.options.get("proxy", False),
    }

# As MigrationExecutor._migrate_all_backwards computes the state before each migration
# it unapplies (everything applied): the full plan, each migration mutating the state.
out = {"plan": plan, "states": {}}
state = ProjectState(real_apps=loader.unmigrated_apps)
for key in plan:
    state = loader.graph.nodes[key].mutate_state(state, preserve=True)
    if key[0] not in APPS:
        continue
    out["states"][f"{key[0]}.{key[1]}"] = {
        f"{a}.{n}": describe(state, a, n, ms)
        for (a, n), ms in state.models.items()
        if a in APPS
    }
print(json.dumps(out))
"""

FIELDS_PY = """
from django.db import models


class MoneyField(models.DecimalField):
    \"\"\"A custom field whose __init__ changes what the literal arguments say.\"\"\"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("null", True)
        super().__init__(*args, **kwargs)
"""

UTILS_PY = """
def default_code():
    return "ORD"
"""

OPERATIONS_PY = """
from django.db.migrations.operations.base import Operation


class LoadFixture(Operation):
    \"\"\"A custom operation: what it does to the state cannot be read statically.\"\"\"

    reversible = True

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        pass

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass
"""

SHOP_0001 = """
import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils.translation import gettext_lazy as _

import shop.fields
import shop.utils

STATUSES = [("new", "New"), ("paid", "Paid")]


class Migration(migrations.Migration):
    initial = True

    dependencies = [migrations.swappable_dependency(settings.AUTH_USER_MODEL)]

    operations = [
        migrations.CreateModel(
            name="Customer",
            fields=[
                ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False)),
                ("name", models.CharField(max_length=50, verbose_name=_("name"))),
                ("email", models.EmailField(blank=True, default="", max_length=254)),
                ("created", models.DateTimeField(auto_now_add=True)),
                ("user", models.OneToOneField(
                    null=True, on_delete=django.db.models.deletion.SET_NULL,
                    to=settings.AUTH_USER_MODEL,
                )),
            ],
        ),
        migrations.CreateModel(
            name="Tag",
            fields=[
                ("id", models.AutoField(primary_key=True, serialize=False)),
                ("label", models.SlugField(unique=True)),
            ],
        ),
        migrations.CreateModel(
            name="Order",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("customer", models.ForeignKey(
                    on_delete=django.db.models.deletion.CASCADE, to="shop.customer",
                )),
                ("note", models.TextField(null=True)),
                ("code", models.CharField(default=shop.utils.default_code, max_length=8)),
                ("total", shop.fields.MoneyField()),
                ("paid", shop.fields.MoneyField(null=False, default=0)),
                ("status", models.CharField(choices=STATUSES, default="new", max_length=10)),
                ("uid", models.UUIDField(default=uuid.uuid4, editable=False)),
                ("tags", models.ManyToManyField(blank=True, to="shop.Tag")),
                ("parent", models.ForeignKey(
                    "self", models.SET_NULL, null=True, related_name="children",
                )),
            ],
            options={"ordering": ["-id"], "db_table": "shop_orders"},
        ),
    ]
"""

SHOP_0002 = """
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AddField("order", "discount", models.IntegerField(default=0)),
        migrations.AddField(
            model_name="order",
            name="ref",
            field=models.CharField(default="-", max_length=5),
            preserve_default=False,
        ),
        migrations.AddField("order", "placed", models.DateTimeField(null=True, blank=True)),
        migrations.AlterField("customer", "name", models.CharField(max_length=100, db_index=True)),
        migrations.RenameField("order", "note", "comment"),
        migrations.AddIndex("order", models.Index(fields=["status"], name="shop_order_status")),
        migrations.AlterUniqueTogether("order", {("customer", "ref")}),
    ]
"""

SHOP_0003 = """
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_more")]

    operations = [
        migrations.RenameModel("Customer", "Client"),
        migrations.AlterModelTable("order", "shop_purchase"),
        migrations.RemoveField("order", "placed"),
        migrations.AlterField(
            "order", "discount", models.IntegerField(null=True), preserve_default=False
        ),
        migrations.AlterModelOptions("client", {"verbose_name": "client", "managed": True}),
    ]
"""

SHOP_0004 = """
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0003_renames")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE shop_purchase ADD COLUMN legacy integer NULL",
                    reverse_sql="ALTER TABLE shop_purchase DROP COLUMN legacy",
                ),
            ],
            state_operations=[
                migrations.AddField("order", "legacy", models.IntegerField(null=True)),
            ],
        ),
        migrations.RunSQL(
            "SELECT 1",
            reverse_sql=migrations.RunSQL.noop,
            state_operations=[migrations.RemoveField("order", "tags")],
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel("Tag")],
        ),
        migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop),
    ]
"""

SHOP_0005 = """
from django.db import migrations, models

from shop.operations import LoadFixture


class Migration(migrations.Migration):
    dependencies = [("shop", "0004_separate")]

    operations = [
        migrations.AddField("client", "vip", models.BooleanField(default=False)),
        LoadFixture(),
        migrations.AddField("client", "notes", models.TextField(blank=True)),
    ]
"""

SHOP_DB_DEFAULT = """
from django.db import migrations, models
from django.db.models.functions import Now


class Migration(migrations.Migration):
    dependencies = [("shop", "0003_renames")]

    operations = [
        migrations.AddField("client", "since", models.DateTimeField(db_default=Now())),
        migrations.AddField("client", "level", models.IntegerField(db_default=1)),
    ]
"""

CRM_0001 = """
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("shop", "0003_renames"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Lead",
            fields=[
                ("id", models.AutoField(primary_key=True, serialize=False)),
                ("client", models.ForeignKey(on_delete=models.CASCADE, to="shop.client")),
                ("owner", models.ForeignKey(
                    on_delete=models.PROTECT, to=settings.AUTH_USER_MODEL,
                    db_column="owner_user_id",
                )),
                ("score", models.PositiveSmallIntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name="Note",
            fields=[
                ("id", models.AutoField(primary_key=True, serialize=False)),
                ("lead", models.ForeignKey(on_delete=models.CASCADE, to="crm.lead")),
                ("text", models.TextField()),
            ],
        ),
        migrations.CreateModel(
            name="HotLead",
            fields=[],
            options={"proxy": True, "indexes": [], "constraints": []},
            bases=("crm.lead",),
        ),
    ]
"""

CRM_0002 = """
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("crm", "0001_initial")]

    operations = [
        migrations.RenameModel("Note", "Memo"),
        migrations.AlterField("lead", "score", models.PositiveSmallIntegerField(null=True)),
        migrations.RenameField("memo", "text", "body"),
    ]
"""


def files() -> dict[str, str]:
    found = {
        "shop/fields.py": FIELDS_PY,
        "shop/utils.py": UTILS_PY,
        "shop/operations.py": OPERATIONS_PY,
        "shop/migrations/0001_initial.py": SHOP_0001,
        "shop/migrations/0002_more.py": SHOP_0002,
        "shop/migrations/0003_renames.py": SHOP_0003,
        "shop/migrations/0004_separate.py": SHOP_0004,
        "shop/migrations/0005_custom.py": SHOP_0005,
        "crm/migrations/0001_initial.py": CRM_0001,
        "crm/migrations/0002_rename.py": CRM_0002,
    }
    if HAS_DB_DEFAULT:
        found["shop/migrations/0004_db_default.py"] = SHOP_DB_DEFAULT
        found["shop/migrations/0005_custom.py"] = SHOP_0005.replace(
            '[("shop", "0004_separate")]',
            '[("shop", "0004_separate"), ("shop", "0004_db_default")]',
        )
    return found


INSTALLED = ["django.contrib.contenttypes", "django.contrib.auth", "shop", "crm"]


@pytest.fixture(scope="module")
def oracle(tmp_path_factory) -> tuple[Project, dict]:
    project = Project(tmp_path_factory.mktemp("oracle") / "project", INSTALLED, files())
    proc = ok(project.run("-c", ORACLE, "shop,crm"))
    return project, json.loads(proc.stdout)


@pytest.fixture(scope="module")
def replayed(oracle) -> tuple[StaticProject, dict]:
    project, expected = oracle
    return load_project(project.root, environment=Environment.current()), expected


def ours(facts) -> dict:
    """Our facts in the oracle's shape, leaving out what we say we do not know."""
    out = {}
    for f in facts.fields:
        described = {
            "type": f.type,
            "null": f.null,
            "has_default": f.has_default,
            "has_db_default": f.has_db_default,
            "blank": f.blank,
            "primary_key": f.primary_key,
            "many_to_many": f.many_to_many,
            "related_model": f.related_model,
            "column": f.column,
        }
        out[f.name] = {k: v for k, v in described.items() if v is not None}
    return out


def test_the_order_is_djangos_full_plan(replayed):
    project, expected = replayed
    assert project.full_plan() == [tuple(k) for k in expected["plan"]]
    assert project._view(0).order == project.full_plan()


def test_the_replay_agrees_with_djangos_state_at_every_migration(replayed):
    """After each migration, Django's state holds everything the full plan applied so
    far; the project replays the same files (``django.contrib``'s too) and must agree on
    every model of the project's apps, ``auth.User`` included."""
    project, expected = replayed
    compared = 0
    for node, models in expected["states"].items():
        key = tuple(node.split(".", 1))
        end = len(project.operations(key).operations)
        for model_label, django_model in models.items():
            app, name = model_label.split(".")
            try:
                facts = project.model_before(key, end, app, name)
            except LookupError:
                assert key == ("shop", "0005_custom"), (node, model_label)
                continue
            assert facts is not None, (node, model_label)
            mine = ours(facts)
            assert set(mine) == set(django_model["fields"]), (node, model_label)
            for field_name, described in mine.items():
                theirs = django_model["fields"][field_name]
                if facts.field(field_name).opaque:
                    # A stand-in states only what the literal arguments say.
                    theirs = {k: v for k, v in theirs.items() if k in described and k != "type"}
                    described = {k: v for k, v in described.items() if k != "type"}
                else:
                    theirs = {k: v for k, v in theirs.items() if k in described}
                assert described == theirs, (node, model_label, field_name)
                compared += 1
            assert facts.db_table == django_model["db_table"], (node, model_label)
            if facts.table is not None:  # a proxy's is its parent's
                assert facts.table == django_model["table"], (node, model_label)
            else:
                assert facts.proxy, (node, model_label)
            assert (facts.managed, facts.proxy) == (django_model["managed"], django_model["proxy"])
    assert compared > 100


def test_installed_apps_are_replayed_too(replayed):
    project, _ = replayed
    crm = ("crm", "0001_initial")
    user = project.model_before(crm, 0, "auth", "user")
    assert user.field("username").type == "CharField"
    assert user.field("email").changed_by[0] == "auth"
    # Django's own app, read from this tool's environment: crm depends on it, and asking
    # about its models replays it.
    assert "auth" in project.closure("crm")
    lead = project.model_before(("crm", "0002_rename"), 0, "crm", "lead")
    assert lead.field("owner").related_model == "auth.user"


def test_custom_fields_are_stand_ins_that_know_only_the_literal_arguments(replayed):
    state, _ = replayed
    order = state.model_before(("shop", "0001_initial"), 3, "shop", "order")
    total, paid = order.field("total"), order.field("paid")
    assert (total.opaque, total.type) == (True, "shop.fields.MoneyField")
    # Its __init__ sets null=True: statically that is unknown, never a guessed False.
    assert (total.null, total.has_default, total.blank) == (None, None, None)
    assert (paid.null, paid.has_default) == (False, True)
    assert total.fills_existing_rows is None
    # A callable default of the project: a real CharField that has a default.
    code = order.field("code")
    assert (code.opaque, code.type, code.has_default) == (False, "CharField", True)


def test_the_state_before_each_operation_and_provenance(replayed):
    state, _ = replayed
    m2, m3 = ("shop", "0002_more"), ("shop", "0003_renames")
    before_rename = state.model_before(m2, 4, "shop", "order")
    assert before_rename.field("note") is not None and before_rename.field("comment") is None
    after = state.model_before(m2, 5, "shop", "order")
    assert after.field("note") is None
    assert after.field("comment").changed_by == m2
    assert after.field("status").changed_by == ("shop", "0001_initial")
    # preserve_default=False: the default served the AddField only.
    assert after.field("ref").has_default is False
    assert state.model_before(m3, 0, "shop", "customer").created_by == ("shop", "0001_initial")
    client = state.model_before(m3, 1, "shop", "client")
    assert client.created_by == m3 and state.model_before(m3, 1, "shop", "customer") is None
    # The rename repointed the foreign key: that field changed in 0003.
    customer = state.model_before(m3, 1, "shop", "order").field("customer")
    assert (customer.related_model, customer.changed_by) == ("shop.client", m3)
    placed = state.model_before(m3, 2, "shop", "order").field("placed")
    assert (placed.null, placed.fills_existing_rows) == (True, True)
    assert state.model_before(m3, 3, "shop", "order").field("placed") is None


def test_separate_database_and_state_keeps_what_the_database_sees(replayed):
    state, _ = replayed
    m4 = ("shop", "0004_separate")
    assert state.model_before(m4, 1, "shop", "order").field("legacy").changed_by == m4
    # The database operation is a RunSQL: the database's view is the state before it.
    db = state.model_before(m4, 0, "shop", "order", database_operation=0)
    assert db.field("legacy") is None
    assert state.model_before(m4, 2, "shop", "order").field("tags") is None
    assert state.model_before(m4, 3, "shop", "tag") is None
    with pytest.raises(LookupError):
        state.model_before(m4, 1, "shop", "order", database_operation=0)


def test_a_custom_operation_makes_the_app_unknown_from_there(replayed):
    state, _ = replayed
    m5 = ("shop", "0005_custom")
    assert state.model_before(m5, 1, "shop", "client").field("vip") is not None
    for index in (2, 3):
        with pytest.raises(LookupError, match="LoadFixture"):
            state.model_before(m5, index, "shop", "client")
    [unknown] = state.state_at(m5).unknown
    assert (unknown.key, unknown.index, unknown.kind, unknown.models) == (
        m5,
        1,
        "shop.operations.LoadFixture",
        None,
    )
    # Another app is not affected; an app that is not in the graph is unknown, not empty.
    assert state.model_before(("crm", "0002_rename"), 3, "crm", "memo") is not None
    with pytest.raises(LookupError):
        state.model_before(m5, 0, "billing", "invoice")


@pytest.mark.skipif(not HAS_DB_DEFAULT, reason="db_default is Django 5.0+")
def test_db_default(replayed):
    state, _ = replayed
    client = state.model_before(("shop", "0004_db_default"), 2, "shop", "client")
    since, level = client.field("since"), client.field("level")
    assert (since.has_db_default, since.null, since.fills_existing_rows) == (True, False, True)
    assert (level.has_db_default, level.opaque) == (True, False)


def test_the_replay_imports_nothing_of_the_project(oracle, tmp_path: Path):
    """Read and replay in a fresh interpreter, then look at what it imported."""
    project, _ = oracle
    probe = (
        "import os, sys\n"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'settings'  # a read would import it\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "from django_migration_lsp.project.model import load_project\n"
        "from pathlib import Path\n"
        "p = load_project(Path(sys.argv[2]))\n"
        "for key in p.full_plan():\n"
        "    p.state_at(key)\n"
        "from django.conf import settings\n"
        "print(sorted(n for n in sys.modules if n.split('.')[0] in ('shop', 'crm', 'settings')),"
        " settings.configured)\n"
    )
    root = Path(__file__).resolve().parents[2]
    proc = project.run("-c", probe, str(root), str(project.root))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[] False"
