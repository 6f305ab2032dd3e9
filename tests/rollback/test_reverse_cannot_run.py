"""DJM006 on a real database: reverse functions that cannot run, found before the night
they are needed. The forward migrates fine; ``migrate shop 0001`` then raises, half-way:
the migration after it is already unapplied, this one stays applied."""

from __future__ import annotations

from .project import Project, fails, ok

INITIAL = """
    from django.db import migrations, models


    class Migration(migrations.Migration):
        initial = True

        operations = [
            migrations.CreateModel(
                name="Order",
                fields=[
                    ("id", models.AutoField(primary_key=True)),
                    ("status", models.CharField(max_length=10, default="")),
                ],
            ),
        ]
"""

STATUS = """
    from django.db import migrations


    def forwards(apps, schema_editor):
        Order = apps.get_model("shop", "Order")
        Order.objects.filter(status="").update(status="new")

    {backwards}

    class Migration(migrations.Migration):
        dependencies = [("shop", "0001_initial")]

        operations = [migrations.RunPython(forwards, backwards)]
"""

LATER = """
    from django.db import migrations, models


    class Migration(migrations.Migration):
        dependencies = [("shop", "0002_status")]

        operations = [migrations.AddField("order", "paid", models.BooleanField(default=False))]
"""

M0002 = "shop/migrations/0002_status.py"

FORGOT_GET_MODEL = """
def backwards(apps, schema_editor):
    Order.objects.filter(status="new").update(status="")
"""

RAISES = """
def backwards(apps, schema_editor):
    raise RuntimeError("This migration cannot be reversed")
"""


def shop(make_project, backwards: str) -> Project:
    body = "\n".join("    " + line if line else "" for line in backwards.strip("\n").split("\n"))
    project = make_project(
        ["shop"],
        {
            "shop/migrations/0001_initial.py": INITIAL,
            M0002: STATUS.replace("    {backwards}", body),
            "shop/migrations/0003_paid.py": LATER,
        },
    )
    ok(project.migrate("shop", "0001"))
    project.query("INSERT INTO shop_order (status) VALUES ('')")
    forwards = ok(project.migrate())
    assert "Applying shop.0002_status... OK" in forwards.stdout
    assert project.query("SELECT status FROM shop_order") == [("new",)]
    return project


def assert_stops_half_way(project: Project) -> None:
    assert project.applied("shop") == ["0001_initial", "0002_status"]
    assert project.query("SELECT status FROM shop_order") == [("new",)]


def test_a_name_bound_nowhere_raises_name_error_on_rollback(make_project):
    project = shop(make_project, FORGOT_GET_MODEL)
    error = fails(project.migrate("shop", "0001"), "NameError")
    assert error == "NameError: name 'Order' is not defined"
    assert_stops_half_way(project)

    found = project.check()
    assert found.returncode == 1
    assert found.stdout.splitlines() == [
        f"{M0002}:9:5: DJM006 `Order` is bound nowhere in this module: unapplying this "
        "migration raises `NameError` in `backwards()`",
        "Found 1 problem.",
    ]


def test_a_reverse_that_always_raises(make_project):
    project = shop(make_project, RAISES)
    error = fails(project.migrate("shop", "0001"), "RuntimeError")
    assert error == "RuntimeError: This migration cannot be reversed"
    assert_stops_half_way(project)

    found = project.check()
    assert found.stdout.splitlines() == [
        f"{M0002}:9:5: DJM006 `backwards()` always raises `RuntimeError`: unapplying this "
        "migration fails here",
        "Found 1 problem.",
    ]


TYPO = """
def backwards(apps, schema_editor):
    Order = apps.get_model("shop", "Ordr")
    Order.objects.filter(status="new").update(status="")
"""


def test_a_model_that_is_not_in_the_state_raises_lookup_error(make_project):
    project = shop(make_project, TYPO)
    error = fails(project.migrate("shop", "0001"), "LookupError")
    assert error == "LookupError: App 'shop' doesn't have a 'Ordr' model."
    assert_stops_half_way(project)

    found = project.check()
    assert found.stdout.splitlines() == [
        f'{M0002}:9:13: DJM006 `apps.get_model("shop", "Ordr")` raises `LookupError` when this '
        "migration is unapplied, in `backwards()`: no migration of `shop` creates a model `Ordr`",
        "Found 1 problem.",
    ]


DROP_LEGACY = """
    from django.db import migrations, models


    class Migration(migrations.Migration):
        dependencies = [("shop", "0001_initial")]

        operations = [
            migrations.CreateModel(
                "Legacy", [("id", models.AutoField(primary_key=True))]
            ),
            migrations.DeleteModel("Legacy"),
        ]
"""

COPY_BACK = """
    from django.db import migrations


    def forwards(apps, schema_editor):
        Order = apps.get_model("shop", "Order")
        Order.objects.filter(status="").update(status="new")


    def backwards(apps, schema_editor):
        Legacy = apps.get_model("shop", "Legacy")  # deleted by 0002: LookupError
        for order in apps.get_model("shop", "Order").objects.all():
            Legacy.objects.create()


    class Migration(migrations.Migration):
        dependencies = [("shop", "0002_legacy")]

        operations = [migrations.RunPython(forwards, backwards)]
"""


def test_a_model_deleted_by_an_earlier_migration(make_project):
    project = make_project(
        ["shop"],
        {
            "shop/migrations/0001_initial.py": INITIAL,
            "shop/migrations/0002_legacy.py": DROP_LEGACY,
            "shop/migrations/0003_status.py": COPY_BACK,
        },
    )
    ok(project.migrate("shop", "0002"))
    project.query("INSERT INTO shop_order (status) VALUES ('')")
    ok(project.migrate())
    error = fails(project.migrate("shop", "0002"), "LookupError")
    assert error == "LookupError: App 'shop' doesn't have a 'Legacy' model."
    assert project.applied("shop")[-1] == "0003_status"

    found = project.check()
    assert found.stdout.splitlines() == [
        'shop/migrations/0003_status.py:10:14: DJM006 `apps.get_model("shop", "Legacy")` raises '
        "`LookupError` when this migration is unapplied, in `backwards()`: app `shop` has no "
        "model `Legacy` there (`shop.0002_legacy` creates it; a migration before this one "
        "deletes or renames it)",
        "Found 1 problem.",
    ]
