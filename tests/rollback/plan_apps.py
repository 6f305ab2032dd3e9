"""A throwaway project with several apps for the ``plan`` tests: cross-app dependencies,
a merge migration, a squash with ``replaces``, a swappable ``AUTH_USER_MODEL``,
``run_before``, ``__first__``, a blocked ``RunPython`` and an ``unapply()`` that raises
only when rows exist (a failure Django's ``migrate --plan`` does not show).

Apps (``INSTALLED_APPS`` order): ``accounts`` (the user model), ``ledger``, ``shop``,
``hounds``, after ``django.contrib.contenttypes`` and ``django.contrib.auth``.
"""

from __future__ import annotations

from pathlib import Path

from .project import ADDRESS

DOC = Path(__file__).resolve().parents[2] / "docs" / "rollback-plan.md"


def plan_documented(*outputs: str) -> None:
    """Assert that docs/rollback-plan.md shows these real outputs verbatim (addresses aside)."""
    docs = ADDRESS.sub("", DOC.read_text(encoding="utf-8"))
    for output in outputs:
        text = ADDRESS.sub("", output.strip("\n"))
        assert text in docs, f"docs/rollback-plan.md lacks:\n{output}"


APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "accounts",
    "ledger.apps.LedgerConfig",
    "shop",
    "hounds",
]
SETTINGS = 'AUTH_USER_MODEL = "accounts.User"\n'

FILES: dict[str, str] = {
    # -- accounts: the custom user model ------------------------------------------
    "accounts/models.py": """
        from django.contrib.auth.models import AbstractBaseUser
        from django.db import models


        class User(AbstractBaseUser):
            email = models.EmailField(unique=True)
            USERNAME_FIELD = "email"
    """,
    "accounts/migrations/0001_initial.py": """
        from django.db import migrations, models


        class Migration(migrations.Migration):
            initial = True
            dependencies = []
            operations = [
                migrations.CreateModel(
                    name="User",
                    fields=[
                        ("id", models.AutoField(primary_key=True, serialize=False)),
                        ("password", models.CharField(max_length=128)),
                        ("last_login", models.DateTimeField(blank=True, null=True)),
                        ("email", models.EmailField(max_length=254, unique=True)),
                    ],
                ),
            ]
    """,
    # -- ledger: label from its AppConfig, a merge, an unapply() that checks rows -----
    "ledger/apps.py": """
        from django.apps import AppConfig


        class LedgerConfig(AppConfig):
            name = "ledger"
            label = "ledger"
    """,
    "ledger/models.py": """
        from django.conf import settings
        from django.db import models


        class Account(models.Model):
            owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
            locked = models.BooleanField(default=False)


        class Badge(models.Model):
            name = models.CharField(max_length=50)


        class Entry(models.Model):
            amount = models.IntegerField(default=0)
    """,
    "ledger/migrations/0001_initial.py": """
        from django.conf import settings
        from django.db import migrations, models


        class Migration(migrations.Migration):
            initial = True
            dependencies = [migrations.swappable_dependency(settings.AUTH_USER_MODEL)]
            operations = [
                migrations.CreateModel(
                    name="Account",
                    fields=[
                        ("id", models.AutoField(primary_key=True, serialize=False)),
                        (
                            "owner",
                            models.ForeignKey(
                                on_delete=models.deletion.CASCADE, to=settings.AUTH_USER_MODEL
                            ),
                        ),
                    ],
                ),
            ]
    """,
    "ledger/migrations/0002_badge.py": """
        from django.db import migrations, models


        class Migration(migrations.Migration):
            dependencies = [("ledger", "0001_initial")]
            operations = [
                migrations.CreateModel(
                    name="Badge",
                    fields=[
                        ("id", models.AutoField(primary_key=True, serialize=False)),
                        ("name", models.CharField(max_length=50)),
                    ],
                ),
            ]
    """,
    "ledger/migrations/0002_entry.py": """
        from django.db import migrations, models


        class Migration(migrations.Migration):
            dependencies = [("ledger", "0001_initial")]
            operations = [
                migrations.CreateModel(
                    name="Entry",
                    fields=[
                        ("id", models.AutoField(primary_key=True, serialize=False)),
                        ("amount", models.IntegerField(default=0)),
                    ],
                ),
            ]
    """,
    "ledger/migrations/0003_merge.py": """
        from django.db import migrations


        class Migration(migrations.Migration):
            dependencies = [("ledger", "0002_badge"), ("ledger", "0002_entry")]
            operations = []
    """,
    "ledger/migrations/0004_account_locked.py": """
        from django.db import migrations, models


        class Migration(migrations.Migration):
            dependencies = [("ledger", "0003_merge")]
            operations = [
                migrations.AddField(
                    model_name="account",
                    name="locked",
                    field=models.BooleanField(default=False),
                ),
            ]

            def unapply(self, project_state, schema_editor, collect_sql=False):
                cursor = schema_editor.connection.cursor()
                cursor.execute("SELECT COUNT(*) FROM ledger_account WHERE locked")
                if cursor.fetchone()[0] > 0:
                    raise RuntimeError("locked accounts exist: unlock them before rolling back")
                return super().unapply(project_state, schema_editor, collect_sql)
    """,
    # -- shop: a squash of 0001+0002, a blocked RunPython --------------------------
    "shop/models.py": """
        from django.db import models


        class Order(models.Model):
            account = models.ForeignKey("ledger.Account", null=True, on_delete=models.CASCADE)
            note = models.TextField(default="")
            status = models.CharField(max_length=20, default="new")
    """,
    "shop/migrations/0001_initial.py": """
        from django.db import migrations, models


        class Migration(migrations.Migration):
            initial = True
            dependencies = [("ledger", "0001_initial")]
            operations = [
                migrations.CreateModel(
                    name="Order",
                    fields=[
                        ("id", models.AutoField(primary_key=True, serialize=False)),
                        (
                            "account",
                            models.ForeignKey(
                                null=True, on_delete=models.deletion.CASCADE, to="ledger.account"
                            ),
                        ),
                    ],
                ),
            ]
    """,
    "shop/migrations/0002_order_note.py": """
        from django.db import migrations, models


        class Migration(migrations.Migration):
            dependencies = [("shop", "0001_initial")]
            operations = [
                migrations.AddField(
                    model_name="order", name="note", field=models.TextField(default="")
                ),
            ]
    """,
    "shop/migrations/0001_squashed_0002_order_note.py": """
        from django.db import migrations, models


        class Migration(migrations.Migration):
            replaces = [("shop", "0001_initial"), ("shop", "0002_order_note")]
            initial = True
            dependencies = [("ledger", "0001_initial")]
            operations = [
                migrations.CreateModel(
                    name="Order",
                    fields=[
                        ("id", models.AutoField(primary_key=True, serialize=False)),
                        (
                            "account",
                            models.ForeignKey(
                                null=True, on_delete=models.deletion.CASCADE, to="ledger.account"
                            ),
                        ),
                        ("note", models.TextField(default="")),
                    ],
                ),
            ]
    """,
    "shop/migrations/0003_backfill_note.py": """
        from django.db import migrations


        def backfill(apps, schema_editor):
            Order = apps.get_model("shop", "Order")
            Order.objects.filter(note="").update(note="(none)")


        class Migration(migrations.Migration):
            dependencies = [("shop", "0002_order_note")]
            operations = [migrations.RunPython(backfill)]
    """,
    "shop/migrations/0004_order_status.py": """
        from django.db import migrations, models


        class Migration(migrations.Migration):
            dependencies = [("shop", "0003_backfill_note"), ("ledger", "__first__")]
            operations = [
                migrations.AddField(
                    model_name="order",
                    name="status",
                    field=models.CharField(default="new", max_length=20),
                ),
            ]
    """,
    "shop/migrations/0005_order_status_index.py": """
        from django.db import migrations, models


        class Migration(migrations.Migration):
            dependencies = [("shop", "0004_order_status"), ("ledger", "0004_account_locked")]
            operations = [
                migrations.AlterField(
                    model_name="order",
                    name="status",
                    field=models.CharField(db_index=True, default="new", max_length=20),
                ),
            ]
    """,
    # -- hounds: __first__, run_before, and a RunPython that reads ledger's Badge -----
    "hounds/models.py": """
        from django.db import models


        class Hound(models.Model):
            name = models.CharField(max_length=50)
            badges = models.IntegerField(default=0)
    """,
    "hounds/migrations/0001_initial.py": """
        from django.db import migrations, models


        class Migration(migrations.Migration):
            initial = True
            dependencies = [("shop", "__first__")]
            run_before = [("ledger", "0002_entry")]
            operations = [
                migrations.CreateModel(
                    name="Hound",
                    fields=[
                        ("id", models.AutoField(primary_key=True, serialize=False)),
                        ("name", models.CharField(max_length=50)),
                        ("badges", models.IntegerField(default=0)),
                    ],
                ),
            ]
    """,
    "hounds/migrations/0002_count_badges.py": """
        from django.db import migrations


        def count(apps, schema_editor):
            Hound = apps.get_model("hounds", "Hound")
            Badge = apps.get_model("ledger", "Badge")
            Hound.objects.update(badges=Badge.objects.count())


        class Migration(migrations.Migration):
            dependencies = [("hounds", "0001_initial"), ("ledger", "0002_badge")]
            operations = [migrations.RunPython(count, migrations.RunPython.noop)]
    """,
}
