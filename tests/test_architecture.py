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
