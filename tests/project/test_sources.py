"""The graph reads the migrations ``check`` finds: relocated packages included."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from django_migration_lsp.project.model import load_project

RELOCATED = Path(__file__).resolve().parents[1] / "fixtures" / "relocated"


def test_migration_modules_and_content_found_packages_are_graph_nodes():
    project = load_project(RELOCATED)
    apps = {key for key in project.graph.nodes if key[0] in ("dojo", "reports", "upgrades")}
    assert apps == {
        ("dojo", "0001_initial"),
        ("dojo", "0002_finding_hash_code"),
        ("dojo", "0003_rehash_findings"),
        ("reports", "0001_initial"),
        ("reports", "0002_report_search_index"),
    }  # scripts/upgrades holds a numbered script, not a Django migration


def test_plan_on_a_relocated_package_stops_at_its_irreversible_migration():
    proc = subprocess.run(
        [sys.executable, "-m", "django_migration_lsp", "plan", "dojo", "0001", str(RELOCATED)]
        + ["--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    plan = json.loads(proc.stdout)
    assert [s["migration"] for s in plan["steps"]] == [
        "dojo.0003_rehash_findings",
        "dojo.0002_finding_hash_code",
    ]
    assert plan["stops_at"] == "dojo.0002_finding_hash_code"
    assert plan["steps"][1]["path"].endswith("dojo/db_migrations/0002_finding_hash_code.py")
