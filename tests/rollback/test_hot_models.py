"""DJM003 on a real database: live model classes in migrations, then ``apps.get_model``."""

from __future__ import annotations

from .project import documented, fails, ok

COOPS_V1 = """
    from django.db import models


    class ChickenCoopLocations(models.Model):
        name = models.CharField(max_length=100)
        chicken_count = models.IntegerField(default=0)
        has_chickens = models.BooleanField(default=False)
"""
COOPS_V2 = COOPS_V1 + "        egg_count = models.IntegerField(default=0)\n"

TERRITORY = {
    "territory/models.py": COOPS_V1,
    "territory/migrations/0001_initial.py": """
        from django.db import migrations, models


        def seed(apps, schema_editor):
            ChickenCoopLocations = apps.get_model("territory", "ChickenCoopLocations")
            ChickenCoopLocations.objects.create(name="North field", chicken_count=12)
            ChickenCoopLocations.objects.create(name="Old barn", chicken_count=0)


        class Migration(migrations.Migration):
            initial = True

            operations = [
                migrations.CreateModel(
                    name="ChickenCoopLocations",
                    fields=[
                        ("id", models.AutoField(auto_created=True, primary_key=True,
                                                serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=100)),
                        ("chicken_count", models.IntegerField(default=0)),
                        ("has_chickens", models.BooleanField(default=False)),
                    ],
                ),
                migrations.RunPython(seed, migrations.RunPython.noop),
            ]
    """,
    "territory/migrations/0002_populate_has_chickens.py": """
        from django.db import migrations
        from territory import models


        def populate_has_chickens(apps, schema_editor):
            for location in models.ChickenCoopLocations.objects.all():
                location.has_chickens = location.chicken_count > 0
                location.save()


        class Migration(migrations.Migration):
            dependencies = [("territory", "0001_initial")]

            operations = [
                migrations.RunPython(populate_has_chickens, migrations.RunPython.noop),
            ]
    """,
}
M0002 = "territory/migrations/0002_populate_has_chickens.py"
COOPS = "SELECT name, has_chickens FROM territory_chickencooplocations ORDER BY id"


def test_hot_model_time_bomb(make_project):
    project = make_project(["territory"], TERRITORY)

    # The day it was written, the live class and the table agreed: it worked.
    ok(project.migrate())
    assert project.query(COOPS) == [("North field", 1), ("Old barn", 0)]

    # Weeks later a field is added, with its own migration made by Django.
    project.write({"territory/models.py": COOPS_V2})
    made = ok(project.manage("makemigrations", "territory"))
    assert "territory/migrations/0003_chickencooplocations_egg_count.py" in made.stdout

    # A fresh database (a new colleague, CI, a restore) now dies inside 0002.
    project.fresh_database()
    before = project.migrate()
    assert "Applying territory.0002_populate_has_chickens..." in before.stdout
    error = fails(before, "OperationalError")
    assert error == (
        "django.db.utils.OperationalError: no such column: territory_chickencooplocations.egg_count"
    )
    assert project.applied("territory") == ["0001_initial"]

    found = project.check()
    assert found.returncode == 1
    assert f"{M0002}:2:23: DJM003 " in found.stdout

    diff = project.check("--diff", "--unsafe-fixes")
    assert project.check("--fix", "--unsafe-fixes").returncode == 0
    text = project.read(M0002)
    assert "from territory import models" not in text
    assert (
        "def populate_has_chickens(apps, schema_editor):\n"
        '    ChickenCoopLocations = apps.get_model("territory", "ChickenCoopLocations")\n'
        "    for location in ChickenCoopLocations.objects.all():\n"
    ) in text

    # After: a fresh database migrates, rolls back to zero and migrates again.
    project.fresh_database()
    after = ok(project.migrate())
    assert project.query(COOPS) == [("North field", 1), ("Old barn", 0)]
    back = ok(project.migrate("territory", "zero"))
    assert "Unapplying territory.0002_populate_has_chickens... OK" in back.stdout
    assert "territory_chickencooplocations" not in project.tables()
    ok(project.migrate())
    assert project.applied("territory")[-1] == "0003_chickencooplocations_egg_count"
    assert project.check().returncode == 0
    documented(
        made.stdout, before.stdout, error, found.stdout, diff.stdout, after.stdout, back.stdout
    )


ACCOUNTS_AND_SHOP = {
    "accounts/models.py": """
        from django.contrib.auth.models import AbstractUser
        from django.db import models


        class User(AbstractUser):
            nickname = models.CharField(max_length=50, blank=True)
    """,
    # The app's label differs from its package: apps.get_model wants "store".
    "shop/apps.py": """
        from django.apps import AppConfig


        class ShopConfig(AppConfig):
            name = "shop"
            label = "store"
    """,
    "shop/models.py": """
        from django.conf import settings
        from django.db import models


        class Order(models.Model):
            number = models.IntegerField()
            status = models.CharField(max_length=20, default="")
            customer = models.ForeignKey(
                settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE
            )
    """,
}

DATA_MIGRATIONS = {
    # `from shop.models import Order`, used forwards and backwards.
    "shop/migrations/0002_seed_orders.py": """
        from django.db import migrations
        from shop.models import Order


        def seed(apps, schema_editor):
            for number in (1, 2, 3):
                Order.objects.create(number=number)


        def unseed(apps, schema_editor):
            Order.objects.filter(number__in=(1, 2, 3)).delete()


        class Migration(migrations.Migration):
            dependencies = [("store", "0001_initial")]

            operations = [migrations.RunPython(seed, unseed)]
    """,
    # The import inside the function.
    "shop/migrations/0003_mark_new.py": """
        from django.db import migrations


        def mark_new(apps, schema_editor):
            from shop.models import Order

            Order.objects.filter(status="").update(status="new")


        def unmark_new(apps, schema_editor):
            from shop.models import Order

            Order.objects.filter(status="new").update(status="")


        class Migration(migrations.Migration):
            dependencies = [("store", "0002_seed_orders")]

            operations = [migrations.RunPython(mark_new, unmark_new)]
    """,
    # `import shop.models` and get_user_model() with a custom user model.
    "shop/migrations/0004_assign_customers.py": """
        import shop.models
        from django.contrib.auth import get_user_model
        from django.db import migrations


        def assign(apps, schema_editor):
            User = get_user_model()
            owner = User.objects.create(username="owner")
            shop.models.Order.objects.update(customer=owner)


        def unassign(apps, schema_editor):
            shop.models.Order.objects.update(customer=None)
            get_user_model().objects.filter(username="owner").delete()


        class Migration(migrations.Migration):
            dependencies = [("store", "0003_mark_new"), ("accounts", "0001_initial")]

            operations = [migrations.RunPython(assign, unassign)]
    """,
    # django.contrib.auth's Group.
    "accounts/migrations/0002_editors_group.py": """
        from django.contrib.auth.models import Group
        from django.db import migrations


        def create_editors(apps, schema_editor):
            Group.objects.get_or_create(name="editors")


        def delete_editors(apps, schema_editor):
            Group.objects.filter(name="editors").delete()


        class Migration(migrations.Migration):
            dependencies = [
                ("accounts", "0001_initial"),
                ("auth", "0012_alter_user_first_name_max_length"),
            ]

            operations = [migrations.RunPython(create_editors, delete_editors)]
    """,
}

EXPECTED_LINES = {
    "shop/migrations/0002_seed_orders.py": ['    Order = apps.get_model("store", "Order")'] * 2,
    "shop/migrations/0003_mark_new.py": ['    Order = apps.get_model("store", "Order")'] * 2,
    "shop/migrations/0004_assign_customers.py": [
        "    User = apps.get_model(settings.AUTH_USER_MODEL)",
        '    Order = apps.get_model("store", "Order")',
        '    apps.get_model(settings.AUTH_USER_MODEL).objects.filter(username="owner").delete()',
    ],
    "accounts/migrations/0002_editors_group.py": ['    Group = apps.get_model("auth", "Group")']
    * 2,
}


def test_every_import_form_rolls_back(make_project):
    project = make_project(
        ["django.contrib.contenttypes", "django.contrib.auth", "accounts", "shop"],
        ACCOUNTS_AND_SHOP,
        settings='AUTH_USER_MODEL = "accounts.User"',
    )
    ok(project.manage("makemigrations", "accounts", "store"))
    project.write(DATA_MIGRATIONS)

    found = project.check("--select", "DJM003")
    assert found.returncode == 1
    # One finding per import or get_user_model() call.
    assert [line.split(" DJM003 ")[0] for line in found.stdout.splitlines()[:-2]] == [
        "accounts/migrations/0002_editors_group.py:1:40:",
        "shop/migrations/0002_seed_orders.py:2:25:",
        "shop/migrations/0003_mark_new.py:5:29:",
        "shop/migrations/0003_mark_new.py:11:29:",
        "shop/migrations/0004_assign_customers.py:1:8:",
        "shop/migrations/0004_assign_customers.py:7:12:",
        "shop/migrations/0004_assign_customers.py:14:5:",
    ], found.stdout

    fixed = project.check("--fix", "--unsafe-fixes")
    assert fixed.returncode == 0, fixed.stdout
    for rel, lines in EXPECTED_LINES.items():
        text = project.read(rel)
        assert "shop.models" not in text and "contrib.auth.models" not in text, text
        assert "get_user_model" not in text, text
        for line in lines:
            assert text.count(line + "\n") >= lines.count(line), (line, text)

    ok(project.migrate())
    orders = "SELECT number, status, customer_id IS NOT NULL FROM store_order ORDER BY number"
    assert project.query(orders) == [(1, "new", 1), (2, "new", 1), (3, "new", 1)]
    assert project.query("SELECT username FROM accounts_user") == [("owner",)]
    assert project.query("SELECT name FROM auth_group") == [("editors",)]

    # Backwards through every reverse function, then forwards again.
    back = ok(project.migrate("accounts", "zero"))
    for name in (
        "store.0004_assign_customers",
        "store.0003_mark_new",
        "store.0002_seed_orders",
        "accounts.0002_editors_group",
    ):
        assert f"Unapplying {name}... OK" in back.stdout
    assert project.applied("accounts") == [] and project.applied("store") == []
    assert project.query("SELECT name FROM auth_group") == []
    ok(project.migrate())
    assert project.query(orders) == [(1, "new", 1), (2, "new", 1), (3, "new", 1)]
    assert project.check().returncode == 0
