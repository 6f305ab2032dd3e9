"""Operation calls read into Django's own operation objects, from literal arguments only."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap

import django
import pytest
from django.db import migrations, models

from django_migration_lsp.checks.source import SourceFile
from django_migration_lsp.project.operations import OpaqueField, Unread, read_operations
from django_migration_lsp.project.state import HistoricalState

KEY = ("shop", "0002_example")


def read(code: str, **kwargs):
    code = textwrap.dedent(code).lstrip("\n")
    return read_operations(SourceFile(code, "shop/migrations/0002_example.py"), ast.parse(code))


def only(code: str):
    [op] = read(code).operations
    return op


def test_spellings_resolve_through_bindings_not_bare_names():
    ops = read(
        """
        from django.db import migrations as m, models as dj
        from django.db.migrations import AddField as AF
        from myproject import migrations as fake

        class Migration(m.Migration):
            operations = [
                m.AddField("order", "a", dj.IntegerField(null=True)),
                AF("order", "b", dj.IntegerField(default=1)),
                m.operations.fields.RemoveField("order", "c"),
                fake.AddField("order", "d", dj.IntegerField()),
            ]
        """
    ).operations
    assert [type(op.operation).__name__ for op in ops] == [
        "AddField",
        "AddField",
        "RemoveField",
        "NoneType",
    ]
    assert ops[3].problem == "`myproject.migrations.AddField` is not an operation of Django"
    assert ops[3].targets is None  # a class of the project: any model may change
    assert isinstance(ops[0].operation, migrations.AddField)
    assert isinstance(ops[0].operation.field, models.IntegerField)
    assert ops[0].operation.field.null is True


def test_literal_arguments_build_real_fields():
    op = only(
        """
        import django.db.models.deletion
        from django.conf import settings
        from django.db import migrations, models

        class Migration(migrations.Migration):
            operations = [
                migrations.AddField(
                    model_name="order",
                    name="owner",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        to=settings.AUTH_USER_MODEL,
                        related_name="+",
                        limit_choices_to={"is_staff": True},
                    ),
                ),
            ]
        """
    )
    field = op.operation.field
    assert (op.problem, op.stand_ins, op.targets) == (None, (), ("order",))
    assert isinstance(field, models.ForeignKey)
    assert field.remote_field.model == "auth.User"
    assert field.remote_field.on_delete is models.PROTECT


def test_unreadable_values_are_marked_or_dropped_never_guessed():
    op = only(
        """
        import uuid
        from django.db import migrations, models
        from django.utils.translation import gettext_lazy as _
        from shop.choices import STATUSES
        from shop.utils import is_nullable

        class Migration(migrations.Migration):
            operations = [
                migrations.AlterField(
                    "order",
                    "status",
                    models.CharField(
                        max_length=10,
                        choices=STATUSES,
                        verbose_name=_("status"),
                        default=uuid.uuid4,
                        null=is_nullable(),
                    ),
                ),
            ]
        """
    )
    field = op.operation.field
    assert type(field) is models.CharField
    assert field.verbose_name == "status"  # gettext of a literal: the literal
    assert not field.choices  # cosmetic and unreadable: dropped
    assert isinstance(field.default, Unread) and field.has_default()
    assert isinstance(field.null, Unread)
    state = HistoricalState()
    state.apply(
        ("shop", "0001_initial"),
        read(
            """
        from django.db import migrations, models

        class Migration(migrations.Migration):
            operations = [
                migrations.CreateModel("Order", [("id", models.AutoField(primary_key=True))]),
            ]
        """
        ),
    )
    state.apply(KEY, [op])
    status = state.model_before(KEY, 1, "shop", "order").field("status")
    assert (status.null, status.has_default, status.opaque) == (None, True, False)
    assert status.fills_existing_rows is True  # it has a default, whatever it is


def test_custom_field_classes_become_stand_ins():
    op = only(
        """
        from django.db import migrations
        import djstripe.fields

        class Migration(migrations.Migration):
            operations = [
                migrations.AddField(
                    "charge", "amount",
                    djstripe.fields.StripeDecimalCurrencyAmountField(null=True, blank=True),
                ),
            ]
        """
    )
    field = op.operation.field
    assert isinstance(field, OpaqueField)
    assert op.stand_ins == ("charge.amount",)
    assert field.facts == {"null": True, "blank": True}
    # It survives Django's clone() (which the state does on preserve_default=False).
    assert field.clone().facts == field.facts


def test_a_local_subclass_that_keeps_the_state_behaviour_is_read_as_its_base():
    ops = read(
        """
        from django.db import migrations, models

        class FakeAddIndex(migrations.AddIndex):
            def database_forwards(self, *args, **kwargs):
                pass

        class OwnState(migrations.AddField):
            def state_forwards(self, app_label, state):
                pass

        class Migration(migrations.Migration):
            operations = [
                FakeAddIndex("order", models.Index(fields=["a"], name="idx")),
                OwnState("order", "a", models.IntegerField()),
            ]
        """
    ).operations
    assert ops[0].kind == "FakeAddIndex as AddIndex" and ops[0].built
    assert not ops[1].built and ops[1].kind == "OwnState"


def test_names_bound_in_the_class_body_and_module_are_followed():
    [op] = read(
        """
        from django.db import migrations, models

        FIELD = models.IntegerField(null=True)

        class Migration(migrations.Migration):
            state_operations = [migrations.AddField("order", "a", FIELD)]
            operations = [
                migrations.SeparateDatabaseAndState(state_operations=state_operations),
            ]
        """
    ).operations
    [nested] = op.state_operations
    assert nested.built and nested.operation.field.null is True
    assert op.database_operations == ()


def test_an_unreadable_list_or_model_name_is_recorded_with_its_line():
    read_list = read(
        """
        from django.db import migrations

        def build():
            return []

        class Migration(migrations.Migration):
            operations = build()
        """
    )
    assert (
        read_list.operations == [] and read_list.problem == "`operations` is `build()`, not a list"
    )
    assert read_list.line == 7
    op = only(
        """
        from django.db import migrations, models
        from shop.conf import MODEL

        class Migration(migrations.Migration):
            operations = [
                migrations.AddField(MODEL, "a", models.IntegerField()),
            ]
        """
    )
    assert (op.built, op.line, op.targets) == (False, 6, None)
    assert op.problem == "`model_name` is `shop.conf.MODEL`"


@pytest.mark.skipif(django.VERSION >= (5, 0), reason="Django 5 builds db_default fields")
def test_db_default_before_django_5_is_a_stand_in_that_knows_it():
    op = only(
        """
        from django.db import migrations, models

        class Migration(migrations.Migration):
            operations = [migrations.AddField("order", "n", models.IntegerField(db_default=1))]
        """
    )
    field = op.operation.field
    assert isinstance(field, OpaqueField) and field.type_name == "IntegerField"
    assert field.facts["db_default"] is True and field.facts["null"] is False


def test_no_settings_are_configured_and_no_user_settings_are_imported(tmp_path):
    """Even with ``DJANGO_SETTINGS_MODULE`` pointing at a module that would run."""
    (tmp_path / "usersettings.py").write_text("raise SystemExit('user settings imported')\n")
    probe = textwrap.dedent(
        """
        import ast, os, sys
        os.environ["DJANGO_SETTINGS_MODULE"] = "usersettings"
        sys.path.insert(0, sys.argv[1])
        from django_migration_lsp.checks.source import SourceFile
        from django_migration_lsp.project.operations import read_operations
        from django_migration_lsp.project.state import HistoricalState
        code = '''
        from django.conf import settings
        from django.db import migrations, models
        import django.contrib.postgres.fields
        class Migration(migrations.Migration):
            operations = [
                migrations.CreateModel("A", [
                    ("id", models.AutoField(primary_key=True)),
                    ("f", models.FileField(upload_to="x")),
                    ("u", models.ForeignKey(to=settings.AUTH_USER_MODEL, on_delete=models.CASCADE)),
                    ("t", django.contrib.postgres.fields.ArrayField(models.TextField())),
                ]),
                migrations.AlterField("a", "u", models.ForeignKey(
                    to=settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True,
                ), preserve_default=False),
                migrations.RenameModel("A", "B"),
            ]
        '''
        ops = read_operations(SourceFile(code, "shop/migrations/0001_initial.py"), ast.parse(code))
        state = HistoricalState.replay([(("shop", "0001_initial"), ops)])
        from django.conf import settings
        b = state.model_before(("shop", "0001_initial"), 3, "shop", "b")
        print(settings.configured, "usersettings" in sys.modules, state.unknown,
              sorted(f.name for f in b.fields))
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["False", "False", "[]", "['f',", "'id',", "'t',", "'u']"]
