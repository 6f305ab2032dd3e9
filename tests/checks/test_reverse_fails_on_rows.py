"""DJM005 without a project (one buffer), its prefilter, and the table of Django's field
classes it reads a same-file field with, against the installed Django and the state."""

from __future__ import annotations

import ast
import inspect

import pytest

from django_migration_lsp.checks import analyze
from django_migration_lsp.checks.bindings import Bindings
from django_migration_lsp.checks.registry import get_rule
from django_migration_lsp.checks.rules._fields import DJANGO_FIELDS, literal_field
from django_migration_lsp.checks.source import SourceFile

RULE = get_rule("DJM005")
HEADER = "from django.db import migrations, models\n\n\n"


def test_the_field_table_is_djangos():
    django = pytest.importorskip("django")
    from django.conf import settings

    if not settings.configured:
        settings.configure()
    django.setup()
    from django.db import models

    classes = {
        name: cls
        for name, cls in vars(models).items()
        if inspect.isclass(cls) and issubclass(cls, models.Field)
    }
    for name, kind in DJANGO_FIELDS.items():
        if name not in classes:  # NullBooleanField is gone from some versions' namespace
            continue
        args = {
            "ForeignKey": ("auth.User", models.CASCADE),
            "OneToOneField": ("auth.User", models.CASCADE),
            "ManyToManyField": ("auth.User",),
        }.get(name, ())
        field = classes[name](*args)
        assert field.empty_strings_allowed == kind.empty_strings_allowed, name
        assert bool(field.many_to_many) == kind.many_to_many, name
        assert field.null == kind.null and field.blank == kind.blank, name
        assert not field.has_default(), name
    # Every concrete field class of django.db.models that a migration writes is known,
    # or deliberately left out (primary keys, generated columns, internal classes).
    left_out = {
        "AutoField", "BigAutoField", "SmallAutoField", "GeneratedField", "Field",
        "ForeignObject", "CompositePrimaryKey", "OrderWrt",
    }  # fmt: skip
    assert set(classes) - set(DJANGO_FIELDS) <= left_out


FIELDS = [
    "models.TextField()",
    "models.TextField(blank=True)",
    "models.CharField(max_length=5, null=True)",
    "models.IntegerField(default=0)",
    "models.IntegerField(blank=True)",
    "models.DateTimeField(auto_now=True)",
    'models.ForeignKey("auth.Group", models.CASCADE)',
    'models.ForeignKey("auth.Group", on_delete=models.SET_NULL, null=True)',
    'models.ManyToManyField("auth.Group")',
    "models.BinaryField(blank=True)",
    "models.UUIDField(default=uuid.uuid4)",
    "models.GenericIPAddressField(blank=True, null=True)",
]


@pytest.mark.parametrize("text", FIELDS)
def test_a_literal_field_reads_as_the_state_builds_it(text):
    """The per-file reading (no Django) and the project's state (Django's own field
    objects) agree on everything DJM005 asks."""
    from django_migration_lsp.project.operations import OperationReader

    source = "import uuid\nfrom django.db import models\n\nFIELD = " + text + "\n"
    tree = ast.parse(source)
    bindings = Bindings(SourceFile(source, "m.py"), tree)
    call = tree.body[-1].value
    static = literal_field(call, "f", bindings)
    built, why = OperationReader(SourceFile(source, "m.py"), tree, bindings).field(call)
    assert why is None
    from django_migration_lsp.project.state import field_facts

    state = field_facts("shop", "order", "f", built, None)
    for fact in ("null", "has_default", "has_db_default", "blank", "many_to_many", "re_added"):
        assert getattr(static, fact) == getattr(state, fact), (text, fact)
    assert static.empty_strings_allowed == state.empty_strings_allowed


def test_unknown_fields_are_not_read():
    source = (
        "from django.db import models\nimport shop.fields\n\n"
        "A = shop.fields.Money()\nB = models.TextField(null=NULLABLE)\n"
        "C = models.TextField(**KW)\nD = models.AutoField(primary_key=True)\n"
    )
    tree = ast.parse(source)
    bindings = Bindings(SourceFile(source, "m.py"), tree)
    for stmt in tree.body[2:]:
        assert literal_field(stmt.value, "f", bindings) is None, ast.unparse(stmt)


SAME_FILE = HEADER + (
    "class Migration(migrations.Migration):\n"
    "    initial = True\n"
    "    operations = [\n"
    '        migrations.CreateModel("Order", [("id", models.AutoField(primary_key=True)),\n'
    '                                         ("ref", models.IntegerField())]),\n'
    '        migrations.RemoveField("order", "ref"),\n'
    "    ]\n"
)
OTHER_FILE = HEADER + (
    "class Migration(migrations.Migration):\n"
    '    dependencies = [("shop", "0001_initial")]\n'
    '    operations = [migrations.RemoveField("order", "ref")]\n'
)


def test_without_a_project_only_a_field_of_this_file_is_reported():
    path = "shop/migrations/0001_initial.py"
    assert [f.code for f in analyze(SAME_FILE, path, rules=[RULE]).findings] == ["DJM005"]
    assert analyze(OTHER_FILE, "shop/migrations/0002_x.py", rules=[RULE]).findings == []


@pytest.mark.parametrize(
    ("text", "needs"),
    [
        (SAME_FILE, False),  # the field is created here
        (OTHER_FILE, True),
        (SAME_FILE.replace('RemoveField("order", "ref")', 'RemoveField("order", "note")'), True),
        (SAME_FILE.replace('RemoveField("order", "ref")', "RemoveField(MODEL, 'ref')"), True),
        (
            SAME_FILE.replace(
                'RemoveField("order", "ref")', 'RemoveField(model_name="order", name="ref")'
            ),
            False,
        ),
    ],
)
def test_could_use_project(text, needs):
    assert RULE.could_use_project("shop/migrations/0002_x.py", text.encode()) is needs


def test_djm006_asks_the_project_only_for_get_model():
    rule = get_rule("DJM006")
    assert rule.needs_project and not rule.asks_state
    assert rule.could_use_project("x.py", b"RunPython(f)\napps.get_model('shop', 'Order')")
    assert not rule.could_use_project("x.py", b"RunPython(f)\nOrder.objects.all()")
    assert RULE.needs_project and RULE.asks_state


def test_a_migration_that_overrides_unapply_is_left_alone():
    text = SAME_FILE.replace(
        "class Migration(migrations.Migration):\n",
        "class Migration(migrations.Migration):\n"
        "    def unapply(self, project_state, schema_editor, collect_sql=False):\n"
        '        raise RuntimeError("irreversible")\n\n',
    )
    assert analyze(text, "shop/migrations/0001_initial.py", rules=[RULE]).findings == []
