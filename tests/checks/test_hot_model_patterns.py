"""DJM003 on the two ways a live model reaches migration code besides a plain name: a
default argument, and a call of the live class's own method. Reported only when the
model is really used while the migration runs."""

from __future__ import annotations

import pytest

from django_migration_lsp.checks import analyze, fixes_for
from django_migration_lsp.checks.registry import get_rule

RULE = get_rule("DJM003")
PATH = "shop/migrations/0002_data.py"


def migration(body: str, imports: str = "from shop.models import Order\n") -> str:
    return (
        "from django.db import migrations\n"
        + imports
        + "\n\n"
        + body
        + "\n\nclass Migration(migrations.Migration):\n"
        "    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]\n"
    )


REPORTED = {
    "default argument": "def forwards(apps, schema_editor, M=Order):\n    M.objects.count()\n",
    "keyword-only default": (
        "def forwards(apps, schema_editor, *, model=Order):\n    model.objects.count()\n"
    ),
    "default passed on": (
        "def forwards(apps, schema_editor, M=Order):\n    backfill(M)\n\n\n"
        "def backfill(model):\n    pass\n"
    ),
    "module attribute default": (
        "def forwards(apps, schema_editor, M=models.Order):\n    M.objects.count()\n"
    ),
    "custom method": "def forwards(apps, schema_editor):\n    Order.recompute_totals()\n",
    "custom method through a default": (
        "def forwards(apps, schema_editor, M=Order):\n    M.recompute_totals(batch=100)\n"
    ),
}
NOT_REPORTED = {
    "default never used": "def forwards(apps, schema_editor, M=Order):\n    pass\n",
    "default rebound to the historical model": (
        "def forwards(apps, schema_editor, M=Order):\n"
        "    M = apps.get_model('shop', 'Order')\n"
        "    M.objects.count()\n"
    ),
    "a nested function's own parameter": (
        "def forwards(apps, schema_editor, M=Order):\n"
        "    def inner(M):\n"
        "        return M.objects.count()\n"
        "    inner(apps.get_model('shop', 'Order'))\n"
    ),
    "a constant as default": (
        "def forwards(apps, schema_editor, size=BATCH_SIZE):\n    print(size)\n"
    ),
    "nested class of the model": "def forwards(apps, schema_editor):\n    Order.Status('new')\n",
    "private method": "def forwards(apps, schema_editor):\n    Order._prepare()\n",
    "method read, not called": "def forwards(apps, schema_editor):\n    print(Order.total)\n",
    "never run by migrate": "def forwards(apps, schema_editor):\n    pass\n\n\n"
    "def unused():\n    Order.recompute_totals()\n",
}


def _imports(body: str) -> str:
    if "models.Order" in body:
        return "from shop import models\n"
    if "BATCH_SIZE" in body:
        return "from shop.models import BATCH_SIZE\n"
    return "from shop.models import Order\n"


@pytest.mark.parametrize("body", REPORTED.values(), ids=REPORTED.keys())
def test_reported_without_a_fix(body: str):
    analysis = analyze(migration(body, _imports(body)), PATH, rules=[RULE])
    assert [f.code for f in analysis.findings] == ["DJM003"]
    finding = analysis.findings[0]
    assert fixes_for(analysis.source, finding) == []
    if "recompute_totals" in body:
        assert "lacks custom methods such as `Order.recompute_totals()`" in finding.message
    else:
        assert "(no automatic fix: it is the default of parameter" in finding.message


@pytest.mark.parametrize("body", NOT_REPORTED.values(), ids=NOT_REPORTED.keys())
def test_not_reported(body: str):
    assert analyze(migration(body, _imports(body)), PATH, rules=[RULE]).findings == []


def test_a_django_model_method_is_an_ordinary_use_with_its_fix():
    body = "def forwards(apps, schema_editor):\n    Order.save(Order(status='new'))\n"
    analysis = analyze(migration(body), PATH, rules=[RULE])
    (finding,) = analysis.findings
    assert "use `apps.get_model('shop', 'Order')` instead" in finding.message
    assert fixes_for(analysis.source, finding)
