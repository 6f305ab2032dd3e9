"""The analysis core stays pure: no LSP, no Django, no LibCST until a fix is asked for."""

import subprocess
import sys

PROBE = """
import sys
from django_migration_lsp.checks import analyze
from django_migration_lsp.cli import main
analyze(open(sys.argv[1], 'rb').read(), sys.argv[1])
heavy = sorted({m.split('.')[0] for m in sys.modules} & {'pygls', 'lsprotocol', 'django', 'libcst'})
print(','.join(heavy))
"""


def test_detection_imports_no_lsp_django_or_libcst():
    fixture = "tests/fixtures/project/shop/migrations/0002_binding_forms.py"
    out = subprocess.run(
        [sys.executable, "-c", PROBE, fixture], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""


FIX_PROBE = """
import sys
from django_migration_lsp.checks import analyze
from django_migration_lsp.checks.fixing import first_valid_fixes
analysis = analyze(sys.stdin.read(), "shop/migrations/0002_x.py")
fixes = first_valid_fixes(analysis.source, analysis.findings)
print(sorted(f.code for f, fix in zip(analysis.findings, fixes) if fix is not None))
print("libcst" in sys.modules)
"""

COMMON_SHAPES = """from django.db import migrations
from shop.models import Order


def forwards(apps, schema_editor):
    Order.objects.update(status="new")


class Migration(migrations.Migration):
    operations = [
        migrations.RunPython(forwards),
        migrations.RunSQL(
            "UPDATE shop_order SET x = 1",  # backfill
        ),
    ]
"""


def test_fixes_of_the_common_shapes_import_no_libcst():
    """``check --format json`` builds every fix: a call that gets its reverse and a
    single-name import on its own line are text edits, with no LibCST import."""
    out = subprocess.run(
        [sys.executable, "-c", FIX_PROBE],
        input=COMMON_SHAPES,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split("\n")[:2] == ["['DJM001', 'DJM002', 'DJM003']", "False"]
