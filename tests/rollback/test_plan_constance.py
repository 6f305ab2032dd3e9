"""``plan constance 0001``: django-constance 4.4.0, read from the environment it is
installed in, blocks a downgrade to 3.x at ``0003_drop_pickle`` — the incident that a
team recovered from with ``migrate --fake constance 0001_initial`` — and ``0002``, past
it, is lossy (its no-op reverse leaves the old table dropped).

The package is read from the environment the tool runs in (``PYTHONPATH``), or from
another interpreter's (``--python``, a virtualenv that has it); never imported.
"""

from __future__ import annotations

import json
import subprocess
import sys

from .plan_apps import plan_documented
from .project import Project, fails, ok
from .test_constance import SETTINGS, constance_site, upgrade_from_3x  # noqa: F401

STEPS = ["constance.0003_drop_pickle", "constance.0002_migrate_from_old_table"]


def plan(project: Project, *args: str) -> subprocess.CompletedProcess:
    proc = project.run("-m", "django_migration_lsp", "plan", *args)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_plan_shows_0003_drop_pickle_blocking_a_downgrade(make_project, constance_site):  # noqa: F811
    project = make_project(["constance"], {}, settings=SETTINGS, pythonpath=[constance_site])
    proc = plan(project, "constance", "0001", "--format", "json")
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert [s["migration"] for s in data["steps"]] == STEPS
    blocked = data["steps"][0]
    assert blocked["verdict"] == "blocked" and blocked["installed_package"] is True
    assert blocked["path"] == str(constance_site / "constance/migrations/0003_drop_pickle.py")
    assert [(f["code"], f["line"]) for f in blocked["findings"]] == [("DJM001", 68)]
    lossy = data["steps"][1]
    assert lossy["verdict"] == "lossy"
    assert [(f["code"], f["line"], f["verdict"]) for f in lossy["findings"]] == [
        ("DJM004", 40, "lossy")
    ]
    assert data["stops_at"] == "constance.0003_drop_pickle"
    assert data["undone_before_stop"] == []

    # Django agrees on the order, and a real downgrade stops there.
    upgrade_from_3x(project)
    django = ok(project.migrate("constance", "0001", "--plan")).stdout.splitlines()
    assert [line for line in django[1:] if not line.startswith(" ")] == STEPS
    fails(project.migrate("constance", "0001"), "IrreversibleError")
    assert project.applied("constance")[-1] == "0003_drop_pickle"

    text = plan(project, "constance", "0001").stdout
    assert "python manage.py migrate --fake constance 0002_migrate_from_old_table" in text
    plan_documented(text.replace(str(constance_site), "<site-packages>"))


def test_another_interpreter_with_python(make_project, constance_site, tmp_path):  # noqa: F811
    # A virtualenv whose site-packages has constance (through a .pth file), and a tool
    # that does not: --python names the project's interpreter.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site_packages = next(venv.glob("lib/python*/site-packages"))
    (site_packages / "constance.pth").write_text(f"{constance_site}\n")
    project = make_project(["constance"], {}, settings=SETTINGS)

    without = plan(project, "constance", "0001")
    assert without.returncode == 2
    assert without.stderr.startswith(
        "django-migration-lsp plan: error: No installed app with label 'constance'."
    )
    assert "--python" in without.stderr

    python = str(venv / "bin" / "python")
    proc = plan(project, "constance", "0001", "--python", python, "--format", "json")
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert [s["migration"] for s in data["steps"]] == STEPS
    assert data["stops_at"] == "constance.0003_drop_pickle"

    bad = plan(project, "constance", "0001", "--python", str(tmp_path / "nope"))
    assert bad.returncode == 2
    assert "cannot run" in bad.stderr
