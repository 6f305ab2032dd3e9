"""Many spellings of the same mistakes, each as one migration in a chain, in one project.

One ``check --fix --unsafe-fixes``, then one ``migrate`` forwards, to zero and forwards
again runs every fixed migration both ways, so dozens of shapes cost a few seconds.
"""

from __future__ import annotations

import json
import textwrap

import pytest

from .project import Project, ok
from .test_missing_reverse import HOUNDS

M = "from django.db import migrations"

#: name -> (imports, operation as written, the operation after `check --fix --unsafe-fixes`)
CALL_SHAPES = {
    "code_keyword": (
        M,
        "migrations.RunPython(code=forwards)",
        "migrations.RunPython(code=forwards, reverse_code=migrations.RunPython.noop)",
    ),
    "reverse_code_none": (
        M,
        "migrations.RunPython(forwards, reverse_code=None)",
        "migrations.RunPython(forwards, reverse_code=migrations.RunPython.noop)",
    ),
    "positional_none": (
        M,
        "migrations.RunPython(forwards, None)",
        "migrations.RunPython(forwards, migrations.RunPython.noop)",
    ),
    "elidable": (
        M,
        "migrations.RunPython(forwards, elidable=True)",
        "migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)",
    ),
    "atomic_false": (
        M,
        "migrations.RunPython(forwards, atomic=False)",
        "migrations.RunPython(forwards, migrations.RunPython.noop, atomic=False)",
    ),
    "hints": (
        M,
        "migrations.RunPython(forwards, hints={'x': 1})",
        "migrations.RunPython(forwards, migrations.RunPython.noop, hints={'x': 1})",
    ),
    "multi_line": (
        M,
        "migrations.RunPython(\n            forwards,\n        )",
        "migrations.RunPython(\n            forwards,\n"
        "            migrations.RunPython.noop,\n        )",
    ),
    "lambda": (
        M,
        "migrations.RunPython(lambda apps, schema_editor: None)",
        "migrations.RunPython(lambda apps, schema_editor: None, migrations.RunPython.noop)",
    ),
    "aliased_module": (
        M + "\nfrom django.db import migrations as m",
        "m.RunPython(forwards)",
        "m.RunPython(forwards, m.RunPython.noop)",
    ),
    "imported_class": (
        M + "\nfrom django.db.migrations import RunPython",
        "RunPython(forwards)",
        "RunPython(forwards, RunPython.noop)",
    ),
    "operations_module": (
        M + "\nfrom django.db.migrations.operations import special",
        "special.RunPython(forwards)",
        "special.RunPython(forwards, special.RunPython.noop)",
    ),
    "sql_keyword": (
        M,
        "migrations.RunSQL(sql='UPDATE hounds_hound SET good_boy = 1')",
        "migrations.RunSQL(sql='UPDATE hounds_hound SET good_boy = 1', "
        "reverse_sql=migrations.RunSQL.noop)",
    ),
    "sql_list": (
        M,
        "migrations.RunSQL(['UPDATE hounds_hound SET good_boy = 1', 'SELECT 1'])",
        "migrations.RunSQL(['UPDATE hounds_hound SET good_boy = 1', 'SELECT 1'], "
        "reverse_sql=migrations.RunSQL.noop)",
    ),
    "sql_reverse_none": (
        M,
        "migrations.RunSQL('SELECT 1', reverse_sql=None)",
        "migrations.RunSQL('SELECT 1', reverse_sql=migrations.RunSQL.noop)",
    ),
    "sql_state_operations": (
        M,
        "migrations.RunSQL('SELECT 1', state_operations=[], elidable=True)",
        "migrations.RunSQL('SELECT 1', state_operations=[], elidable=True, "
        "reverse_sql=migrations.RunSQL.noop)",
    ),
    "sql_imported_class": (
        M + "\nfrom django.db.migrations import RunSQL",
        "RunSQL('SELECT 1')",
        "RunSQL('SELECT 1', reverse_sql=RunSQL.noop)",
    ),
}
#: The file's own style survives the fix: line endings and indentation.
STYLES = {
    "crlf": lambda text: text.replace("\n", "\r\n"),
    "tabs": lambda t: t.replace("    ", "\t"),
}


def call_migration(imports: str, operation: str, previous: str) -> str:
    return (
        f"{imports}\n\n\n"
        "def forwards(apps, schema_editor):\n"
        '    apps.get_model("hounds", "Hound").objects.update(good_boy=True)\n\n\n'
        "class Migration(migrations.Migration):\n"
        f'    dependencies = [("hounds", "{previous}")]\n\n'
        "    operations = [\n"
        f"        {operation},\n"
        "    ]\n"
    )


def findings_per_file(project: Project) -> dict[str, list[str]]:
    proc = project.check("--format", "json", "--exit-zero")
    found: dict[str, list[str]] = {}
    for item in json.loads(proc.stdout):
        name = item["filename"].rsplit("/", 1)[-1].removesuffix(".py")
        found.setdefault(name, []).append(item["code"])
    return found


def chain(app: str, shapes: dict[str, str], first: str) -> tuple[dict[str, str], list[str]]:
    """One migration per shape after ``first``, each depending on the one before."""
    files, previous, names = {}, first, []
    for n, (shape, text) in enumerate(shapes.items(), start=int(first[:4]) + 1):
        name = f"{n:04d}_{shape}"
        files[f"{app}/migrations/{name}.py"] = text.replace("{previous}", previous)
        previous = name
        names.append(name)
    return files, names


def test_call_shapes_fix_and_roll_back(make_project):
    texts = {
        shape: call_migration(imports, operation, "{previous}")
        for shape, (imports, operation, _) in CALL_SHAPES.items()
    }
    for style, restyle in STYLES.items():
        texts[style] = restyle(call_migration(M, "migrations.RunPython(forwards)", "{previous}"))
    files, names = chain("hounds", texts, "0002_hound_good_boy")
    project = make_project(["hounds"], HOUNDS)
    project.write(files, exact=True)

    found = findings_per_file(project)
    assert found == {name: ["DJM002" if "sql" in name else "DJM001"] for name in names}, found
    ok(project.migrate())
    before = project.migrate("hounds", "0002")
    assert "IrreversibleError" in before.stderr

    fixed = project.check("--fix", "--unsafe-fixes")
    assert fixed.returncode == 0, fixed.stdout
    assert f"Found {len(names)} problems ({len(names)} fixed, 0 remaining)." in fixed.stdout
    for name, (shape, (_, _, after)) in zip(names, CALL_SHAPES.items(), strict=False):
        assert f"        {after},\n" in project.read(f"hounds/migrations/{name}.py"), shape
    crlf, tabs = (project.root / f"hounds/migrations/{n}.py" for n in names[-2:])
    assert crlf.read_bytes().count(b"\n") == crlf.read_bytes().count(b"\r\n")
    assert b"\t\tmigrations.RunPython(forwards, migrations.RunPython.noop),\n" in tabs.read_bytes()

    back = ok(project.migrate("hounds", "0002"))
    for name in names:
        assert f"Unapplying hounds.{name}... OK" in back.stdout
    ok(project.migrate())
    assert project.applied("hounds")[-1] == names[-1]


#: Every way of reaching a live model, each in its own migration of the `shop` app:
#: forwards creates order {n}, backwards deletes it.
MODEL_FORMS = {
    "imported_class": """
        from shop.models import Order

        def forwards(apps, schema_editor):
            Order.objects.create(number={n})

        def backwards(apps, schema_editor):
            Order.objects.filter(number={n}).delete()
    """,
    "aliased_class": """
        from shop.models import Order as O

        def forwards(apps, schema_editor):
            O.objects.create(number={n})

        def backwards(apps, schema_editor):
            O.objects.filter(number={n}).delete()
    """,
    "relative_import": """
        from ..models import Order

        def forwards(apps, schema_editor):
            Order.objects.create(number={n})

        def backwards(apps, schema_editor):
            Order.objects.filter(number={n}).delete()
    """,
    "aliased_module": """
        from shop import models as shop_models

        def forwards(apps, schema_editor):
            shop_models.Order.objects.create(number={n})

        def backwards(apps, schema_editor):
            shop_models.Order.objects.filter(number={n}).delete()
    """,
    "import_as": """
        import shop.models as sm

        def forwards(apps, schema_editor):
            sm.Order.objects.create(number={n})

        def backwards(apps, schema_editor):
            sm.Order.objects.filter(number={n}).delete()
    """,
    "star_import": """
        from shop.models import *

        def forwards(apps, schema_editor):
            Order.objects.create(number={n})

        def backwards(apps, schema_editor):
            Order.objects.filter(number={n}).delete()
    """,
    "import_also_used_at_import_time": """
        import shop.models

        CODE = shop.models.make_code

        def forwards(apps, schema_editor):
            shop.models.Order.objects.create(number={n}, code=CODE())

        def backwards(apps, schema_editor):
            shop.models.Order.objects.filter(number={n}).delete()
    """,
    "helper_with_apps": """
        from shop.models import Order

        def create(apps, number):
            Order.objects.create(number=number)

        def forwards(apps, schema_editor):
            create(apps, {n})

        def backwards(apps, schema_editor):
            Order.objects.filter(number={n}).delete()
    """,
    "closure_and_docstring": """
        from shop.models import Order

        def forwards(apps, schema_editor):
            \"\"\"Create one order.\"\"\"
            def create(number):
                Order.objects.create(number=number)
            create({n})

        def backwards(apps, schema_editor):
            try:
                Order.objects.get(number={n}).delete()
            except Order.DoesNotExist:
                pass
    """,
    "two_models_related": """
        from shop import models

        def forwards(apps, schema_editor):
            customer = models.Customer.objects.create(name="c{n}")
            models.Order.objects.create(number={n}, customer=customer)

        def backwards(apps, schema_editor):
            models.Order.objects.filter(number={n}).delete()
            models.Customer.objects.filter(name="c{n}").delete()
    """,
    "nested_package_with_label": """
        from deep.crates.models import Crate
        from shop.models import Order

        def forwards(apps, schema_editor):
            Crate.objects.create(size={n})
            Order.objects.create(number={n})

        def backwards(apps, schema_editor):
            Order.objects.filter(number={n}).delete()
            Crate.objects.filter(size={n}).delete()
    """,
    "contrib_auth_user": """
        from django.contrib.auth.models import User
        from shop.models import Order

        def forwards(apps, schema_editor):
            Order.objects.create(number={n}, buyer=User.objects.create(username="u{n}"))

        def backwards(apps, schema_editor):
            Order.objects.filter(number={n}).delete()
            User.objects.filter(username="u{n}").delete()
    """,
    "contrib_auth_module": """
        import django.contrib.auth.models
        from django.contrib.auth import models as auth_models

        def forwards(apps, schema_editor):
            auth_models.Group.objects.create(name="g{n}")

        def backwards(apps, schema_editor):
            django.contrib.auth.models.Group.objects.filter(name="g{n}").delete()
    """,
    "module_level_get_user_model": """
        from django.contrib.auth import get_user_model
        from shop.models import Order

        User = get_user_model()

        def forwards(apps, schema_editor):
            Order.objects.create(number={n}, buyer=User.objects.create(username="v{n}"))

        def backwards(apps, schema_editor):
            Order.objects.filter(number={n}).delete()
            User.objects.filter(username="v{n}").delete()
    """,
}

SHOP = {
    "shop/models.py": """
        import uuid

        from django.conf import settings
        from django.db import models


        def make_code():
            return uuid.uuid4().hex[:8]


        class Customer(models.Model):
            name = models.CharField(max_length=50)


        class Order(models.Model):
            number = models.IntegerField()
            code = models.CharField(max_length=8, default=make_code)
            customer = models.ForeignKey(Customer, null=True, on_delete=models.CASCADE)
            buyer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE)
    """,
    "deep/crates/apps.py": """
        from django.apps import AppConfig


        class CratesConfig(AppConfig):
            name = "deep.crates"
            label = "warehouse"
    """,
    "deep/crates/models.py": """
        from django.db import models


        class Crate(models.Model):
            size = models.IntegerField(default=1)
    """,
}


def model_migration(form: str, n: int) -> str:
    functions = textwrap.dedent(form).strip("\n").replace("\n\ndef ", "\n\n\ndef ")
    return (
        "from django.db import migrations\n"
        + functions.replace("{n}", str(n))
        + "\n\n\nclass Migration(migrations.Migration):\n"
        "    dependencies = [\n"
        '        ("shop", "{previous}"),\n'
        '        ("warehouse", "0001_initial"),\n'
        '        ("auth", "0012_alter_user_first_name_max_length"),\n'
        "    ]\n\n"
        "    operations = [migrations.RunPython(forwards, backwards)]\n"
    )


@pytest.mark.parametrize("user_model", ["auth.User", "accounts.Member"])
def test_model_forms_fix_and_roll_back(make_project, user_model):
    files = dict(SHOP)
    if user_model == "accounts.Member":
        files["accounts/models.py"] = """
            from django.contrib.auth.models import AbstractUser


            class Member(AbstractUser):
                pass
        """
    apps = ["django.contrib.contenttypes", "django.contrib.auth", "shop", "deep.crates"]
    if user_model != "auth.User":
        apps.append("accounts")
    # contrib_auth_user imports auth.User itself: only meaningful with the default user.
    forms = {
        k: v
        for k, v in MODEL_FORMS.items()
        if user_model == "auth.User" or k != "contrib_auth_user"
    }
    project = make_project(apps, files, settings=f"AUTH_USER_MODEL = {user_model!r}")
    ok(project.manage("makemigrations", "shop", "warehouse", *apps[4:]))
    texts = {form: model_migration(text, n) for n, (form, text) in enumerate(forms.items(), 1)}
    chained, names = chain("shop", texts, "0001_initial")
    project.write(chained)

    found = findings_per_file(project)
    assert set(found) == set(names), found
    assert all(set(codes) == {"DJM003"} for codes in found.values()), found

    fixed = project.check("--fix", "--unsafe-fixes")
    assert fixed.returncode == 0, fixed.stdout
    assert project.check().returncode == 0
    for name in names:
        text = project.read(f"shop/migrations/{name}.py")
        assert "apps.get_model(" in text, text

    ok(project.migrate())
    numbers = [n for (n,) in project.query("SELECT number FROM shop_order ORDER BY number")]
    group = next(i for i, name in enumerate(names, 1) if name.endswith("_auth_module"))
    assert numbers == [i for i in range(1, len(names) + 1) if i != group]
    assert project.query("SELECT name FROM auth_group") == [(f"g{group}",)]
    crate = next(i for i, name in enumerate(names, 1) if name.endswith("_with_label"))
    assert project.query("SELECT size FROM warehouse_crate") == [(crate,)]
    back = ok(project.migrate("shop", "0001"))
    for name in names:
        assert f"Unapplying shop.{name}... OK" in back.stdout
    assert project.query("SELECT count(*) FROM shop_order") == [(0,)]
    assert project.query("SELECT count(*) FROM warehouse_crate") == [(0,)]
    assert project.query("SELECT count(*) FROM auth_group") == [(0,)]
    ok(project.migrate())
    assert project.applied("shop")[-1] == names[-1]
